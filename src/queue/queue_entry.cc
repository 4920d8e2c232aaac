#include "queue/queue_entry.h"

#include "crypto/primitives.h"
#include "crypto/random.h"
#include "store/sealed_blob.h"

namespace sealpost {
namespace {

QueueEntry NewEntry(const std::string& mail_from, const std::string& rcpt_to, std::int64_t now) {
  QueueEntry q;
  q.id = NewId();
  q.mail_from = mail_from;
  q.rcpt_to = rcpt_to;
  q.state = QueueState::kQueued;
  q.next_attempt_at = now;
  q.created_at = now;
  return q;
}

// Large enough for any message the gateway accepts (the API's and SMTP's limits are
// far below), small enough that a corrupted size cannot exhaust memory.
constexpr std::uint64_t kMaxQueueContent = std::uint64_t{1} << 31;

}  // namespace

Result<QueueEntry> SealQueueEntry(const SecretBytes& queue_key, const std::string& mail_from,
                                  const std::string& rcpt_to, std::string_view mail,
                                  std::int64_t now) {
  QueueEntry q = NewEntry(mail_from, rcpt_to, now);
  auto boxed = BoxSeal(queue_key, mail, QueueContentAad(q.id));
  if (!boxed.ok()) return std::move(boxed).error();
  q.sealed_content = std::move(*boxed);
  return q;
}

Result<SpooledContent> SpoolQueueContent(BlobStore& blobs, const SecretBytes& queue_key,
                                         std::string_view mail) {
  SpooledContent out;
  out.blob_id = NewId();
  SecretBytes data_key = RandomSecret(32);
  auto writer = SealedBlobWriter::Create(blobs, out.blob_id, data_key, QueueBlobAad(out.blob_id));
  if (!writer.ok()) return std::move(writer).error();
  auto status = writer->Append(mail);
  if (status.ok()) status = writer->Finish();
  if (!status.ok()) return std::move(status).error();
  auto boxed = BoxSeal(queue_key, data_key.view(), QueueBlobAad(out.blob_id));
  if (!boxed.ok()) {
    (void)blobs.Remove(out.blob_id);
    return std::move(boxed).error();
  }
  out.boxed_key = std::move(*boxed);
  return out;
}

QueueEntry ReferenceQueueEntry(const SpooledContent& content, const std::string& mail_from,
                               const std::string& rcpt_to, std::int64_t now) {
  QueueEntry q = NewEntry(mail_from, rcpt_to, now);
  q.content_blob = content.blob_id;
  q.content_key = content.boxed_key;
  return q;
}

Result<std::string> OpenQueueContent(BlobStore& blobs, const SecretBytes& queue_key,
                                     const QueueEntry& entry) {
  if (entry.content_blob.empty()) {
    return BoxOpen(queue_key, entry.sealed_content, QueueContentAad(entry.id));
  }
  auto key = BoxOpen(queue_key, entry.content_key, QueueBlobAad(entry.content_blob));
  if (!key.ok()) return std::move(key).error();
  SecretBytes data_key(key->data(), key->size());
  WipeMemory(key->data(), key->size());
  auto reader = SealedBlobReader::Open(blobs, entry.content_blob, data_key,
                                       QueueBlobAad(entry.content_blob));
  if (!reader.ok()) return std::move(reader).error();
  return reader->ReadAll(kMaxQueueContent);
}

}  // namespace sealpost
