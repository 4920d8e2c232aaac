#include "campaigns/tracking.h"

#include "base/encoding.h"
#include "base/text.h"
#include "crypto/key_ring.h"

namespace sealpost::campaigns {
namespace {

constexpr std::size_t kShortMacBytes = 16;

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// An attribute value as written in HTML, its character references read; nullopt for a
// reference this does not know (the link is then left as it is).
std::optional<std::string> Unescaped(std::string_view v) {
  static constexpr std::pair<std::string_view, char> kKnown[] = {
      {"&amp;", '&'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&lt;", '<'}, {"&gt;", '>'}};
  std::string out;
  for (std::size_t i = 0; i < v.size();) {
    if (v[i] != '&') {
      out += v[i++];
      continue;
    }
    bool known = false;
    for (const auto& [name, c] : kKnown) {
      if (v.substr(i, name.size()) == name) {
        out += c;
        i += name.size();
        known = true;
        break;
      }
    }
    if (!known) return std::nullopt;
  }
  return out;
}

// The token's parts split at dots: exactly `n` of them, or none.
std::vector<std::string_view> Parts(std::string_view token, std::size_t n) {
  std::vector<std::string_view> parts;
  if (token.size() > kMaxTrackingTokenChars) return {};
  while (parts.size() + 1 < n) {
    const auto dot = token.find('.');
    if (dot == std::string_view::npos) return {};
    parts.push_back(token.substr(0, dot));
    token.remove_prefix(dot + 1);
  }
  if (token.find('.') != std::string_view::npos) return {};
  parts.push_back(token);
  for (auto p : parts) {
    if (p.empty()) return {};
  }
  return parts;
}

std::string OpenInput(std::string_view message_id) {
  return "track-open|" + std::string(message_id);
}
std::string ClickInput(std::string_view message_id, std::string_view url) {
  return "track-click|" + std::string(message_id) + "|" + std::string(url);
}

}  // namespace

std::string ShortMac(const PurposeKey& key, std::string_view input) {
  return key.Mac(input).substr(0, kShortMacBytes);
}

bool ShortMacMatches(const PurposeKey& key, std::string_view input, std::string_view mac) {
  // Every generation of the key: links sent before a key rotation keep working.
  return mac.size() == kShortMacBytes && key.MacPrefixMatches(input, mac);
}

std::string OpenToken(const PurposeKey& key, const std::string& message_id) {
  return message_id + "." + Base64UrlEncode(ShortMac(key, OpenInput(message_id)));
}

std::string ClickToken(const PurposeKey& key, const std::string& message_id, std::string_view url) {
  return message_id + "." + Base64UrlEncode(url) + "." +
         Base64UrlEncode(ShortMac(key, ClickInput(message_id, url)));
}

std::optional<std::string> ReadOpenToken(const PurposeKey& key, std::string_view token) {
  const auto parts = Parts(token, 2);
  if (parts.empty()) return std::nullopt;
  auto mac = Base64UrlDecode(parts[1]);
  if (!mac || !ShortMacMatches(key, OpenInput(parts[0]), *mac)) return std::nullopt;
  return std::string(parts[0]);
}

std::optional<Click> ReadClickToken(const PurposeKey& key, std::string_view token) {
  const auto parts = Parts(token, 3);
  if (parts.empty()) return std::nullopt;
  auto url = Base64UrlDecode(parts[1]);
  auto mac = Base64UrlDecode(parts[2]);
  if (!url || !mac || !ShortMacMatches(key, ClickInput(parts[0], *url), *mac)) {
    return std::nullopt;
  }
  return Click{std::string(parts[0]), std::move(*url)};
}

std::string TrackedHtml(std::string_view html, const PurposeKey& key, const std::string& public_url,
                        const std::string& message_id, const std::string& keep_prefix) {
  std::string out;
  out.reserve(html.size() + 256);
  std::size_t i = 0;
  while (i < html.size()) {
    const auto open = html.find('<', i);
    if (open == std::string_view::npos) break;
    const auto close = html.find('>', open);
    if (close == std::string_view::npos) break;
    std::string_view tag = html.substr(open, close - open);
    const bool anchor = tag.size() > 2 && (tag[1] == 'a' || tag[1] == 'A') &&
                        (tag[2] == ' ' || tag[2] == '\t' || tag[2] == '\n' || tag[2] == '\r');
    std::size_t value_start = 0, value_end = 0;
    if (anchor) {
      // href= with a quoted value (the template language writes no unquoted ones).
      const std::string lower = AsciiLower(tag);
      for (std::size_t at = lower.find("href"); at != std::string::npos;
           at = lower.find("href", at + 4)) {
        const char before = lower[at - 1];
        if (before != ' ' && before != '\t' && before != '\n' && before != '\r') continue;
        std::size_t p = at + 4;
        while (p < tag.size() && (tag[p] == ' ' || tag[p] == '\t')) ++p;
        if (p >= tag.size() || tag[p] != '=') continue;
        ++p;
        while (p < tag.size() && (tag[p] == ' ' || tag[p] == '\t')) ++p;
        if (p >= tag.size() || (tag[p] != '"' && tag[p] != '\'')) break;
        const auto end = tag.find(tag[p], p + 1);
        if (end == std::string_view::npos) break;
        value_start = open + p + 1;
        value_end = open + end;
        break;
      }
    }
    std::optional<std::string> url;
    if (value_end > value_start) url = Unescaped(html.substr(value_start, value_end - value_start));
    if (url && url->size() <= kMaxTrackedUrlChars &&
        (StartsWithIgnoreCase(*url, "https://") || StartsWithIgnoreCase(*url, "http://")) &&
        (keep_prefix.empty() || url->compare(0, keep_prefix.size(), keep_prefix) != 0)) {
      out.append(html.substr(i, value_start - i));
      out += public_url + "/t/c/" + ClickToken(key, message_id, *url);  // URL-safe characters
      out.append(html.substr(value_end, close + 1 - value_end));
    } else {
      out.append(html.substr(i, close + 1 - i));
    }
    i = close + 1;
  }
  out.append(html.substr(std::min(i, html.size())));
  const std::string pixel = "<img src=\"" + public_url + "/t/o/" + OpenToken(key, message_id) +
                            "\" width=\"1\" height=\"1\" alt=\"\" style=\"border:0\">";
  const std::string lower = AsciiLower(out);
  const auto body_end = lower.rfind("</body");
  if (body_end == std::string::npos) return out + pixel;
  return out.insert(body_end, pixel);
}

std::string LinkForRecord(std::string_view url) {
  const auto cut = url.find_first_of("?#");
  std::string_view kept = url.substr(0, cut);
  const auto scheme = kept.find("://");
  if (scheme != std::string_view::npos) kept.remove_prefix(scheme + 3);
  return std::string(kept.substr(0, 200));
}

}  // namespace sealpost::campaigns
