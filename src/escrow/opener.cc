#include "escrow/opener.h"

#include "crypto/primitives.h"
#include "crypto/signing.h"
#include "escrow/sealer.h"

namespace sealpost {
namespace {
constexpr std::uint64_t kMaxManifestSize = 64 * 1024 * 1024;
}  // namespace

bool LinkMatches(const RecipientRecord& recipient, const SecretBytes& link_secret) {
  return ConstantTimeEqual(LinkCheck(link_secret, recipient.id), recipient.link_check);
}

Result<SecretBytes> UnwrapMessageKey(const RecipientRecord& recipient,
                                     const SecretBytes& link_secret,
                                     std::string_view normalised_answer) {
  auto answer_key = AnswerKey(recipient, normalised_answer);
  if (!answer_key.ok()) return std::move(answer_key).error();
  auto kek = DeriveRecipientKek(recipient, link_secret, *answer_key);
  if (!kek.ok()) return std::move(kek).error();
  return BoxOpenSecret(*kek, recipient.wrapped_key, WrapAad(recipient.message_id, recipient.id));
}

Result<std::string> OpenQuestion(const RecipientRecord& recipient, const PurposeKey& metadata_key) {
  return metadata_key.Open(recipient.sealed_question, QuestionAad(recipient.id));
}

Result<OpenedManifest> EscrowOpener::ReadManifest(const MessageRecord& message,
                                                  const SecretBytes& data_key) const {
  Result<std::string> plain = std::string();
  if (!message.sealed_manifest.empty()) {
    plain = BoxOpen(data_key, message.sealed_manifest, ManifestAad(message.id));
  } else {
    auto reader = SealedBlobReader::Open(blobs_, message.manifest_blob, data_key,
                                         ManifestLabel(message.id, message.manifest_blob));
    if (!reader.ok()) return std::move(reader).error();
    plain = reader->ReadAll(kMaxManifestSize);
  }
  if (!plain.ok()) return std::move(plain).error();
  auto envelope = SignedManifestFromJson(*plain);
  WipeMemory(plain->data(), plain->size());
  if (!envelope.ok()) return std::move(envelope).error();

  auto key = signing_keys_.Find(envelope->key_id);
  if (!key.ok()) return std::move(key).error();
  if (!key->has_value() || envelope->key_id != message.signing_key_id) {
    return MakeError(ErrorCode::kIntegrity, "message signed by an unknown key");
  }
  if (!VerifySignature((*key)->public_key,
                       ManifestSigningInput(message.id, envelope->manifest_json),
                       envelope->signature)) {
    return MakeError(ErrorCode::kIntegrity, "the message's signature does not verify");
  }
  auto manifest = ManifestFromJson(envelope->manifest_json);
  if (!manifest.ok()) return std::move(manifest).error();
  if (manifest->message_id != message.id) {
    return MakeError(ErrorCode::kIntegrity, "manifest belongs to another message");
  }
  OpenedManifest out;
  out.manifest = std::move(*manifest);
  out.signature_verified = true;
  out.signing_key_id = envelope->key_id;
  return out;
}

Result<SealedBlobReader> EscrowOpener::OpenAttachment(const MessageRecord& message,
                                                      const SecretBytes& data_key,
                                                      const AttachmentInfo& attachment) const {
  auto reader = SealedBlobReader::Open(blobs_, attachment.blob_id, data_key,
                                       AttachmentLabel(message.id, attachment.blob_id));
  if (!reader.ok()) return std::move(reader).error();
  if (reader->plaintext_size() != attachment.size) {
    return MakeError(ErrorCode::kIntegrity, "attachment size differs from the signed manifest");
  }
  return reader;
}

}  // namespace sealpost
