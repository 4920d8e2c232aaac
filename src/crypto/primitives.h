// The symmetric primitives sealpost builds on: HKDF-SHA256, AES-256-GCM, SHA-256 and
// HMAC-SHA256 (OpenSSL 3 and libsodium). Keys are SecretBytes; every failure of
// authentication is ErrorCode::kIntegrity, never a partial plaintext.
// Thread-safety: free functions and independent objects; safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost {

inline constexpr std::size_t kKeySize = 32;     // AES-256, HKDF output for keys
inline constexpr std::size_t kNonceSize = 12;   // GCM nonce
inline constexpr std::size_t kTagSize = 16;     // GCM tag

// HKDF-SHA256 (RFC 5869).
Result<SecretBytes> HkdfSha256(std::string_view ikm, std::string_view salt,
                               std::string_view info, std::size_t length = kKeySize);

// AES-256-GCM with an explicit 12-byte nonce. `out` receives ciphertext || tag.
Status GcmSeal(const SecretBytes& key, std::string_view nonce, std::string_view aad,
               std::string_view plaintext, std::string& out);
// Opens ciphertext || tag into `out` (replaced); kIntegrity when anything was changed.
Status GcmOpen(const SecretBytes& key, std::string_view nonce, std::string_view aad,
               std::string_view sealed, std::string& out);

// Self-contained AES-256-GCM box with a random nonce: nonce || ciphertext || tag.
// For small values (wrapped keys, queue entries); large data uses SegmentSealer.
Result<std::string> BoxSeal(const SecretBytes& key, std::string_view plaintext,
                            std::string_view aad);
Result<std::string> BoxOpen(const SecretBytes& key, std::string_view box,
                            std::string_view aad);
Result<SecretBytes> BoxOpenSecret(const SecretBytes& key, std::string_view box,
                                  std::string_view aad);

using Sha256Digest = std::array<std::uint8_t, 32>;

std::string Sha256(std::string_view data);  // 32 raw bytes

// Incremental SHA-256, for data that is streamed.
class Sha256Hasher {
 public:
  Sha256Hasher();
  void Update(std::string_view data);
  std::string Final();  // 32 raw bytes

 private:
  alignas(16) unsigned char state_[128];
};

std::string HmacSha256(const SecretBytes& key, std::string_view data);  // 32 raw bytes

}  // namespace sealpost
