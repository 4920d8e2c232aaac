// BlobStore: where encrypted message bodies and attachments live. Blobs are written
// once, sequentially, and become visible only on Commit (synced to disk first), so a
// crash never leaves a half-written blob under a real name. Callers encrypt before
// writing: a BlobStore never sees plaintext.
// Thread-safety: a BlobStore may be shared; each writer/reader belongs to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealpost {

class BlobWriter {
 public:
  virtual ~BlobWriter() = default;  // discards the blob unless committed
  virtual Status Append(std::string_view bytes) = 0;
  virtual Status Commit() = 0;
};

class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual std::uint64_t size() const = 0;
  // Reads exactly `length` bytes at `offset` into `out` (replaced).
  virtual Status ReadAt(std::uint64_t offset, std::size_t length, std::string& out) = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual Result<std::unique_ptr<BlobWriter>> Create(const std::string& id) = 0;
  virtual Result<std::unique_ptr<BlobReader>> Open(const std::string& id) = 0;
  virtual Status Remove(const std::string& id) = 0;
};

// A blob id: 8 to 64 characters of 0-9 and a-z (ids are made by NewBlobId; anything else,
// such as a path, is refused by every BlobStore).
bool ValidBlobId(std::string_view id);

// Blobs as files under `root` (root/ab/abcdef...), written to a temporary name,
// fsynced, renamed, and the directory fsynced. A removed blob's file is emptied and kept
// (in root/.spare, a few hundred at most) for a new blob to take: no inode made or freed.
// At most `max_spare` kept files: enough to take a second's removals at the highest rate
// of large messages (the queue removes spent blobs about once a second); each is an
// empty file, an inode and nothing more.
inline constexpr std::size_t kDefaultSpareBlobFiles = 4096;
Result<std::unique_ptr<BlobStore>> NewFileBlobStore(const std::string& root,
                                                    std::size_t max_spare = kDefaultSpareBlobFiles);
// Whether a file under a file blob store's root is one of those kept emptied for reuse
// (not a blob): for tests and tools that count what is stored.
bool IsSpareBlobFile(std::string_view path);

}  // namespace sealpost
