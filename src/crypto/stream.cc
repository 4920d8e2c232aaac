#include "crypto/stream.h"

#include <algorithm>

#include "crypto/primitives.h"
#include "crypto/random.h"

namespace sealpost {
namespace {

constexpr std::string_view kMagic = "SPS1";
constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kPrefixSize = 7;
constexpr std::uint32_t kMinSegment = 1024;
constexpr std::uint32_t kMaxSegment = 4 * 1024 * 1024;

Result<SecretBytes> SegmentKey(const SecretBytes& data_key, std::string_view salt,
                               std::string_view label) {
  return HkdfSha256(data_key.view(), salt, std::string("sealpost/segment/v1/") += label);
}

std::string Nonce(std::string_view header, std::uint32_t index, bool last) {
  std::string nonce(header.substr(4 + 4 + kSaltSize, kPrefixSize));
  nonce.push_back(static_cast<char>(index >> 24));
  nonce.push_back(static_cast<char>(index >> 16));
  nonce.push_back(static_cast<char>(index >> 8));
  nonce.push_back(static_cast<char>(index));
  nonce.push_back(last ? 1 : 0);
  return nonce;
}

}  // namespace

Result<std::uint32_t> StreamSegmentSize(std::string_view header) {
  if (header.size() != kStreamHeaderSize || header.substr(0, 4) != kMagic) {
    return MakeError(ErrorCode::kIntegrity, "not a sealpost stream header");
  }
  auto b = [&](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(header[i])); };
  std::uint32_t size = b(4) << 24 | b(5) << 16 | b(6) << 8 | b(7);
  if (size < kMinSegment || size > kMaxSegment) {
    return MakeError(ErrorCode::kIntegrity, "stream header has an invalid segment size");
  }
  return size;
}

Result<SegmentSealer> SegmentSealer::Create(const SecretBytes& data_key, std::string_view label,
                                            std::uint32_t segment_size) {
  if (segment_size < kMinSegment || segment_size > kMaxSegment) {
    return MakeError(ErrorCode::kInternal, "invalid segment size");
  }
  std::string header(kMagic);
  header.push_back(static_cast<char>(segment_size >> 24));
  header.push_back(static_cast<char>(segment_size >> 16));
  header.push_back(static_cast<char>(segment_size >> 8));
  header.push_back(static_cast<char>(segment_size));
  std::string salt = RandomBytes(kSaltSize);
  header += salt;
  header += RandomBytes(kPrefixSize);
  auto key = SegmentKey(data_key, salt, label);
  if (!key.ok()) return std::move(key).error();
  return SegmentSealer(std::move(*key), std::move(header), segment_size);
}

Status SegmentSealer::Seal(std::string_view plaintext, bool last, std::string& out) {
  if (finished_) return MakeError(ErrorCode::kInternal, "stream already finished");
  if (last ? plaintext.size() >= segment_size_ : plaintext.size() != segment_size_) {
    return MakeError(ErrorCode::kInternal, "segment of the wrong size");
  }
  if (next_index_ == UINT32_MAX) return MakeError(ErrorCode::kResourceExhausted, "stream too long");
  std::string sealed;
  auto status = GcmSeal(key_, Nonce(header_, next_index_, last), header_, plaintext, sealed);
  if (!status.ok()) return status;
  ++next_index_;
  finished_ = last;
  out += sealed;
  return OkStatus();
}

Result<SegmentOpener> SegmentOpener::Create(const SecretBytes& data_key, std::string_view label,
                                            std::string_view header) {
  auto segment_size = StreamSegmentSize(header);
  if (!segment_size.ok()) return std::move(segment_size).error();
  auto key = SegmentKey(data_key, header.substr(8, kSaltSize), label);
  if (!key.ok()) return std::move(key).error();
  return SegmentOpener(std::move(*key), std::string(header), *segment_size);
}

std::size_t SegmentOpener::sealed_segment_size() const { return segment_size_ + kTagSize; }

Status SegmentOpener::Open(std::uint32_t index, std::string_view sealed, bool last,
                           std::string& out) const {
  if (last ? sealed.size() >= sealed_segment_size() : sealed.size() != sealed_segment_size()) {
    return MakeError(ErrorCode::kIntegrity, "segment of the wrong size");
  }
  return GcmOpen(key_, Nonce(header_, index, last), header_, sealed, out);
}

Result<std::uint64_t> SegmentOpener::PlaintextSize(std::uint64_t sealed_size,
                                                   std::uint32_t segment_size) {
  if (sealed_size < kStreamHeaderSize + kTagSize) {
    return MakeError(ErrorCode::kIntegrity, "stream too short");
  }
  std::uint64_t body = sealed_size - kStreamHeaderSize;
  std::uint64_t full = segment_size + kTagSize;
  // The last segment holds 0..segment_size-1 plaintext bytes, so body = k * full + r
  // with kTagSize <= r < full.
  std::uint64_t k = body / full;
  std::uint64_t r = body % full;
  if (r < kTagSize) return MakeError(ErrorCode::kIntegrity, "stream has a torn segment");
  return k * segment_size + (r - kTagSize);
}

Result<std::string> SealAll(const SecretBytes& data_key, std::string_view label,
                            std::string_view plaintext, std::uint32_t segment_size) {
  auto sealer = SegmentSealer::Create(data_key, label, segment_size);
  if (!sealer.ok()) return std::move(sealer).error();
  std::string out = sealer->header();
  std::size_t pos = 0;
  for (;;) {
    std::size_t n = std::min<std::size_t>(segment_size, plaintext.size() - pos);
    bool last = n < segment_size;  // a full segment is never the last one
    auto status = sealer->Seal(plaintext.substr(pos, n), last, out);
    if (!status.ok()) return std::move(status).error();
    pos += n;
    if (last) break;
  }
  return out;
}

Result<std::string> OpenAll(const SecretBytes& data_key, std::string_view label,
                            std::string_view sealed) {
  if (sealed.size() < kStreamHeaderSize) return MakeError(ErrorCode::kIntegrity, "stream too short");
  auto opener = SegmentOpener::Create(data_key, label, sealed.substr(0, kStreamHeaderSize));
  if (!opener.ok()) return std::move(opener).error();
  auto size = SegmentOpener::PlaintextSize(sealed.size(), opener->segment_size());
  if (!size.ok()) return std::move(size).error();
  std::string out;
  std::string segment;
  std::size_t pos = kStreamHeaderSize;
  const std::size_t full = opener->sealed_segment_size();
  for (std::uint32_t index = 0;; ++index) {
    std::size_t n = std::min(full, sealed.size() - pos);
    bool last = n < full;
    if (pos + n == sealed.size() && !last) {
      return MakeError(ErrorCode::kIntegrity, "stream is truncated");
    }
    auto status = opener->Open(index, sealed.substr(pos, n), last, segment);
    if (!status.ok()) return std::move(status).error();
    out += segment;
    pos += n;
    if (last) break;
  }
  return out;
}

}  // namespace sealpost
