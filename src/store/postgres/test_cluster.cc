#include "store/postgres/test_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

namespace sealpost::pg {
namespace {

namespace fs = std::filesystem;

// The newest Debian PostgreSQL whose bin directory has initdb.
std::string FindBin() {
  if (const char* env = std::getenv("SEALPOST_PG_BIN"); env && *env) return env;
  std::string best;
  int best_version = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const int version = std::atoi(e.path().filename().c_str());
    if (version > best_version && fs::exists(e.path() / "bin" / "initdb")) {
      best_version = version;
      best = (e.path() / "bin").string();
    }
  }
  return best;
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

// Starts `argv` with its output in `log`, as `user` when running as root.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log,
                    const passwd* user) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return MakeError(ErrorCode::kIo, "fork failed");
  if (pid == 0) {
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    if (user && (::setgid(user->pw_gid) != 0 || ::setuid(user->pw_uid) != 0)) ::_exit(126);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

Result<std::unique_ptr<TestCluster>> TestCluster::Start() {
  std::unique_ptr<TestCluster> c(new TestCluster());
  c->bin_ = FindBin();
  if (c->bin_.empty()) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin "
                     "(scripts/install-deps.sh --test installs postgresql-15)");
  }
  const passwd* user = nullptr;
  if (::geteuid() == 0) {
    user = ::getpwnam("postgres");
    if (user == nullptr) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "running as root, and there is no postgres user to run PostgreSQL as");
    }
  }
  std::string dir = (fs::temp_directory_path() / "sealpost-pg-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) return MakeError(ErrorCode::kIo, "mkdtemp failed");
  c->dir_ = dir;
  if (user && ::chown(dir.c_str(), user->pw_uid, user->pw_gid) != 0) {
    return MakeError(ErrorCode::kIo, "cannot hand " + dir + " to the postgres user");
  }
  const std::string data = dir + "/data", log = dir + "/postgres.log";
  auto initdb = Spawn({c->bin_ + "/initdb", "-D", data, "-A", "trust", "-U", "sealpost", "-E",
                       "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
                      log, user);
  if (!initdb.ok()) return std::move(initdb).error();
  int status = 0;
  ::waitpid(*initdb, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return MakeError(ErrorCode::kIo, "initdb failed; see " + log);
  }
  // A port found free can be taken before the server binds it (suites run in parallel):
  // then the server exits at once, and it starts again on another.
  for (int attempt = 1;; ++attempt) {
    c->port_ = FreePort();
    auto server = Spawn({c->bin_ + "/postgres", "-D", data, "-p", std::to_string(c->port_), "-k",
                         dir, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"},
                        log, user);
    if (!server.ok()) return std::move(server).error();
    c->server_ = *server;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool exited = false;
    while (PQping(c->conninfo().c_str()) != PQPING_OK) {
      if (::waitpid(c->server_, &status, WNOHANG) == c->server_) {
        c->server_ = -1;
        exited = true;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return MakeError(ErrorCode::kUnavailable, "PostgreSQL not ready in 60 s; see " + log);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!exited) break;
    if (attempt == 3) return MakeError(ErrorCode::kIo, "PostgreSQL did not start; see " + log);
  }
  return c;
}

TestCluster::~TestCluster() {
  if (server_ > 0) {
    ::kill(server_, SIGINT);  // fast shutdown: sessions are ended, nothing is kept waiting
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (::waitpid(server_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(server_, SIGKILL);
        ::waitpid(server_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string TestCluster::conninfo(const std::string& database) const {
  // By the Unix socket in the cluster's own directory: no other server can answer there,
  // whoever holds the TCP port.
  return "host=" + dir_ + " port=" + std::to_string(port_) + " user=sealpost dbname=" + database;
}

Result<std::string> TestCluster::CreateDatabase(const std::string& name) {
  PGconn* conn = PQconnectdb(conninfo().c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    return MakeError(ErrorCode::kUnavailable, "cannot reach the test cluster: " + why);
  }
  // A name of the test's own making; quoted all the same.
  const std::string sql = "CREATE DATABASE \"" + name + "\"";
  PGresult* r = PQexec(conn, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string why = ok ? "" : PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
  if (!ok) return MakeError(ErrorCode::kIo, "CREATE DATABASE " + name + ": " + why);
  return conninfo(name);
}

}  // namespace sealpost::pg
