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
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"
#include "store/records.h"

namespace sealpost {

class BlobStore;

// Up to this many bytes of content, counted over every entry that carries it, stay in
// the entries themselves; more is written once as a blob. A database row is cheaper
// than a file for a short message; a large one, or a copy per recipient, is not.
inline constexpr std::size_t kInlineQueueBytes = 64 * 1024;

// A new queue entry for `mail`, due at `now`, the content inline.
Result<QueueEntry> SealQueueEntry(const SecretBytes& queue_key, const std::string& mail_from,
                                  const std::string& rcpt_to, std::string_view mail,
                                  std::int64_t now);

// Content written once to a blob, for entries to refer to.
struct SpooledContent {
  std::string blob_id;
  std::string boxed_key;  // the blob's data key, boxed under the queue key
};

// Writes `mail` into a new sealed blob, synced before it returns.
Result<SpooledContent> SpoolQueueContent(BlobStore& blobs, const SecretBytes& queue_key,
                                         std::string_view mail);

// A new queue entry, due at `now`, referring to spooled content.
QueueEntry ReferenceQueueEntry(const SpooledContent& content, const std::string& mail_from,
                               const std::string& rcpt_to, std::int64_t now);

// A queue entry's content as it leaves: read piece by piece from the start, as often as
// needed (once per transaction that carries it), never whole in memory when it is a blob.
// Thread-safety: Open may be called from any thread; each reader belongs to one.
class QueueContent {
 public:
  class Reader {
   public:
    virtual ~Reader() = default;
    // The next piece into `piece` (replaced); false at the end.
    virtual Result<bool> Next(std::string& piece) = 0;
  };
  virtual ~QueueContent() = default;
  virtual std::uint64_t size() const = 0;
  virtual Result<std::unique_ptr<Reader>> Open() const = 0;
};

// Content already in memory (small inline content, DSNs, tests).
std::shared_ptr<const QueueContent> ContentInMemory(std::string content);

// The content of a claimed entry, inline or from its blob; kIntegrity when it does not
// open with this queue key, kNotFound when its blob is gone.
Result<std::shared_ptr<const QueueContent>> OpenQueueContent(BlobStore& blobs,
                                                             const SecretBytes& queue_key,
                                                             const QueueEntry& entry);

// All of it, for tests and small content; kResourceExhausted past `max_size`.
Result<std::string> ReadQueueContent(const QueueContent& content,
                                     std::uint64_t max_size = std::uint64_t{1} << 31);

}  // namespace sealpost
