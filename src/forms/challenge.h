// What stops a bot at a form without a third party (issue 24): each form page carries a
// challenge the server made — when it was shown, how hard the proof of work is, and a
// MAC over both and the form (so it cannot be made up, moved to another form or aged
// backwards). The page's script finds a nonce with SHA-256(challenge ":" nonce) starting
// with `bits` zero bits (about 2^bits hashes: well under a second in a browser at 16–18
// bits, and the same again for every submission a bot makes); the server checks it with
// one hash. Sent sooner than a person fills a form in ("too fast"), or after the page
// aged out, it is refused. Each challenge is good for one submission: the caller keeps
// the ones used (`Id`) until they expire. Without I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost::forms {

struct ChallengeRules {
  int bits = 16;                        // proof of work: leading zero bits
  std::int64_t min_seconds = 3;         // no person fills a form in faster
  std::int64_t max_seconds = 2 * 3600;  // a page left open longer is shown again
};

// A new challenge for the form `form_id`, shown at `now`.
std::string IssueChallenge(const SecretBytes& key, std::string_view form_id, std::int64_t now,
                           const ChallengeRules& rules);

// Why a submission's challenge and nonce are refused; nullopt-like OK when they hold.
// kInvalidArgument: made up, for another form, or the proof does not hold ("proof");
// kFailedPrecondition: sent too fast ("too_fast") or too late ("expired") — the field
// says which, for the page's words and the metrics.
Status CheckChallenge(const SecretBytes& key, std::string_view form_id, std::string_view challenge,
                      std::string_view nonce, std::int64_t now, const ChallengeRules& rules);

// For a page whose script did not run (no nonce): the challenge is this server's, for
// this form, and the timing holds — no proof of work. Callers hold such submissions to
// a much tighter budget (a bot that runs no script meets it at once).
Status CheckChallengeWithoutProof(const SecretBytes& key, std::string_view form_id,
                                  std::string_view challenge, std::int64_t now,
                                  const ChallengeRules& rules);

// What identifies a challenge for "used once" (its random part); "" when malformed.
std::string ChallengeId(std::string_view challenge);
// When a challenge stops being accepted whatever happens (0 when malformed).
std::int64_t ChallengeExpiry(std::string_view challenge, const ChallengeRules& rules);

// Finds a nonce (what the page's script does; tests and benchmarks use it).
std::string SolveChallenge(std::string_view challenge, int bits);

}  // namespace sealpost::forms
