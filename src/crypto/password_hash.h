// Argon2id hashing of low-entropy secrets people choose: escrow answers and portal
// passwords. At least m=19 MiB, t=2, p=1 (OWASP's minimum). Slow by design (tens of
// milliseconds): call it off the event loop.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost {

struct Argon2Params {
  unsigned long long ops_limit = 2;
  std::size_t mem_limit = 19 * 1024 * 1024;
};

// A key stretched from a low-entropy secret: Argon2id's raw 32-byte output for a
// 16-byte salt. For keys that must cost a guesser what a password hash costs (escrow
// answers wrap message keys). kInvalidArgument for a salt of another size.
Result<SecretBytes> StretchSecret(std::string_view secret, std::string_view salt,
                                  const Argon2Params& params = {});
// Argon2id's parameters as a PHC-style prefix ("argon2id$v=19$m=19456,t=2,p=1"), kept
// beside what was stretched so it can be stretched again the same way.
std::string Argon2ParamsName(const Argon2Params& params);
// The parameters back; kInvalidArgument for anything else or beyond sane bounds (at
// most 1 GiB and 16 passes: a tampered row must not make the server stall).
Result<Argon2Params> ParseArgon2ParamsName(std::string_view name);

// A self-describing PHC string ("$argon2id$v=19$m=19456,t=2,p=1$...").
Result<std::string> HashSecret(std::string_view secret, const Argon2Params& params = {});
// True when `secret` matches; constant time in the secret.
bool VerifySecret(std::string_view hash, std::string_view secret);

}  // namespace sealpost
