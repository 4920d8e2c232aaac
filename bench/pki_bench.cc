// End-to-end encryption throughput: sealpost in process (RNP, OpenSSL CMS) against the
// real tools run once per message, as a gateway without a library would (gpg --encrypt,
// openssl cms -encrypt), in the same run, on the same keys and messages.
//   pki_bench GNUPGHOME RSA_KEY.asc RSA_FPR X25519_KEY.asc X25519_FPR RSA_CERT.pem EC_CERT.pem
// The keys and certificates are made by bench/pki_bench.sh. Prints messages per second
// and CPU milliseconds per message (this process, or the children it spawned). OpenPGP
// is measured both as the server encrypts (PgpEncryptor: contexts kept with the key
// read once) and with a fresh context per message (PgpEncrypt).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/random.h"
#include "pki/openpgp.h"
#include "pki/smime.h"

namespace {

using namespace sealpost;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double CpuSeconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Figures {
  double per_second;
  double cpu_ms;
};

template <typename Fn>
Figures Measure(int n, int who, Fn fn) {
  const double cpu0 = CpuSeconds(who);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) fn();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {n / wall, (CpuSeconds(who) - cpu0) * 1000.0 / n};
}

// Runs a command with stdin from `in_path` and stdout to /dev/null; exits on failure.
void Spawn(const std::vector<std::string>& argv, const std::string& in_path,
           const std::string& gnupghome) {
  std::fflush(stdout);  // or the child would write our buffered lines a second time
  pid_t pid = fork();
  if (pid == 0) {
    std::freopen(in_path.c_str(), "rb", stdin);
    std::freopen("/dev/null", "wb", stdout);
    std::freopen("/dev/null", "wb", stderr);
    setenv("GNUPGHOME", gnupghome.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << argv[0] << " failed\n";
    std::exit(1);
  }
}

void Report(const std::string& what, const Figures& ours, const Figures& tool, const char* tool_name) {
  std::printf("%-42s sealpost %8.1f msg/s %7.2f ms CPU | %-8s %7.1f msg/s %7.2f ms CPU | ratio %5.1fx\n",
              what.c_str(), ours.per_second, ours.cpu_ms, tool_name, tool.per_second, tool.cpu_ms,
              ours.per_second / tool.per_second);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::cerr << "usage: pki_bench GNUPGHOME RSA_KEY RSA_FPR X25519_KEY X25519_FPR RSA_CERT EC_CERT\n";
    return 2;
  }
  const std::string home = argv[1];
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  struct Key {
    const char* name;
    std::string key;
    std::string fpr;
  };
  std::vector<Key> keys;
  for (auto [name, file, fpr] : {std::tuple{"RSA-3072", argv[2], argv[3]},
                                 std::tuple{"Curve25519", argv[4], argv[5]}}) {
    auto read = pki::ReadPgpPublicKey(ReadFile(file), "bench@example.org", now);
    if (!read.ok()) {
      std::cerr << name << ": " << read.error().ToString() << "\n";
      return 1;
    }
    keys.push_back({name, read->transferable_key, fpr});
  }
  struct Cert {
    const char* name;
    std::string path;
    pki::SmimeCertificate cert;
  };
  std::vector<Cert> certs;
  for (auto [name, file] : {std::pair{"RSA-3072", argv[6]}, std::pair{"P-256", argv[7]}}) {
    auto read = pki::ReadSmimeCertificate(ReadFile(file), "bench@example.org", now);
    if (!read.ok()) {
      std::cerr << name << ": " << read.error().ToString() << "\n";
      return 1;
    }
    certs.push_back({name, file, *read});
  }

  const pki::PgpEncryptor encryptor;
  for (std::size_t size : {std::size_t{4096}, std::size_t{1024 * 1024}}) {
    std::string message = NewPassword(size);  // letters and digits, like a base64 body
    const std::string in_path = home + "/message.bin";
    std::ofstream(in_path, std::ios::binary) << message;
    const int n = size > 100000 ? 20 : 200;
    const std::string label = size > 100000 ? "1 MiB" : "4 KiB";
    for (const auto& k : keys) {
      Figures once = Measure(n, RUSAGE_SELF, [&] {
        auto out = pki::PgpEncrypt(message, k.key, nullptr, now);
        if (!out.ok()) std::exit(1);
      });
      // What the server does: contexts kept with the key already read (the first
      // message reads it).
      Figures kept = Measure(n, RUSAGE_SELF, [&] {
        auto out = encryptor.Encrypt(message, k.key, nullptr, now);
        if (!out.ok()) std::exit(1);
      });
      Figures tool = Measure(n, RUSAGE_CHILDREN, [&] {
        Spawn({"gpg", "--batch", "--quiet", "--trust-model", "always", "--armor", "--encrypt",
               "--recipient", k.fpr, "--compress-algo", "none", "--cipher-algo", "AES256"},
              in_path, home);
      });
      Report("OpenPGP " + label + " " + k.name + " kept", kept, tool, "gpg");
      Report("OpenPGP " + label + " " + k.name + " one-off", once, tool, "gpg");
    }
    for (const auto& c : certs) {
      Figures ours = Measure(n, RUSAGE_SELF, [&] {
        auto out = pki::SmimeEnvelope(message, c.cert);
        if (!out.ok()) std::exit(1);
      });
      Figures tool = Measure(n, RUSAGE_CHILDREN, [&] {
        Spawn({"openssl", "cms", "-encrypt", "-binary", c.cert.gcm ? "-aes-256-gcm" : "-aes-256-cbc",
               "-outform", "DER", c.path},
              in_path, home);
      });
      Report("S/MIME " + label + " " + c.name, ours, tool, "openssl");
    }
  }
  return 0;
}
