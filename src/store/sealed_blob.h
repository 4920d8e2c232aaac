// Encrypted blobs: a segmented AES-256-GCM stream (crypto/stream.h) written to and
// read from a BlobStore, one segment in memory at a time. The writer also hashes the
// plaintext (SHA-256) and counts its size, for the signed manifest.
// Thread-safety: one object per blob, one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/byte_stream.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/stream.h"
#include "crypto/primitives.h"
#include "store/blob_store.h"

namespace sealpost {

class SealedBlobWriter {
 public:
  // `digest`: whether to hash the plaintext (the manifest needs it; queue content not).
  static Result<SealedBlobWriter> Create(BlobStore& store, const std::string& blob_id,
                                         const SecretBytes& data_key, const std::string& label,
                                         bool digest = true);

  Status Append(std::string_view plaintext);
  // Seals the last segment and commits the blob durably.
  Status Finish();

  std::uint64_t plaintext_size() const { return size_; }
  // SHA-256 of the plaintext; valid after Finish() (empty when made without `digest`).
  const std::string& plaintext_sha256() const { return digest_; }

 private:
  SealedBlobWriter(std::unique_ptr<BlobWriter> out, SegmentSealer sealer)
      : out_(std::move(out)), sealer_(std::move(sealer)) {}
  Status Flush(bool last);

  std::unique_ptr<BlobWriter> out_;
  SegmentSealer sealer_;
  std::string buffer_;
  std::string sealed_;
  Sha256Hasher hasher_;
  bool hashing_ = true;
  std::string digest_;
  std::uint64_t size_ = 0;
};

class SealedBlobReader final : public ByteSource {
 public:
  static Result<SealedBlobReader> Open(BlobStore& store, const std::string& blob_id,
                                       const SecretBytes& data_key, const std::string& label);

  std::uint64_t plaintext_size() const { return size_; }
  // The next segment's plaintext into `out`; false when the stream has ended.
  Result<bool> Next(std::string& out) override;
  // The whole plaintext; for small blobs (manifests), bounded by `max_size`.
  Result<std::string> ReadAll(std::uint64_t max_size);

 private:
  SealedBlobReader(std::unique_ptr<BlobReader> in, SegmentOpener opener, std::uint64_t size)
      : in_(std::move(in)), opener_(std::move(opener)), size_(size) {}

  std::unique_ptr<BlobReader> in_;
  SegmentOpener opener_;
  std::uint64_t size_;
  std::uint64_t offset_ = kStreamHeaderSize;
  std::uint32_t index_ = 0;
  bool done_ = false;
  std::string sealed_;
};

}  // namespace sealpost
