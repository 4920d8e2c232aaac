// How mail enters the outbound queue, and how it is read back when it leaves.
//
// Small content is boxed into its entry under the queue key, bound to the entry's id
// (contents cannot be swapped between entries). Content that is large, or that many
// entries share (one message to many TLS-only or standard recipients), is written once
// into a sealed blob (segmented AES-256-GCM under a key of its own); each entry keeps
// that key boxed under the queue key and bound to the blob. The store forgets an
// entry's key when the entry ends; the blob goes once no entry holds its key
// (QueueStore::SpentContent).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/byte_stream.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/key_ring.h"
#include "store/records.h"

namespace sealpost {

class BlobStore;

// Up to this many bytes of content, counted over every entry that carries it, stay in
// the entries themselves; more is written once as a blob. A database row is cheaper
// than a file for a short message; a large one, or a copy per recipient, is not.
inline constexpr std::size_t kInlineQueueBytes = 64 * 1024;

// A new queue entry for `mail`, due at `now`, the content inline (and its bits).
Result<QueueEntry> SealQueueEntry(const PurposeKey& queue_key, const std::string& mail_from,
                                  const std::string& rcpt_to, std::string_view mail,
                                  std::int64_t now);

// Content written once to a blob, for entries to refer to.
struct SpooledContent {
  std::string blob_id;
  std::string boxed_key;  // the blob's data key, boxed under the queue key
  ContentBits bits = ContentBits::kUnknown;  // what the entries that refer to it record
};

// What `content`'s bytes say: 8-bit when any is above 127.
ContentBits BitsOf(std::string_view content);

// Writes `mail` into a new sealed blob, synced before it returns.
Result<SpooledContent> SpoolQueueContent(BlobStore& blobs, const PurposeKey& queue_key,
                                         std::string_view mail);

class SealedBlobWriter;

// Content for entries to carry, written a piece at a time: held in memory while it
// fits `inline_limit` bytes (0: never), past that written into a new sealed blob (what
// was held first), synced by Finish. A writer that is not finished leaves no blob.
class QueueContentWriter final : public ByteSink {
 public:
  QueueContentWriter(BlobStore& blobs, const PurposeKey& queue_key, std::size_t inline_limit);
  ~QueueContentWriter() override;
  QueueContentWriter(const QueueContentWriter&) = delete;
  QueueContentWriter& operator=(const QueueContentWriter&) = delete;

  Status Write(std::string_view bytes) override;

  // Either the content itself (small), or the blob it was written to.
  struct Written {
    std::string content;
    std::optional<SpooledContent> spooled;
  };
  Result<Written> Finish();

 private:
  Status Spill();

  BlobStore& blobs_;
  const PurposeKey& queue_key_;
  const std::size_t inline_limit_;
  std::string held_;
  ContentBits bits_ = ContentBits::kSevenBit;  // of every byte written so far
  std::string blob_id_;
  SecretBytes data_key_;
  std::unique_ptr<SealedBlobWriter> blob_;
};

// A new queue entry, due at `now`, referring to spooled content (and recording its bits).
QueueEntry ReferenceQueueEntry(const SpooledContent& content, const std::string& mail_from,
                               const std::string& rcpt_to, std::int64_t now);

// A queue entry's content as it leaves: read piece by piece from the start, as often as
// needed (once per transaction that carries it), never whole in memory when it is a blob.
// Thread-safety: Open may be called from any thread; each reader belongs to one.
class QueueContent {
 public:
  using Reader = ByteSource;
  virtual ~QueueContent() = default;
  virtual std::uint64_t size() const = 0;
  virtual Result<std::unique_ptr<Reader>> Open() const = 0;
};

// Content already in memory (small inline content, DSNs, tests).
std::shared_ptr<const QueueContent> ContentInMemory(std::string content);

// The content of a claimed entry, inline or from its blob; kIntegrity when it does not
// open with this queue key, kNotFound when its blob is gone.
Result<std::shared_ptr<const QueueContent>> OpenQueueContent(BlobStore& blobs,
                                                             const PurposeKey& queue_key,
                                                             const QueueEntry& entry);

// Content spooled once (SpoolQueueContent), before any entry refers to it.
Result<std::shared_ptr<const QueueContent>> OpenSpooledContent(BlobStore& blobs,
                                                               const PurposeKey& queue_key,
                                                               const SpooledContent& content);

// All of it, for tests and small content; kResourceExhausted past `max_size`.
Result<std::string> ReadQueueContent(const QueueContent& content,
                                     std::uint64_t max_size = std::uint64_t{1} << 31);

}  // namespace sealpost
