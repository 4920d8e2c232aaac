#include "base/encoding.h"

#include <sodium.h>

namespace sealpost {
namespace {

std::string EncodeWith(std::string_view bytes, int variant) {
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(),
                    reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    variant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// Decodes into `out` (sized by the caller to at least the maximum); returns the length.
// The variant's alphabet (and '=' where padding is allowed), checked before libsodium
// decodes: its decoder (1.0.18) takes bytes of 0x80 and above for alphabet letters, so
// "AAA\xbf" would decode like "AAA/" — found by the link token fuzzer.
bool InAlphabet(std::string_view text, int variant) {
  const bool url = variant == sodium_base64_VARIANT_URLSAFE ||
                   variant == sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  const bool padded = variant == sodium_base64_VARIANT_ORIGINAL ||
                      variant == sodium_base64_VARIANT_URLSAFE;
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    (url ? (c == '-' || c == '_') : (c == '+' || c == '/')) ||
                    (padded && c == '=');
    if (!ok) return false;
  }
  return true;
}

std::optional<std::size_t> DecodeInto(std::string_view text, int variant, unsigned char* out,
                                      std::size_t out_max) {
  if (!InAlphabet(text, variant)) return std::nullopt;
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out, out_max, text.data(), text.size(), nullptr, &len, &end,
                        variant) != 0) {
    return std::nullopt;
  }
  if (end != text.data() + text.size()) return std::nullopt;
  return len;
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                 bytes.size());
  out.pop_back();
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &len, &end) != 0 ||
      end != hex.data() + hex.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  return EncodeWith(bytes, sodium_base64_VARIANT_ORIGINAL);
}

std::optional<std::size_t> Base64DecodedSize(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t size = text.size() / 4 * 3;
  if (!text.empty() && text.back() == '=') --size;
  if (text.size() > 1 && text[text.size() - 2] == '=') --size;
  return size;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  auto len = DecodeInto(text, sodium_base64_VARIANT_ORIGINAL,
                        reinterpret_cast<unsigned char*>(out.data()), out.size());
  if (!len) return std::nullopt;
  out.resize(*len);
  return out;
}

std::string Base64UrlEncode(std::string_view bytes) {
  return EncodeWith(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::optional<SecretBytes> Base64UrlDecodeSecret(std::string_view text) {
  SecretBytes buf(text.size() / 4 * 3 + 3);
  auto len = DecodeInto(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING, buf.data(), buf.size());
  if (!len) return std::nullopt;
  return SecretBytes(buf.data(), *len);
}

}  // namespace sealpost
