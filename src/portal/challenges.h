// WebAuthn challenges the console handed out and waits to see signed (issue 22's
// passkeys): one per holder — a sign-in form's browser, or a signed-in user adding a
// passkey — random (32 bytes), for five minutes, and taken when used, so a signed
// answer works once. Kept in this process's memory, keyed by the SHA-256 of the
// holder (cookies are not kept as they are), a bounded number in all.
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace sealpost::portal {

class Challenges {
 public:
  Challenges(const Clock& clock, std::int64_t lifetime_seconds = 300, std::size_t max_held = 100000)
      : clock_(clock), lifetime_seconds_(lifetime_seconds), max_held_(max_held) {}

  // A fresh challenge for `holder`, replacing theirs; nullopt when the server holds its
  // limit of live ones.
  std::optional<std::string> Issue(std::string_view holder);
  // The holder's live challenge, taken; nullopt when none was issued, it expired, or it
  // was taken already.
  std::optional<std::string> Take(std::string_view holder);
  std::size_t size() const;

 private:
  struct Held {
    std::string challenge;
    std::int64_t expires_at = 0;
  };
  const Clock& clock_;
  const std::int64_t lifetime_seconds_;
  const std::size_t max_held_;
  mutable std::mutex mu_;  // guards held_
  std::unordered_map<std::string, Held> held_;
};

}  // namespace sealpost::portal
