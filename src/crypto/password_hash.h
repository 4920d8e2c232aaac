// Argon2id hashing of low-entropy secrets people choose: escrow answers and portal
// passwords. At least m=19 MiB, t=2, p=1 (OWASP's minimum). Slow by design (tens of
// milliseconds): call it off the event loop.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace sealpost {

struct Argon2Params {
  unsigned long long ops_limit = 2;
  std::size_t mem_limit = 19 * 1024 * 1024;
};

// A self-describing PHC string ("$argon2id$v=19$m=19456,t=2,p=1$...").
Result<std::string> HashSecret(std::string_view secret, const Argon2Params& params = {});
// True when `secret` matches; constant time in the secret.
bool VerifySecret(std::string_view hash, std::string_view secret);

}  // namespace sealpost
