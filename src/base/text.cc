#include "base/text.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <cstdio>

namespace sealpost {

std::string CompressWhitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string_view TrimWhitespace(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && AsciiLower(a) == AsciiLower(b);
}

std::string SanitizeForLog(std::string_view s, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string EscapeHtml(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

bool HasEightBit(std::string_view s) {
  // Every byte that is written to the queue or leaves passes here. 32 bytes a step, as
  // words: the release build's -O2 does not vectorise a loop over bytes, which ran at a
  // byte a cycle (2 % of the server's CPU relaying 100 KiB messages).
  constexpr std::uint64_t kHighBits = 0x8080808080808080u;
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 32; p += 32, n -= 32) {
    std::uint64_t w[4];
    std::memcpy(w, p, sizeof w);
    if (((w[0] | w[1] | w[2] | w[3]) & kHighBits) != 0) return true;
  }
  unsigned char any = 0;
  for (; n > 0; ++p, --n) any |= static_cast<unsigned char>(*p);
  return (any & 0x80) != 0;
}

bool IsHexId(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

namespace {

// The length of the well-formed UTF-8 sequence at s[i], or 0 when there is none.
std::size_t Utf8SequenceAt(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n;
  std::uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
  else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
  else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
  else return 0;
  if (i + n >= s.size()) return 0;  // truncated sequence
  for (std::size_t k = 1; k <= n; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return n + 1;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = Utf8SequenceAt(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = Utf8SequenceAt(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER, for each byte not UTF-8
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string WithHost(std::string_view url, std::string_view host) {
  const auto scheme_end = url.find("://");
  if (host.empty() || scheme_end == std::string_view::npos) return std::string(url);
  const std::size_t start = scheme_end + 3;
  std::size_t end = start;
  if (end < url.size() && url[end] == '[') {  // an IPv6 literal
    end = url.find(']', end);
    end = end == std::string_view::npos ? url.size() : end + 1;
  }
  end = url.find_first_of(":/", end);
  if (end == std::string_view::npos) end = url.size();
  return std::string(url.substr(0, start)) + std::string(host) + std::string(url.substr(end));
}

std::size_t FindLineBreak(std::string_view s, std::size_t from) {
  // Window by window, so a search for one kind of break never runs far past the other.
  constexpr std::size_t kWindow = 256;
  while (from < s.size()) {
    const std::size_t n = std::min(kWindow, s.size() - from);
    const char* p = s.data() + from;
    const auto* lf = static_cast<const char*>(std::memchr(p, '\n', n));
    const std::size_t upto = lf ? static_cast<std::size_t>(lf - p) : n;
    const auto* cr = static_cast<const char*>(std::memchr(p, '\r', upto));
    if (cr) return from + static_cast<std::size_t>(cr - p);
    if (lf) return from + upto;
    from += n;
  }
  return std::string_view::npos;
}

}  // namespace sealpost
