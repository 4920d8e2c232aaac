// What the portal's page files share: cookie names and how cookies and times are
// written. Internal to the portal.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "http/message.h"

namespace sealpost::portal {

// The link secret, briefly, after /m/{token} took it out of the address bar.
inline constexpr char kLinkCookie[] = "__Host-sp_link";
// A verified recipient's message session.
inline constexpr char kSessionCookie[] = "__Host-sp_session";
// A signed-in (or half-signed-in) portal account.
inline constexpr char kAccountCookie[] = "__Host-sp_account";
// The browser that registered an address: proves the registrant at confirmation.
inline constexpr char kRegistrantCookie[] = "__Host-sp_registrant";
// Binds the CSRF token of forms shown before anyone is known (password reset).
inline constexpr char kFormCookie[] = "__Host-sp_form";

// __Host- cookies: Secure, Path=/, no Domain; never readable by script.
inline std::string CookieHeader(const char* name, const std::string& value, std::int64_t max_age) {
  return std::string(name) + "=" + value + "; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=" +
         std::to_string(max_age);
}

// "2026-11-22 10:00 UTC"
inline std::string HumanTime(std::int64_t t) {
  std::string s = FormatRfc3339(t);
  return s.substr(0, 10) + " " + s.substr(11, 5) + " UTC";
}

// "1.5 MB"
inline std::string HumanSize(std::uint64_t bytes) {
  const char* units[] = {"bytes", "KB", "MB", "GB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// A posted (or query) form's field, "" when the form did not parse or lacks it.
inline std::string Field(const Result<std::vector<std::pair<std::string, std::string>>>& form,
                         std::string_view name) {
  return form.ok() ? http::FormValue(*form, name).value_or("") : "";
}

// The key of an account's guard (account_pages.cc).
std::string AccountKey(const std::string& namespace_name, const std::string& address);
// The random value of this browser's __Host-sp_form cookie, which binds the CSRF tokens
// of forms shown before anyone is known; `second`: it is new (set the cookie).
std::pair<std::string, bool> FormBinding(const http::Request& req);

inline std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace sealpost::portal
