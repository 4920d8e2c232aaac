#include "app/setup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "api/auth.h"
#include "app/open_stores.h"
#include "app/self_signed.h"
#include "app/signing_key.h"
#include "crypto/key_ring.h"
#include "crypto/password_hash.h"
#include "crypto/random.h"
#include "policy/org_directory.h"

namespace sealpost {
namespace {

Status WritePrivateFile(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(ErrorCode::kIo, "cannot write " + tmp);
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return MakeError(ErrorCode::kIo, "cannot write " + path);
  }
  return OkStatus();
}

}  // namespace

Result<InitResult> InitDataDir(const std::string& dir, bool dev, const std::string& database) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot create " + dir + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  const std::string config_path = fs::absolute(dir, ec).string() + "/config.toml";
  if (fs::exists(config_path)) {
    return MakeError(ErrorCode::kAlreadyExists, dir + " is already initialised (" + config_path + ")");
  }
  // The configuration is written last, under its real name, so a directory with a
  // config.toml is always a complete one.
  const std::string draft = config_path + ".init";
  std::string text = DefaultConfigText(dev);
  if (!database.empty()) {
    if (!IsPostgresUri(database) || database.find_first_of("\"\\\n") != std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--database: a PostgreSQL URI (postgresql://user@host/db) is expected");
    }
    const std::string sqlite_line = "database = \"sealpost.db\"";
    const auto at = text.find(sqlite_line);
    if (at == std::string::npos) return MakeError(ErrorCode::kInternal, "no database line");
    text.replace(at, sqlite_line.size(), "database = \"" + database + "\"");
  }
  auto status = WritePrivateFile(draft, text);
  if (!status.ok()) return std::move(status).error();
  auto config = LoadConfig(draft);
  if (!config.ok()) return std::move(config).error();

  const std::string master = config->Resolve(config->master_key);
  if (!fs::exists(master)) {
    status = CreateMasterKeyFile(master);
    if (!status.ok()) return std::move(status).error();
  }
  const std::string cert = config->Resolve(config->certificate);
  const std::string key = config->Resolve(config->private_key);
  fs::create_directories(fs::path(cert).parent_path(), ec);
  if (!fs::exists(cert)) {
    status = WriteSelfSignedCertificate(cert, key, "localhost", 825);
    if (!status.ok()) return std::move(status).error();
  }

  auto stores = OpenStores(*config);
  if (!stores.ok()) return std::move(stores).error();
  SystemClock clock;
  auto newest = (*stores)->signing_keys->Newest();
  if (!newest.ok()) return std::move(newest).error();
  if (!newest->has_value()) {
    status = CreateSigningKey(*(*stores)->signing_keys, (*stores)->keys, clock);
    if (!status.ok()) return std::move(status).error();
  }
  auto& api_clients = (*stores)->api_clients;
  auto api_key = api::CreateClient(*api_clients, clock, {"admin", "default", "", api::kAllScopes});
  if (!api_key.ok()) return std::move(api_key).error();

  if (::rename(draft.c_str(), config_path.c_str()) != 0) {
    return MakeError(ErrorCode::kIo, "cannot write " + config_path);
  }
  return InitResult{config_path, api_key->header_value()};
}

Result<DevCredentials> EnsureDevCredentials(const Config& config, const std::string& data_dir) {
  const std::string path = data_dir + "/dev-credentials";
  std::map<std::string, std::string> values;
  {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      auto eq = line.find('=');
      if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  auto stores = OpenStores(config);
  if (!stores.ok()) return std::move(stores).error();
  auto& api_clients = (*stores)->api_clients;
  SystemClock clock;
  api::Authenticator auth(*api_clients, nullptr, clock);
  std::string api_key = values["API_KEY"];
  if (api_key.empty() || !auth.Authenticate(api::ReadCredentials(api_key, ""), "").ok()) {
    auto created = api::CreateClient(*api_clients, clock, {"dev", "default", "", api::kAllScopes});
    if (!created.ok()) return std::move(created).error();
    api_key = created->header_value();
  }

  // The demo sender for SMTP submission.
  const std::string demo_user = "demo@localhost";
  auto& org = (*stores)->org;
  auto found = org->FindUser(demo_user);
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value()) {
    policy::OrgDirectory directory(*org, (*stores)->keys.metadata(), clock);
    Status status = directory.CreateAccount("demo");
    if (status.ok() || status.error().code == ErrorCode::kAlreadyExists) {
      status = directory.CreateDomain("localhost", "demo");
    }
    if (status.ok() || status.error().code == ErrorCode::kAlreadyExists) {
      status = directory.CreateUser(demo_user);
    }
    if (!status.ok()) return std::move(status).error();
    found = org->FindUser(demo_user);
    if (!found.ok()) return std::move(found).error();
  }
  std::string smtp_password = values["SMTP_PASSWORD"];
  if (smtp_password.empty() || (*found)->smtp_password_hash.empty() ||
      !VerifySecret((*found)->smtp_password_hash, smtp_password)) {
    smtp_password = NewPassword();
    auto hash = HashSecret(smtp_password);
    if (!hash.ok()) return std::move(hash).error();
    auto status = org->SetSmtpPassword(demo_user, *hash);
    if (!status.ok()) return std::move(status).error();
  }

  std::ostringstream out;
  out << "API_KEY=" << api_key << "\n"
      << "API_URL=" << config.public_url << "/api/v1\n"
      << "PORTAL_URL=" << config.public_url << "/\n"
      << "OUTBOX_URL=" << config.public_url << "/dev/outbox\n"
      << "SMTP_HOST=" << config.smtp_listen << "\n"
      << "SMTP_PORT=" << config.smtp_submission_port << "\n"
      << "SMTPS_PORT=" << config.smtp_implicit_tls_port << "\n"
      << "SMTP_USER=" << demo_user << "\n"
      << "SMTP_PASSWORD=" << smtp_password << "\n";
  auto status = WritePrivateFile(path, out.str());
  if (!status.ok()) return std::move(status).error();
  return DevCredentials{api_key, demo_user, smtp_password};
}

}  // namespace sealpost
