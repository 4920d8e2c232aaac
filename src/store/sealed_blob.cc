#include "store/sealed_blob.h"

namespace sealpost {

Result<SealedBlobWriter> SealedBlobWriter::Create(BlobStore& store, const std::string& blob_id,
                                                  const SecretBytes& data_key,
                                                  const std::string& label, bool digest) {
  auto sealer = SegmentSealer::Create(data_key, label);
  if (!sealer.ok()) return std::move(sealer).error();
  auto out = store.Create(blob_id);
  if (!out.ok()) return std::move(out).error();
  auto status = (*out)->Append(sealer->header());
  if (!status.ok()) return std::move(status).error();
  SealedBlobWriter writer(std::move(*out), std::move(*sealer));
  writer.hashing_ = digest;
  return writer;
}

Status SealedBlobWriter::Flush(bool last) {
  sealed_.clear();
  auto status = sealer_.Seal(buffer_, last, sealed_);
  if (!status.ok()) return status;
  WipeMemory(buffer_.data(), buffer_.size());
  buffer_.clear();
  return out_->Append(sealed_);
}

Status SealedBlobWriter::Append(std::string_view plaintext) {
  if (hashing_) hasher_.Update(plaintext);
  size_ += plaintext.size();
  const std::size_t segment = sealer_.segment_size();
  while (!plaintext.empty()) {
    // A full buffer is sealed only once more data arrives: the last segment must be
    // shorter than a full one, and only now do we know this one is not the last.
    if (buffer_.size() == segment) {
      auto status = Flush(false);
      if (!status.ok()) return status;
    }
    std::size_t n = std::min(segment - buffer_.size(), plaintext.size());
    buffer_.append(plaintext.substr(0, n));
    plaintext.remove_prefix(n);
  }
  return OkStatus();
}

Status SealedBlobWriter::Finish() {
  if (buffer_.size() == sealer_.segment_size()) {
    auto status = Flush(false);
    if (!status.ok()) return status;
  }
  auto status = Flush(true);
  if (!status.ok()) return status;
  if (hashing_) digest_ = hasher_.Final();
  return out_->Commit();
}

Result<SealedBlobReader> SealedBlobReader::Open(BlobStore& store, const std::string& blob_id,
                                                const SecretBytes& data_key,
                                                const std::string& label) {
  auto in = store.Open(blob_id);
  if (!in.ok()) return std::move(in).error();
  if ((*in)->size() < kStreamHeaderSize) return MakeError(ErrorCode::kIntegrity, "blob too short");
  std::string header;
  auto status = (*in)->ReadAt(0, kStreamHeaderSize, header);
  if (!status.ok()) return std::move(status).error();
  auto opener = SegmentOpener::Create(data_key, label, header);
  if (!opener.ok()) return std::move(opener).error();
  auto size = SegmentOpener::PlaintextSize((*in)->size(), opener->segment_size());
  if (!size.ok()) return std::move(size).error();
  return SealedBlobReader(std::move(*in), std::move(*opener), *size);
}

Result<bool> SealedBlobReader::Next(std::string& out) {
  out.clear();
  if (done_) return false;
  const std::uint64_t remaining = in_->size() - offset_;
  const std::size_t full = opener_.sealed_segment_size();
  const bool last = remaining < full;
  const std::size_t n = last ? static_cast<std::size_t>(remaining) : full;
  auto status = in_->ReadAt(offset_, n, sealed_);
  if (!status.ok()) return std::move(status).error();
  status = opener_.Open(index_, sealed_, last, out);
  if (!status.ok()) return std::move(status).error();
  offset_ += n;
  ++index_;
  done_ = last;
  return true;
}

Result<std::string> SealedBlobReader::ReadAll(std::uint64_t max_size) {
  if (size_ > max_size) return MakeError(ErrorCode::kResourceExhausted, "blob too large");
  std::string all, segment;
  for (;;) {
    auto more = Next(segment);
    if (!more.ok()) return std::move(more).error();
    if (!*more) break;
    all += segment;
  }
  return all;
}

}  // namespace sealpost
