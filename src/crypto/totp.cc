#include "crypto/totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>

namespace sealpost {
namespace {

const EVP_MD* Digest(TotpHash hash) {
  switch (hash) {
    case TotpHash::kSha256: return EVP_sha256();
    case TotpHash::kSha512: return EVP_sha512();
    case TotpHash::kSha1: break;
  }
  return EVP_sha1();
}

const char* HashName(TotpHash hash) {
  switch (hash) {
    case TotpHash::kSha256: return "SHA256";
    case TotpHash::kSha512: return "SHA512";
    case TotpHash::kSha1: break;
  }
  return "SHA1";
}

// RFC 3986 unreserved characters pass; everything else is %XX.
std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || c == '@') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::int64_t StepOf(std::int64_t unix_time, int period) {
  return unix_time < 0 ? 0 : unix_time / period;
}

}  // namespace

std::string Hotp(const SecretBytes& key, std::uint64_t counter, int digits, TotpHash hash) {
  unsigned char message[8];
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(Digest(hash), key.data(), static_cast<int>(key.size()), message, sizeof message, mac,
       &mac_size);
  // RFC 4226 §5.3: dynamic truncation.
  const int offset = mac[mac_size - 1] & 0x0f;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                               static_cast<std::uint32_t>(mac[offset + 3]);
  OPENSSL_cleanse(mac, sizeof mac);
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  char text[16];
  std::snprintf(text, sizeof text, "%0*u", digits, binary % modulus);
  return text;
}

std::string Totp(const SecretBytes& key, std::int64_t unix_time, const TotpParams& params) {
  return Hotp(key, static_cast<std::uint64_t>(StepOf(unix_time, params.period)), params.digits,
              params.hash);
}

Result<std::int64_t> VerifyTotp(const SecretBytes& key, std::string_view code, std::int64_t now,
                                std::int64_t last_used_step, const TotpParams& params,
                                int window) {
  if (code.size() != static_cast<std::size_t>(params.digits)) {
    return MakeError(ErrorCode::kUnauthenticated, "wrong code");
  }
  const std::int64_t current = StepOf(now, params.period);
  std::int64_t matched = -1;
  // Every step in the window is computed and compared, matched or not.
  for (std::int64_t step = current - window; step <= current + window; ++step) {
    if (step < 0) continue;
    const std::string expected =
        Hotp(key, static_cast<std::uint64_t>(step), params.digits, params.hash);
    if (CRYPTO_memcmp(expected.data(), code.data(), code.size()) == 0) matched = step;
  }
  if (matched < 0) return MakeError(ErrorCode::kUnauthenticated, "wrong code");
  if (matched <= last_used_step) {
    return MakeError(ErrorCode::kFailedPrecondition, "this code was already used");
  }
  return matched;
}

std::string Base32Encode(std::string_view bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::string TotpUri(std::string_view issuer, std::string_view account, const SecretBytes& key,
                    const TotpParams& params) {
  return "otpauth://totp/" + PercentEncode(issuer) + ":" + PercentEncode(account) +
         "?secret=" + Base32Encode(key.view()) + "&issuer=" + PercentEncode(issuer) +
         "&algorithm=" + HashName(params.hash) + "&digits=" + std::to_string(params.digits) +
         "&period=" + std::to_string(params.period);
}

}  // namespace sealpost
