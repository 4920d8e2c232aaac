// Text encodings of binary data: hex, and base64 in its standard and URL-safe forms.
// Decoders are strict (no whitespace, no stray characters) because they see input
// from outside: API bodies, links, cookies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/secret.h"

namespace sealpost {

std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view hex);

std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

// URL-safe alphabet, no padding: for links, cookies and identifiers.
std::string Base64UrlEncode(std::string_view bytes);
std::optional<SecretBytes> Base64UrlDecodeSecret(std::string_view text);
std::optional<std::string> Base64UrlDecode(std::string_view text);

// The exact number of bytes a standard base64 text decodes to, or nullopt when the
// length cannot be valid. Lets callers check size limits before decoding.
std::optional<std::size_t> Base64DecodedSize(std::string_view text);

// Base64 in 76-character lines ending in CRLF, as MIME bodies carry it, fed in pieces
// of any size: memory stays at one line whatever the total.
class Base64Lines {
 public:
  void Add(std::string_view bytes, std::string& out);
  void Finish(std::string& out);
  // What `size` bytes become.
  static std::uint64_t EncodedSize(std::uint64_t size);

 private:
  std::string pending_;  // fewer than 57 bytes: less than one line
};

}  // namespace sealpost
