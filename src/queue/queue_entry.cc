#include "queue/queue_entry.h"

#include "base/text.h"
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

}  // namespace

Result<QueueEntry> SealQueueEntry(const PurposeKey& queue_key, const std::string& mail_from,
                                  const std::string& rcpt_to, std::string_view mail,
                                  std::int64_t now) {
  QueueEntry q = NewEntry(mail_from, rcpt_to, now);
  auto boxed = queue_key.Seal(mail, QueueContentAad(q.id));
  if (!boxed.ok()) return std::move(boxed).error();
  q.sealed_content = std::move(*boxed);
  q.content_bits = BitsOf(mail);
  return q;
}

ContentBits BitsOf(std::string_view content) {
  return HasEightBit(content) ? ContentBits::kEightBit : ContentBits::kSevenBit;
}

Result<SpooledContent> SpoolQueueContent(BlobStore& blobs, const PurposeKey& queue_key,
                                         std::string_view mail) {
  QueueContentWriter writer(blobs, queue_key, 0);
  if (auto s = writer.Write(mail); !s.ok()) return std::move(s).error();
  auto written = writer.Finish();
  if (!written.ok()) return std::move(written).error();
  return std::move(*written->spooled);
}

QueueContentWriter::QueueContentWriter(BlobStore& blobs, const PurposeKey& queue_key,
                                       std::size_t inline_limit)
    : blobs_(blobs), queue_key_(queue_key), inline_limit_(inline_limit) {}

QueueContentWriter::~QueueContentWriter() { WipeMemory(held_.data(), held_.size()); }

Status QueueContentWriter::Spill() {
  blob_id_ = NewBlobId();
  data_key_ = RandomSecret(32);
  auto writer = SealedBlobWriter::Create(blobs_, blob_id_, data_key_, QueueBlobAad(blob_id_),
                                         /*digest=*/false);
  if (!writer.ok()) return std::move(writer).error();
  blob_ = std::make_unique<SealedBlobWriter>(std::move(*writer));
  Status s = blob_->Append(held_);
  WipeMemory(held_.data(), held_.size());
  held_.clear();
  return s;
}

Status QueueContentWriter::Write(std::string_view bytes) {
  if (bits_ == ContentBits::kSevenBit) bits_ = BitsOf(bytes);  // 8-bit once, 8-bit it stays
  if (!blob_ && held_.size() + bytes.size() > inline_limit_) {
    if (auto s = Spill(); !s.ok()) return s;
  }
  if (blob_) return blob_->Append(bytes);
  held_.append(bytes);
  return OkStatus();
}

Result<QueueContentWriter::Written> QueueContentWriter::Finish() {
  Written out;
  if (!blob_ && inline_limit_ == 0) {
    if (auto s = Spill(); !s.ok()) return std::move(s).error();
  }
  if (!blob_) {
    out.content = std::move(held_);
    held_.clear();
    return out;
  }
  if (auto s = blob_->Finish(); !s.ok()) return std::move(s).error();
  blob_.reset();
  auto boxed = queue_key_.Seal(data_key_.view(), QueueBlobAad(blob_id_));
  if (!boxed.ok()) {
    (void)blobs_.Remove(blob_id_);
    return std::move(boxed).error();
  }
  out.spooled = SpooledContent{blob_id_, std::move(*boxed), bits_};
  return out;
}

QueueEntry ReferenceQueueEntry(const SpooledContent& content, const std::string& mail_from,
                               const std::string& rcpt_to, std::int64_t now) {
  QueueEntry q = NewEntry(mail_from, rcpt_to, now);
  q.content_blob = content.blob_id;
  q.content_key = content.boxed_key;
  q.content_bits = content.bits;
  return q;
}

namespace {

class MemoryContent final : public QueueContent {
 public:
  explicit MemoryContent(std::string content) : content_(std::move(content)) {}
  ~MemoryContent() override { WipeMemory(content_.data(), content_.size()); }
  std::uint64_t size() const override { return content_.size(); }
  Result<std::unique_ptr<Reader>> Open() const override {
    return std::unique_ptr<Reader>(std::make_unique<OneReader>(content_));
  }

 private:
  class OneReader final : public Reader {
   public:
    explicit OneReader(std::string_view content) : content_(content) {}
    Result<bool> Next(std::string& piece) override {
      if (done_) return false;
      piece.assign(content_);
      done_ = true;
      return true;
    }

   private:
    std::string_view content_;
    bool done_ = false;
  };
  std::string content_;
};

// A blob's segments, opened one at a time.
class BlobContent final : public QueueContent {
 public:
  BlobContent(BlobStore& blobs, std::string blob_id, SecretBytes data_key, std::uint64_t size)
      : blobs_(blobs), blob_id_(std::move(blob_id)), data_key_(std::move(data_key)),
        size_(size) {}
  std::uint64_t size() const override { return size_; }
  Result<std::unique_ptr<Reader>> Open() const override {
    auto reader = SealedBlobReader::Open(blobs_, blob_id_, data_key_, QueueBlobAad(blob_id_));
    if (!reader.ok()) return std::move(reader).error();
    return std::unique_ptr<Reader>(std::make_unique<SegmentReader>(std::move(*reader)));
  }

 private:
  class SegmentReader final : public Reader {
   public:
    explicit SegmentReader(SealedBlobReader reader) : reader_(std::move(reader)) {}
    Result<bool> Next(std::string& piece) override { return reader_.Next(piece); }

   private:
    SealedBlobReader reader_;
  };
  BlobStore& blobs_;
  std::string blob_id_;
  SecretBytes data_key_;
  std::uint64_t size_;
};

}  // namespace

std::shared_ptr<const QueueContent> ContentInMemory(std::string content) {
  return std::make_shared<MemoryContent>(std::move(content));
}

Result<std::shared_ptr<const QueueContent>> OpenQueueContent(BlobStore& blobs,
                                                             const PurposeKey& queue_key,
                                                             const QueueEntry& entry) {
  if (entry.content_blob.empty()) {
    auto content = queue_key.Open(entry.sealed_content, QueueContentAad(entry.id));
    if (!content.ok()) return std::move(content).error();
    return ContentInMemory(std::move(*content));
  }
  return OpenSpooledContent(blobs, queue_key, {entry.content_blob, entry.content_key});
}

Result<std::shared_ptr<const QueueContent>> OpenSpooledContent(BlobStore& blobs,
                                                               const PurposeKey& queue_key,
                                                               const SpooledContent& content) {
  auto key = queue_key.Open(content.boxed_key, QueueBlobAad(content.blob_id));
  if (!key.ok()) return std::move(key).error();
  SecretBytes data_key(key->data(), key->size());
  WipeMemory(key->data(), key->size());
  // Opened once here: a blob that is gone, or sealed under another key, says so now.
  auto reader = SealedBlobReader::Open(blobs, content.blob_id, data_key,
                                       QueueBlobAad(content.blob_id));
  if (!reader.ok()) return std::move(reader).error();
  return std::shared_ptr<const QueueContent>(std::make_shared<BlobContent>(
      blobs, content.blob_id, std::move(data_key), reader->plaintext_size()));
}

Result<std::string> ReadQueueContent(const QueueContent& content, std::uint64_t max_size) {
  if (content.size() > max_size) {
    return MakeError(ErrorCode::kResourceExhausted, "queue content larger than allowed");
  }
  auto reader = content.Open();
  if (!reader.ok()) return std::move(reader).error();
  std::string out, piece;
  out.reserve(content.size());
  for (;;) {
    auto more = (*reader)->Next(piece);
    if (!more.ok()) return std::move(more).error();
    if (!*more) return out;
    if (out.size() + piece.size() > max_size) {
      return MakeError(ErrorCode::kResourceExhausted, "queue content larger than allowed");
    }
    out += piece;
  }
}

}  // namespace sealpost
