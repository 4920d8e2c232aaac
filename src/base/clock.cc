#include "base/clock.h"

#include <chrono>
#include <cstdio>
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

Result<std::int64_t> ParseRfc3339OrDate(std::string_view text) {
  const Error bad = MakeError(ErrorCode::kInvalidArgument,
                              "a date (2026-11-22) or a time (2026-11-22T18:03:00Z) is needed");
  if (text.size() != 10 && (text.size() < 20 || text.size() > 40)) return bad;
  auto digits = [&](std::size_t at, std::size_t n, int* out) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return true;
  };
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offset = 0;
  // Nothing sealpost keeps is older than 1970 (and FormatRfc3339 writes four digits).
  if (!digits(0, 4, &year) || year < 1970 || text[4] != '-' || !digits(5, 2, &month) ||
      text[7] != '-' || !digits(8, 2, &day) || month < 1 || month > 12 || day < 1 || day > 31) {
    return bad;
  }
  if (text.size() > 10) {
    if ((text[10] != 'T' && text[10] != 't') || !digits(11, 2, &hour) || text[13] != ':' ||
        !digits(14, 2, &minute) || text[16] != ':' || !digits(17, 2, &second) || hour > 23 ||
        minute > 59 || second > 60) {
      return bad;
    }
    std::string_view zone = text.substr(19);
    if (!zone.empty() && zone[0] == '.') {  // fractions of a second are dropped
      std::size_t end = 1;
      while (end < zone.size() && zone[end] >= '0' && zone[end] <= '9') ++end;
      if (end == 1) return bad;
      zone.remove_prefix(end);
    }
    if (zone == "Z" || zone == "z") {
      offset = 0;
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
      int oh = 0, om = 0;
      const std::size_t at = static_cast<std::size_t>(zone.data() - text.data());
      if (!digits(at + 1, 2, &oh) || !digits(at + 4, 2, &om) || oh > 23 || om > 59) return bad;
      offset = (oh * 60 + om) * 60 * (zone[0] == '-' ? -1 : 1);
    } else {
      return bad;
    }
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::int64_t t = static_cast<std::int64_t>(timegm(&tm));
  // timegm normalises 2026-02-31 into March: such a day does not exist.
  std::tm back{};
  std::time_t tt = static_cast<std::time_t>(t);
  gmtime_r(&tt, &back);
  if (back.tm_mday != day) return bad;
  // From 1970 to 9999 in UTC as well (an offset can move a moment across either end).
  constexpr std::int64_t kEndOf9999 = 253402300799;
  if (t - offset < 0 || t - offset > kEndOf9999) return bad;
  return t - offset;
}

std::string FormatRfc5322Date(std::int64_t unix_seconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string FormatHumanDate(std::int64_t unix_seconds) {
  std::string s = FormatRfc3339(unix_seconds);
  return s.substr(0, 10) + " " + s.substr(11, 5) + " UTC";
}

}  // namespace sealpost
