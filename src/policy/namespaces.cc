#include "policy/namespaces.h"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

#include "base/text.h"

namespace sealpost::policy {
namespace {

constexpr std::size_t kMaxLogo = 256 * 1024;
constexpr double kMinContrast = 4.5;

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

double Channel(int value) {
  const double c = value / 255.0;
  return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

}  // namespace

bool IsNamespaceName(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  for (char c : name) {
    if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-') return false;
  }
  return true;
}

double ContrastWithWhite(std::string_view colour) {
  unsigned r = 0, g = 0, b = 0;
  if (colour.size() != 7 || colour[0] != '#') return 0;
  for (char c : colour.substr(1)) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return 0;
  }
  if (std::sscanf(std::string(colour).c_str(), "#%2x%2x%2x", &r, &g, &b) != 3) return 0;
  const double luminance = 0.2126 * Channel(static_cast<int>(r)) + 0.7152 * Channel(static_cast<int>(g)) +
                           0.0722 * Channel(static_cast<int>(b));
  return 1.05 / (luminance + 0.05);
}

Status CheckNamespace(NamespaceRecord& ns) {
  if (!IsNamespaceName(ns.name)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "must be 1 to 63 lower-case letters, digits and '-'", "name");
  }
  if (TrimWhitespace(ns.display_name).empty() || ns.display_name.size() > 100 ||
      HasLineBreak(ns.display_name)) {
    return MakeError(ErrorCode::kInvalidArgument, "must be one line of 1 to 100 characters",
                     "display_name");
  }
  const double contrast = ContrastWithWhite(ns.colour);
  if (contrast == 0) return MakeError(ErrorCode::kInvalidArgument, "must be #rrggbb", "colour");
  if (contrast < kMinContrast) {
    char ratio[16];
    std::snprintf(ratio, sizeof ratio, "%.1f", contrast);
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("is too light for white text on it (contrast ") + ratio +
                         ":1; the portal needs at least 4.5:1)",
                     "colour");
  }
  if (ns.support_contact.size() > 200 || HasLineBreak(ns.support_contact)) {
    return MakeError(ErrorCode::kInvalidArgument, "must be one line of at most 200 characters",
                     "support_contact");
  }
  for (auto& host : ns.hosts) {
    host = AsciiLower(host);
    if (!IsHostName(host)) {
      return MakeError(ErrorCode::kInvalidArgument, "\"" + SanitizeForLog(host, 100) + "\" is not a host name",
                       "host");
    }
  }
  if (!ns.logo.empty()) {
    if (ns.logo.size() > kMaxLogo) {
      return MakeError(ErrorCode::kInvalidArgument, "must be at most 256 KiB", "logo");
    }
    if (ns.logo.rfind("\x89PNG\r\n\x1a\n", 0) == 0) {
      ns.logo_type = "image/png";
    } else if (ns.logo.find("<svg") != std::string::npos) {
      ns.logo_type = "image/svg+xml";  // shown only as <img>: any script in it never runs
    } else {
      return MakeError(ErrorCode::kInvalidArgument, "must be a PNG or SVG image", "logo");
    }
  } else {
    ns.logo_type.clear();
  }
  return OkStatus();
}

namespace {

boost::json::object Described(const NamespaceRecord& n) {
  boost::json::array hosts;
  for (const auto& h : n.hosts) hosts.emplace_back(h);
  boost::json::value logo = nullptr;
  if (!n.logo.empty()) {
    logo = boost::json::object{{"content_type", n.logo_type}, {"size", n.logo.size()}};
  }
  return {{"name", n.name},
          {"display_name", n.display_name},
          {"colour", n.colour},
          {"support_contact", n.support_contact},
          {"hosts", std::move(hosts)},
          {"logo", std::move(logo)},
          {"message_center", n.message_center}};
}

}  // namespace

std::string NamespaceChangeDetails(const NamespaceRecord& before, const NamespaceRecord& after) {
  return boost::json::serialize(
      boost::json::object{{"before", Described(before)}, {"after", Described(after)}});
}

}  // namespace sealpost::policy
