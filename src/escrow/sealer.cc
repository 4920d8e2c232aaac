#include "escrow/sealer.h"

#include <algorithm>

#include "base/text.h"
#include "crypto/password_hash.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "crypto/signing.h"
#include "base/encoding.h"
#include "escrow/answer.h"
#include "escrow/answer_keys.h"
#include "escrow/center_keys.h"
#include "webhooks/events.h"

namespace sealpost {

std::string ManifestLabel(const std::string& message_id, const std::string& blob_id) {
  return "manifest|" + message_id + "|" + blob_id;
}

std::string ManifestAad(const std::string& message_id) {
  return "sealpost/manifest/v1|" + message_id;
}

std::string AttachmentLabel(const std::string& message_id, const std::string& blob_id) {
  return "attachment|" + message_id + "|" + blob_id;
}

Result<SecretBytes> AnswerKey(const RecipientRecord& recipient,
                              std::string_view normalised_answer) {
  if (recipient.answer_kdf.empty()) return SecretBytes(normalised_answer.data(), normalised_answer.size());
  // "<parameters>" (salt: kek_salt) or "<parameters>$<salt, base64url>".
  std::string_view kdf = recipient.answer_kdf;
  std::string salt = recipient.kek_salt;
  if (std::count(kdf.begin(), kdf.end(), '$') == 3) {
    const auto own_salt = kdf.rfind('$');
    auto decoded = Base64UrlDecodeSecret(kdf.substr(own_salt + 1));
    if (!decoded) return MakeError(ErrorCode::kIntegrity, "malformed answer parameters");
    salt = std::string(decoded->view());
    kdf = kdf.substr(0, own_salt);
  }
  auto params = ParseArgon2ParamsName(kdf);
  if (!params.ok()) return std::move(params).error();
  return StretchSecret(normalised_answer, salt, *params);
}

Result<SecretBytes> DeriveRecipientKek(const RecipientRecord& recipient,
                                       const SecretBytes& link_secret,
                                       const SecretBytes& answer_key) {
  SecretBytes ikm(link_secret.size() + 1 + answer_key.size());
  std::copy(link_secret.data(), link_secret.data() + link_secret.size(), ikm.data());
  ikm.data()[link_secret.size()] = 0;
  std::copy(answer_key.data(), answer_key.data() + answer_key.size(),
            ikm.data() + link_secret.size() + 1);
  const char* version = recipient.answer_kdf.empty() ? "v1" : "v2";
  return HkdfSha256(ikm.view(), recipient.kek_salt,
                    std::string("sealpost/escrow/kek/") + version + "|" + recipient.message_id +
                        "|" + recipient.id);
}

std::string WrapAad(const std::string& message_id, const std::string& recipient_id) {
  return "sealpost/escrow/wrap/v1|" + message_id + "|" + recipient_id;
}

std::string LinkCheck(const SecretBytes& link_secret, const std::string& recipient_id) {
  return HmacSha256(link_secret, "sealpost/link-check/v1|" + recipient_id);
}

std::string QuestionAad(const std::string& recipient_id) {
  return "sealpost/escrow/question/v1|" + recipient_id;
}

Status EscrowSealer::RemoveBlobs(const std::vector<std::string>& blob_ids) const {
  Status first = OkStatus();
  for (const auto& id : blob_ids) {
    auto removed = blobs_.Remove(id);
    if (!removed.ok() && first.ok()) first = std::move(removed);
  }
  return first;
}

std::unique_ptr<Draft> EscrowSealer::Begin(std::string message_id) const {
  if (message_id.empty()) message_id = NewId();
  return std::unique_ptr<Draft>(new Draft(*this, std::move(message_id), RandomSecret(kKeySize)));
}

Draft::~Draft() {
  if (stored_) return;
  current_.reset();  // an uncommitted blob is discarded by its writer
  for (const auto& id : blob_ids_) (void)sealer_.blobs_.Remove(id);
}

Status Draft::StartAttachment(std::string filename, std::string content_type) {
  if (current_) return MakeError(ErrorCode::kInternal, "attachment already open");
  if (sealed_) return MakeError(ErrorCode::kInternal, "draft already sealed");
  AttachmentInfo info;
  info.blob_id = NewBlobId();
  info.filename = std::move(filename);
  info.content_type = std::move(content_type);
  auto writer = SealedBlobWriter::Create(sealer_.blobs_, info.blob_id, data_key_,
                                         AttachmentLabel(message_id_, info.blob_id));
  if (!writer.ok()) return std::move(writer).error();
  current_.emplace(std::move(*writer));
  attachments_.push_back(std::move(info));
  return OkStatus();
}

Status Draft::AppendAttachment(std::string_view data) {
  if (!current_) return MakeError(ErrorCode::kInternal, "no attachment open");
  attachment_bytes_ += data.size();
  return current_->Append(data);
}

Status Draft::FinishAttachment() {
  if (!current_) return MakeError(ErrorCode::kInternal, "no attachment open");
  auto status = current_->Finish();
  if (!status.ok()) return status;
  AttachmentInfo& info = attachments_.back();
  info.size = current_->plaintext_size();
  info.sha256 = current_->plaintext_sha256();
  blob_ids_.push_back(info.blob_id);
  current_.reset();
  return OkStatus();
}

Result<std::unique_ptr<ByteSource>> Draft::OpenAttachment(std::size_t index) const {
  if (sealed_ || current_ || index >= attachments_.size()) {
    return MakeError(ErrorCode::kInternal, "draft attachment not readable now");
  }
  const AttachmentInfo& info = attachments_[index];
  auto reader = SealedBlobReader::Open(sealer_.blobs_, info.blob_id, data_key_,
                                       AttachmentLabel(message_id_, info.blob_id));
  if (!reader.ok()) return std::move(reader).error();
  return std::unique_ptr<ByteSource>(std::make_unique<SealedBlobReader>(std::move(*reader)));
}

Result<ComposedAttachment> Draft::ReadBack(const AttachmentInfo& info) const {
  auto reader = SealedBlobReader::Open(sealer_.blobs_, info.blob_id, data_key_,
                                       AttachmentLabel(message_id_, info.blob_id));
  if (!reader.ok()) return std::move(reader).error();
  auto content = reader->ReadAll(info.size);
  if (!content.ok()) return std::move(content).error();
  return ComposedAttachment{info.filename, info.content_type, std::move(*content)};
}

Result<std::vector<ComposedAttachment>> Draft::ReadTextAttachments(std::uint64_t max_total) const {
  if (sealed_ || current_) return MakeError(ErrorCode::kInternal, "draft not readable now");
  std::vector<ComposedAttachment> out;
  for (const auto& info : attachments_) {
    if (AsciiLower(info.content_type).rfind("text/", 0) != 0 || info.size > max_total) continue;
    max_total -= info.size;
    auto one = ReadBack(info);
    if (!one.ok()) return std::move(one).error();
    out.push_back(std::move(*one));
  }
  return out;
}

Status EscrowSealer::KeepSubject(const SealInput& input, MessageRecord& record) const {
  if (!input.keep_subject_for_webhooks) return OkStatus();
  auto sealed = metadata_key_.Seal(input.subject, webhooks::SubjectAad(record.id));
  if (!sealed.ok()) return std::move(sealed).error();
  record.webhook_subject = std::move(*sealed);
  return OkStatus();
}

Result<SealedMessage> Draft::RecordOnly(const SealInput& input) {
  if (current_) return MakeError(ErrorCode::kInternal, "an attachment is still open");
  if (sealed_) return MakeError(ErrorCode::kInternal, "draft already sealed");
  if (!input.recipients.empty()) {
    return MakeError(ErrorCode::kInternal, "escrow recipients need the content sealed");
  }
  sealed_ = true;
  SecretBytes discard = std::move(data_key_);
  SealedMessage out;
  MessageRecord& record = out.record;
  record.id = message_id_;
  record.account = input.account;
  record.sender = input.from;
  record.created_at = sealer_.clock_.NowUnix();
  record.expires_at = input.expires_at;
  record.read_receipt = input.read_receipt;
  record.namespace_name = input.namespace_name;
  record.signing_key_id = sealer_.signer_.key_id;  // the server's key; it signs nothing here
  if (auto kept = sealer_.KeepSubject(input, record); !kept.ok()) return std::move(kept).error();
  return out;
}

Result<SealedMessage> Draft::Seal(const SealInput& input, const SecretBytes* center_key) {
  if (current_) return MakeError(ErrorCode::kInternal, "an attachment is still open");
  if (sealed_) return MakeError(ErrorCode::kInternal, "draft already sealed");
  SecretBytes data_key = std::move(data_key_);  // wiped when this function returns
  const std::int64_t now = sealer_.clock_.NowUnix();

  Manifest manifest;
  manifest.message_id = message_id_;
  manifest.from = input.from;
  manifest.to = input.to;
  manifest.cc = input.cc;
  if (manifest.to.empty() && manifest.cc.empty()) {
    for (const auto& r : input.recipients) {
      if (r.kind == "bcc") continue;  // a blind copy is named to nobody else
      (r.kind == "cc" ? manifest.cc : manifest.to).push_back(r.address);
    }
  }
  manifest.subject = input.subject;
  manifest.text = input.text;
  manifest.html = input.html;
  manifest.created_at = now;
  manifest.attachments = attachments_;

  SignedManifest signed_manifest;
  signed_manifest.manifest_json = ManifestToJson(manifest);
  signed_manifest.key_id = sealer_.signer_.key_id;
  auto signature = Sign(sealer_.signer_.secret_key,
                        ManifestSigningInput(message_id_, signed_manifest.manifest_json));
  if (!signature.ok()) return std::move(signature).error();
  signed_manifest.signature = std::move(*signature);

  SealedMessage out;
  MessageRecord& record = out.record;
  std::string envelope = SignedManifestToJson(signed_manifest);
  struct Wipe {
    std::string& s;
    ~Wipe() { WipeMemory(s.data(), s.size()); }
  } wipe{envelope};
  if (envelope.size() <= kMaxRowManifest) {
    // A row is cheaper than a file: creating one cost a quarter of an API submission.
    auto sealed = BoxSeal(data_key, envelope, ManifestAad(message_id_));
    if (!sealed.ok()) return std::move(sealed).error();
    record.sealed_manifest = std::move(*sealed);
  } else {
    const std::string manifest_blob = NewBlobId();
    auto writer = SealedBlobWriter::Create(sealer_.blobs_, manifest_blob, data_key,
                                           ManifestLabel(message_id_, manifest_blob));
    if (!writer.ok()) return std::move(writer).error();
    auto status = writer->Append(envelope);
    if (status.ok()) status = writer->Finish();
    if (!status.ok()) return std::move(status).error();
    blob_ids_.push_back(manifest_blob);
    record.manifest_blob = manifest_blob;
  }

  record.id = message_id_;
  record.account = input.account;
  record.sender = input.from;
  record.created_at = now;
  record.expires_at = input.expires_at;
  record.read_receipt = input.read_receipt;
  record.namespace_name = input.namespace_name;
  record.signing_key_id = sealer_.signer_.key_id;
  record.blob_ids = blob_ids_;
  if (auto kept = sealer_.KeepSubject(input, record); !kept.ok()) return std::move(kept).error();

  const Argon2Params argon{sealer_.options_.argon2_ops, sealer_.options_.argon2_mem};
  for (const auto& in : input.recipients) {
    RecipientRecord r;
    r.id = NewId();
    r.message_id = message_id_;
    r.address = in.address;
    r.kind = in.kind;
    r.method = "escrow";
    r.trace = in.trace;
    // A fallback waits until its TLS-only copy cannot get TLS.
    r.status = in.standby_for.empty() ? RecipientStatus::kNoticeQueued : RecipientStatus::kStandby;
    SecretBytes link_secret = RandomSecret(32);
    const std::string answer = in.login ? std::string() : NormaliseAnswer(in.answer);
    if (!in.login && answer.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "an escrow answer must not be empty");
    }
    r.verification = in.login ? "login" : "question";
    r.kek_salt = RandomBytes(16);
    // The answer is stretched once, here (or was, once for every message to a kept
    // answer); nothing faster to test is kept.
    if (!in.login) {
      r.answer_kdf = in.stretched ? in.stretched->kdf : Argon2ParamsName(argon);
    }
    auto answer_key = in.stretched && !in.login ? Result<SecretBytes>(in.stretched->key.Copy())
                                                : AnswerKey(r, answer);
    if (!answer_key.ok()) return std::move(answer_key).error();
    auto kek = DeriveRecipientKek(r, link_secret, *answer_key);
    if (!kek.ok()) return std::move(kek).error();
    auto wrapped = BoxSeal(*kek, data_key.view(), WrapAad(message_id_, r.id));
    if (!wrapped.ok()) return std::move(wrapped).error();
    r.wrapped_key = std::move(*wrapped);
    r.link_check = LinkCheck(link_secret, r.id);
    if (center_key) {
      // A question copy asks its question in the Message Center too.
      auto held = CenterWrap(*center_key, data_key, message_id_, r.id,
                             in.login ? nullptr : &*answer_key);
      if (!held.ok()) return std::move(held).error();
      r.center_key = std::move(*held);
    }
    auto question = sealer_.metadata_key_.Seal(in.login ? "" : in.question, QuestionAad(r.id));
    if (!question.ok()) return std::move(question).error();
    r.sealed_question = std::move(*question);
    record.recipients.push_back(std::move(r));
    out.link_secrets.push_back(std::move(link_secret));
  }
  if (center_key) {
    auto subject = CenterSealSubject(*center_key, input.subject, message_id_);
    if (!subject.ok()) return std::move(subject).error();
    record.center_subject = std::move(*subject);
    if (input.sent_from_portal) {
      auto held = CenterWrap(*center_key, data_key, message_id_, "sent");
      if (!held.ok()) return std::move(held).error();
      record.center_key = std::move(*held);
    }
  }
  sealed_ = true;
  return out;
}

}  // namespace sealpost
