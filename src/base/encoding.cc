#include "base/encoding.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

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

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  std::string buf(text.size() / 4 * 3 + 3, '\0');
  auto len = DecodeInto(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING,
                        reinterpret_cast<unsigned char*>(buf.data()), buf.size());
  if (!len) return std::nullopt;
  buf.resize(*len);
  return buf;
}

namespace {
constexpr std::size_t kLineBytes = 57;  // 76 base64 characters
constexpr std::size_t kLineChars = 76;

// Whole lines of `bytes` (a multiple of kLineBytes) appended to `out`, CRLF after each.
void AppendLines(std::string_view bytes, std::string& out) {
  std::size_t at = out.size();
  out.resize(at + bytes.size() / kLineBytes * (kLineChars + 2));
  char line[kLineChars + 1];
  for (std::size_t i = 0; i < bytes.size(); i += kLineBytes) {
    sodium_bin2base64(line, sizeof line, reinterpret_cast<const unsigned char*>(bytes.data() + i),
                      kLineBytes, sodium_base64_VARIANT_ORIGINAL);
    std::memcpy(out.data() + at, line, kLineChars);
    out[at + kLineChars] = '\r';
    out[at + kLineChars + 1] = '\n';
    at += kLineChars + 2;
  }
}

}  // namespace

void Base64Lines::Add(std::string_view bytes, std::string& out) {
  if (!pending_.empty()) {
    const std::size_t take = std::min(kLineBytes - pending_.size(), bytes.size());
    pending_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (pending_.size() < kLineBytes) return;
    AppendLines(pending_, out);
    pending_.clear();
  }
  const std::size_t whole = bytes.size() / kLineBytes * kLineBytes;
  AppendLines(bytes.substr(0, whole), out);
  pending_.assign(bytes.substr(whole));
}

void Base64Lines::Finish(std::string& out) {
  if (pending_.empty()) return;
  out += Base64Encode(pending_);
  out += "\r\n";
  pending_.clear();
}

std::uint64_t Base64Lines::EncodedSize(std::uint64_t size) {
  const std::uint64_t full = size / kLineBytes, rest = size % kLineBytes;
  return full * 78 + (rest ? (rest + 2) / 3 * 4 + 2 : 0);
}

}  // namespace sealpost
