// Sealing an escrow message (key-in-link mode with question/answer verification).
//
// A fresh 256-bit message key encrypts the manifest (in the message's row when small,
// else a blob) and every attachment blob (segmented AEAD). For each recipient:
//   link secret  = 256 random bits, carried only in the recipient's notice link
//   salt         = 16 random bytes (stored)
//   answer key   = Argon2id(normalised answer, salt), parameters stored (`answer_kdf`)
//   KEK          = HKDF-SHA256(ikm  = link secret | 0x00 | answer key, salt,
//                              info = "sealpost/escrow/kek/v2|" message id "|" recipient id)
//   wrapped key  = AES-256-GCM(KEK, message key), bound to the message and recipient
//   link check   = HMAC-SHA256(link secret, "sealpost/link-check/v1|" recipient id)
// The server keeps the wrapped key, the salt, the parameters and the link check, and
// nothing derived from the answer alone: an answer is checked by unwrapping. So nothing
// it stores opens the message without both the link secret and the answer, and someone
// holding a link and a copy of the database pays one Argon2id per guessed answer.
// Copies sealed before issue 18 ("v1": answer key = the bare answer, info ".../kek/v1|",
// plus an Argon2id `answer_hash` to check answers) still open.
// A recipient who verifies by portal login instead has no answer: the KEK comes from
// the link secret alone (v1, answer empty), so the key is still only in the link,
// and the portal unwraps it only for a signed-in, confirmed account of that address.
// The manifest is signed with the organisation's Ed25519 key before it is sealed.
//
// Thread-safety: a Draft belongs to one request; EscrowSealer is immutable.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/key_ring.h"
#include "escrow/manifest.h"
#include "store/sealed_blob.h"
#include "mime/compose.h"
#include "store/blob_store.h"
#include "store/records.h"

namespace sealpost {

struct SigningIdentity {
  std::string key_id;
  std::string public_key;
  SecretBytes secret_key;
};

struct StretchedAnswer;  // answer_keys.h

struct EscrowRecipientInput {
  std::string address;
  std::string kind;      // "to", "cc" or "bcc"
  std::string question;  // shown to the recipient
  std::string answer;    // as the sender typed it; normalised here
  std::string trace;     // why escrow: the policy engine's explanation
  // Set by the policy engine: this escrow is the fallback of the address's TLS-only copy.
  bool standby = false;
  // Set by the caller: the queue id of that TLS-only copy, whose notice waits in standby.
  std::string standby_for;
  bool login = false;  // verified by portal login: no question, no answer
  // The answer as kept by the server and stretched once already (answer_keys.h), or null:
  // then it is stretched here, one Argon2id for this recipient.
  std::shared_ptr<const StretchedAnswer> stretched;
};

struct SealInput {
  std::string account;
  std::string from;
  // The message's recipients as its header fields name them, whatever their method:
  // what every reader sees. Blind copies are in neither. Both empty: the escrow
  // recipients who are not blind copies.
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::string subject;
  std::string text;
  std::string html;
  std::int64_t expires_at = 0;
  std::vector<EscrowRecipientInput> recipients;
  // The notice's fixed subject from the sender's settings; empty: the server's.
  std::string notice_subject;
  bool read_receipt = false;
  // The namespace of the sender's settings: its portal, its pool of accounts, and its
  // display name (`organisation`, "" for the server's) in the notices.
  std::string namespace_name;
  std::string organisation;
  // Sent from the portal by a recipient (a reply, a new message): with the Message
  // Center on, the sender keeps a copy of the key too, to see it among what they sent.
  bool sent_from_portal = false;
  // An endpoint of the account wants subjects in its webhooks: the record keeps the
  // subject sealed under the metadata key (MessageRecord::webhook_subject).
  bool keep_subject_for_webhooks = false;
};

struct SealedMessage {
  MessageRecord record;
  std::vector<SecretBytes> link_secrets;  // parallel to record.recipients
};

// Cost parameters for answer hashing; tests may lower them.
struct SealerOptions {
  unsigned long long argon2_ops = 2;
  std::size_t argon2_mem = 19 * 1024 * 1024;
};

class EscrowSealer;

// One message being sealed: attachments are streamed in first, then Seal(), then,
// once the caller has stored the sealed message's record, MarkStored(). Destroying a
// draft that was not marked stored removes every blob it wrote, so a request refused
// at any step (bad input, a failed commit) leaves nothing behind.
class Draft {
 public:
  ~Draft();
  Draft(const Draft&) = delete;
  Draft& operator=(const Draft&) = delete;

  const std::string& message_id() const { return message_id_; }
  std::uint64_t attachment_bytes() const { return attachment_bytes_; }

  Status StartAttachment(std::string filename, std::string content_type);
  Status AppendAttachment(std::string_view data);
  Status FinishAttachment();

  // The finished attachments (names, types, sizes), in order.
  const std::vector<AttachmentInfo>& attachments() const { return attachments_; }
  // Finished attachment `index` read back in clear, a segment at a time (before Seal):
  // for the copies that leave for recipients who get the message itself.
  Result<std::unique_ptr<ByteSource>> OpenAttachment(std::size_t index) const;

  // The finished text/* attachments' (name, content type, content), read back in clear
  // for content rules, while they fit `max_total` bytes in all; the rest are skipped.
  Result<std::vector<ComposedAttachment>> ReadTextAttachments(std::uint64_t max_total) const;

  // Seals the manifest and wraps the key for every recipient. The message key is
  // wiped afterwards, whatever the outcome. With `center_key` (the namespace's Message
  // Center key, center_keys.h) each recipient's copy — and the portal sender's — is
  // also wrapped by it, and the subject sealed by it.
  Result<SealedMessage> Seal(const SealInput& input, const SecretBytes* center_key = nullptr);
  // The record of a message nobody reads in the portal (no escrow recipient): no
  // content is kept for it, and the draft's attachments go with the draft.
  Result<SealedMessage> RecordOnly(const SealInput& input);
  // The record referring to the blobs is committed: they now belong to it.
  void MarkStored() { stored_ = true; }

 private:
  friend class EscrowSealer;
  // A finished attachment, decrypted whole (callers bound the total).
  Result<ComposedAttachment> ReadBack(const AttachmentInfo& info) const;
  Draft(const EscrowSealer& sealer, std::string message_id, SecretBytes data_key)
      : sealer_(sealer), message_id_(std::move(message_id)), data_key_(std::move(data_key)) {}

  const EscrowSealer& sealer_;
  std::string message_id_;
  SecretBytes data_key_;
  std::vector<std::string> blob_ids_;
  std::vector<AttachmentInfo> attachments_;
  std::optional<SealedBlobWriter> current_;
  std::uint64_t attachment_bytes_ = 0;
  bool sealed_ = false;
  bool stored_ = false;
};

class EscrowSealer {
 public:
  // `metadata_key` boxes the questions (shown before verification, so not under the
  // message key, but still not stored in clear).
  EscrowSealer(BlobStore& blobs, const SigningIdentity& signer, const PurposeKey& metadata_key,
               const Clock& clock, SealerOptions options = {})
      : blobs_(blobs), signer_(signer), metadata_key_(metadata_key), clock_(clock),
        options_(options) {}

  // `message_id`: the id the message will have (SMTP: the one its client was given in
  // the 250); empty: a new one.
  std::unique_ptr<Draft> Begin(std::string message_id = {}) const;
  // Removes a destroyed message's blobs; the first failure is returned, the rest tried.
  Status RemoveBlobs(const std::vector<std::string>& blob_ids) const;

 private:
  friend class Draft;
  // Seals the subject into `record` when `input` asks for it to be kept.
  Status KeepSubject(const SealInput& input, MessageRecord& record) const;

  BlobStore& blobs_;
  const SigningIdentity& signer_;
  const PurposeKey& metadata_key_;
  const Clock& clock_;
  SealerOptions options_;
};

// Blob labels bind each encrypted blob to its message and role.
std::string ManifestLabel(const std::string& message_id, const std::string& blob_id);
// The AAD of a manifest kept in its message's row (`sealed_manifest`).
std::string ManifestAad(const std::string& message_id);
// Manifests up to this size are kept in the row; larger ones (long bodies) in a blob.
inline constexpr std::size_t kMaxRowManifest = 64 * 1024;
std::string AttachmentLabel(const std::string& message_id, const std::string& blob_id);

// The per-recipient key derivations, shared with the opener.
// What the recipient's answer contributes to their keys: Argon2id of the answer for
// copies with `answer_kdf` (salted with `kek_salt`, or with the salt `answer_kdf` names
// for an answer stretched once for many messages), else the normalised answer as it is
// (v1; empty for login).
// Costs one Argon2id for a stretched copy: call it off the event loop.
Result<SecretBytes> AnswerKey(const RecipientRecord& recipient,
                              std::string_view normalised_answer);
Result<SecretBytes> DeriveRecipientKek(const RecipientRecord& recipient,
                                       const SecretBytes& link_secret,
                                       const SecretBytes& answer_key);
std::string WrapAad(const std::string& message_id, const std::string& recipient_id);
std::string LinkCheck(const SecretBytes& link_secret, const std::string& recipient_id);
std::string QuestionAad(const std::string& recipient_id);

}  // namespace sealpost
