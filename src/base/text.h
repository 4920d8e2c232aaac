// Small text helpers shared by parsers and log lines.
#pragma once

#include <string>
#include <string_view>

namespace sealpost {

std::string AsciiLower(std::string_view s);
std::string AsciiUpper(std::string_view s);
std::string_view TrimWhitespace(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Runs of white space (SP, HT, CR, LF) become one SP; none is left at either end: a
// folded header field on one line (RFC 5322 §2.2.3), DKIM's relaxed canonicalisation.
std::string CompressWhitespace(std::string_view s);

// Untrusted text made safe for one log line: control characters and non-ASCII bytes
// escaped as \xNN, cut at `max` bytes with "..." appended.
std::string SanitizeForLog(std::string_view s, std::size_t max = 200);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string EscapeHtml(std::string_view text);

// Well-formed UTF-8 (RFC 3629): no overlong forms, surrogates or code points past U+10FFFF.
bool IsValidUtf8(std::string_view s);
// `s` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD.
std::string ValidUtf8(std::string_view s);

// The position of the first CR or LF at or after `from`, or npos: memchr-fast, and
// linear however the lines end (LF only, CR only, none at all).
std::size_t FindLineBreak(std::string_view s, std::size_t from = 0);

// True when any byte has its high bit set: content that needs the receiving server's
// 8BITMIME (RFC 6152).
bool HasEightBit(std::string_view s);

// True for identifiers made by NewId() and NewBlobId(): 32 lower-case hex digits.
bool IsHexId(std::string_view s);

// An absolute URL ("https://host[:port][/path]") with its host replaced, the scheme,
// port and path kept: a namespace's portal on its own host name. `url` unchanged when
// `host` is empty or `url` has no "://".
std::string WithHost(std::string_view url, std::string_view host);

}  // namespace sealpost
