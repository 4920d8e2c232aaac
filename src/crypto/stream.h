// Segmented AES-256-GCM for data too large to hold in memory (message bodies and
// attachments up to hundreds of MB): the online AEAD "STREAM" construction of
// Hoang, Reyhanitabar, Rogaway and Vizár, as Tink's streaming AEAD uses it.
//
//   header  = "SPS1" | segment size (u32 BE) | salt (16) | nonce prefix (7)    (31 bytes)
//   key     = HKDF-SHA256(data key, salt, "sealpost/segment/v1/" + label)
//   nonce_i = nonce prefix | i (u32 BE) | 1 if last segment else 0
//   segment = AES-256-GCM(key, nonce_i, aad = header, plaintext_i) (ciphertext | tag)
//
// Every segment but the last holds exactly `segment size` plaintext bytes; the last
// holds fewer (possibly none), so a stream's length alone tells where it ends. Reordering, dropping, truncating or appending segments, or
// opening under another label (blob), fails authentication.
// Thread-safety: one object per stream, used by one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost {

inline constexpr std::size_t kStreamHeaderSize = 31;
inline constexpr std::uint32_t kDefaultSegmentSize = 64 * 1024;

class SegmentSealer {
 public:
  // `label` binds the stream to its purpose and identity (e.g. a blob id).
  static Result<SegmentSealer> Create(const SecretBytes& data_key, std::string_view label,
                                      std::uint32_t segment_size = kDefaultSegmentSize);

  const std::string& header() const { return header_; }
  std::uint32_t segment_size() const { return segment_size_; }
  // Appends the sealed segment to `out`. Every segment but the last must be exactly
  // segment_size() bytes; the last must be shorter.
  Status Seal(std::string_view plaintext, bool last, std::string& out);

 private:
  SegmentSealer(SecretBytes key, std::string header, std::uint32_t segment_size)
      : key_(std::move(key)), header_(std::move(header)), segment_size_(segment_size) {}

  SecretBytes key_;
  std::string header_;
  std::uint32_t segment_size_;
  std::uint32_t next_index_ = 0;
  bool finished_ = false;
};

class SegmentOpener {
 public:
  static Result<SegmentOpener> Create(const SecretBytes& data_key, std::string_view label,
                                      std::string_view header);

  std::uint32_t segment_size() const { return segment_size_; }
  std::size_t sealed_segment_size() const;
  // Opens segment `index` (ciphertext | tag) into `out`.
  Status Open(std::uint32_t index, std::string_view sealed, bool last, std::string& out) const;

  // How many segments, and of what plaintext size, a stream of `sealed_size` bytes
  // (header included) holds; kIntegrity when no valid stream has that size.
  static Result<std::uint64_t> PlaintextSize(std::uint64_t sealed_size,
                                             std::uint32_t segment_size);

 private:
  SegmentOpener(SecretBytes key, std::string header, std::uint32_t segment_size)
      : key_(std::move(key)), header_(std::move(header)), segment_size_(segment_size) {}

  SecretBytes key_;
  std::string header_;
  std::uint32_t segment_size_;
};

// Reads the segment size a header declares (checked against sane bounds).
Result<std::uint32_t> StreamSegmentSize(std::string_view header);

// Whole-buffer helpers, for small data and tests.
Result<std::string> SealAll(const SecretBytes& data_key, std::string_view label,
                            std::string_view plaintext,
                            std::uint32_t segment_size = kDefaultSegmentSize);
Result<std::string> OpenAll(const SecretBytes& data_key, std::string_view label,
                            std::string_view sealed);

}  // namespace sealpost
