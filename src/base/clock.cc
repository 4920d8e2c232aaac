#include "base/clock.h"

#include <chrono>
#include <ctime>

namespace sealpost {

std::int64_t SystemClock::NowUnix() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatRfc3339(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string FormatHumanDate(std::int64_t unix_seconds) {
  std::string s = FormatRfc3339(unix_seconds);
  return s.substr(0, 10) + " " + s.substr(11, 5) + " UTC";
}

}  // namespace sealpost
