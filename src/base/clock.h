// Clock: the one way code asks what time it is, so tests can set the time.
// Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealpost {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch.
  virtual std::int64_t NowUnix() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t NowUnix() const override;
};

// A clock that moves only when told to; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t now) : now_(now) {}
  std::int64_t NowUnix() const override { return now_.load(); }
  void Advance(std::int64_t seconds) { now_ += seconds; }

 private:
  std::atomic<std::int64_t> now_;
};

// RFC 3339 UTC ("2026-11-22T18:03:00Z").
std::string FormatRfc3339(std::int64_t unix_seconds);
// What a person types for a moment: "2026-11-22" (its midnight, UTC), or RFC 3339 with
// "Z" or an offset ("2026-11-22T18:03:00+01:00"), from 1970 on. kInvalidArgument
// otherwise.
Result<std::int64_t> ParseRfc3339OrDate(std::string_view text);
// RFC 5322 §3.3, in UTC and English whatever the locale: "Sun, 22 Nov 2026 18:03:00 +0000".
std::string FormatRfc5322Date(std::int64_t unix_seconds);
// For people reading an email: "2026-11-22 18:03 UTC".
std::string FormatHumanDate(std::int64_t unix_seconds);

}  // namespace sealpost
