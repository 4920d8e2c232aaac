// Small text helpers shared by parsers and log lines.
#pragma once

#include <string>
#include <string_view>

namespace sealpost {

std::string AsciiLower(std::string_view s);
std::string_view TrimWhitespace(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Untrusted text made safe for one log line: control characters and non-ASCII bytes
// escaped as \xNN, cut at `max` bytes with "..." appended.
std::string SanitizeForLog(std::string_view s, std::size_t max = 200);

}  // namespace sealpost
