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

// The content of a claimed entry, inline or from its blob; kIntegrity when it does not
// open with this queue key, kNotFound when its blob is gone.
Result<std::string> OpenQueueContent(BlobStore& blobs, const SecretBytes& queue_key,
                                     const QueueEntry& entry);

}  // namespace sealpost
