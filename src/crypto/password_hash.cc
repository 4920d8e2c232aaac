#include "crypto/password_hash.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "base/fair_slots.h"
#include "crypto/random.h"

namespace sealpost {
namespace {

// At most one Argon2id per core at a time. Each run streams through 19 MiB; more runs
// than cores (the server's worker pool is larger than the core count, so that database
// waits do not idle a core) only take turns on the cores and evict one another from the
// cache: measured on 2 cores, 4 concurrent runs gave 85 hashes/s, 2 gave 108/s. Process-
// wide on purpose: the cores and the memory bus are the process's, whichever caller
// (sealer, portal sign-in, SMTP AUTH) asks.
class GatePass {
 public:
  GatePass() : slot_(Gate()) {}

 private:
  // In turn (FairSlots): a pool thread that just finished a run would otherwise take the
  // next slot before the callers already waiting.
  static FairSlots& Gate() {
    static FairSlots gate(std::clamp(std::thread::hardware_concurrency(), 1u, 1024u));
    return gate;
  }
  FairSlot slot_;
};

}  // namespace

Result<std::string> HashSecret(std::string_view secret, const Argon2Params& params) {
  EnsureSodiumInitialised();
  char out[crypto_pwhash_STRBYTES];
  GatePass pass;
  if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), params.ops_limit,
                            params.mem_limit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return MakeError(ErrorCode::kResourceExhausted, "not enough memory for Argon2id");
  }
  return std::string(out);
}

Result<SecretBytes> StretchSecret(std::string_view secret, std::string_view salt,
                                  const Argon2Params& params) {
  EnsureSodiumInitialised();
  if (salt.size() != crypto_pwhash_SALTBYTES) {
    return MakeError(ErrorCode::kInvalidArgument, "an Argon2id salt is 16 bytes");
  }
  SecretBytes out(32);
  GatePass pass;
  if (crypto_pwhash(out.data(), out.size(), secret.data(), secret.size(),
                    reinterpret_cast<const unsigned char*>(salt.data()), params.ops_limit,
                    params.mem_limit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return MakeError(ErrorCode::kResourceExhausted, "not enough memory for Argon2id");
  }
  return out;
}

std::string Argon2ParamsName(const Argon2Params& params) {
  return "argon2id$v=19$m=" + std::to_string(params.mem_limit / 1024) +
         ",t=" + std::to_string(params.ops_limit) + ",p=1";
}

Result<Argon2Params> ParseArgon2ParamsName(std::string_view name) {
  constexpr std::string_view kPrefix = "argon2id$v=19$m=";
  unsigned long long kib = 0, ops = 0;
  char tail = 0;
  const std::string text(name);
  if (name.substr(0, kPrefix.size()) != kPrefix ||
      std::sscanf(text.c_str() + kPrefix.size(), "%llu,t=%llu,p=1%c", &kib, &ops, &tail) != 2 ||
      Argon2ParamsName({ops, static_cast<std::size_t>(kib) * 1024}) != name) {
    return MakeError(ErrorCode::kInvalidArgument, "not an Argon2id parameter set");
  }
  if (kib < 8 || kib > 1024 * 1024 || ops < 1 || ops > 16) {
    return MakeError(ErrorCode::kInvalidArgument, "Argon2id parameters out of bounds");
  }
  return Argon2Params{ops, static_cast<std::size_t>(kib) * 1024};
}

bool VerifySecret(std::string_view hash, std::string_view secret) {
  std::string h(hash);  // crypto_pwhash_str_verify wants a NUL-terminated string
  GatePass pass;
  return crypto_pwhash_str_verify(h.c_str(), secret.data(), secret.size()) == 0;
}

}  // namespace sealpost
