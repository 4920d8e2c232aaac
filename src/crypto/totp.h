// One-time codes for two-factor login (issue 7): HOTP (RFC 4226) and TOTP (RFC 6238),
// the codes authenticator apps show. A code is accepted once only: the caller keeps
// the last time step that was used and VerifyTotp refuses it and every earlier one, so
// a code seen over a shoulder or replayed from a log is worth nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost {

enum class TotpHash { kSha1, kSha256, kSha512 };

struct TotpParams {
  TotpHash hash = TotpHash::kSha1;  // what authenticator apps assume
  int digits = 6;                   // 6 to 8
  int period = 30;                  // seconds per step
};

// The code for `counter`: `digits` decimal digits, zero-padded (RFC 4226 §5.3).
std::string Hotp(const SecretBytes& key, std::uint64_t counter, int digits, TotpHash hash);

// The code of the time step holding `unix_time` (RFC 6238 §4).
std::string Totp(const SecretBytes& key, std::int64_t unix_time, const TotpParams& params);

// Checks `code` against the steps within `window` of now, in constant time per step.
// Returns the step it matched, to be stored as the new `last_used_step`.
// kUnauthenticated: no step matches; kFailedPrecondition: it matches a step at or
// before `last_used_step` (a replay).
Result<std::int64_t> VerifyTotp(const SecretBytes& key, std::string_view code, std::int64_t now,
                                std::int64_t last_used_step, const TotpParams& params,
                                int window = 1);

// RFC 4648 base32 without padding, as otpauth:// URIs carry secrets.
std::string Base32Encode(std::string_view bytes);

// The enrolment URI an authenticator app reads from a QR code (Key Uri Format):
// otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=…&digits=…&period=…
std::string TotpUri(std::string_view issuer, std::string_view account, const SecretBytes& key,
                    const TotpParams& params);

}  // namespace sealpost
