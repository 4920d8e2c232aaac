// EscrowService: the escrow lifecycle as the rest of sealpost sees it. Submit seals a
// message, builds one notice per recipient and commits message, recipients, queued
// notices and events in one transaction before anything is acknowledged. The portal
// side recognises links, checks answers (counting failures and locking), opens the
// message for a verified recipient, and records every access as an event. The Message
// Center (escrow/message_center.h) opens copies through it, without their links.
// All methods block (Argon2id, fsync): call them off the event loop.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/pending.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/key_ring.h"
#include "escrow/center_keys.h"
#include "escrow/link_token.h"
#include "escrow/opener.h"
#include "escrow/sealer.h"
#include "mime/notice.h"
#include "queue/queue_entry.h"
#include "store/stores.h"

namespace sealpost::metrics {
class Registry;
}

namespace sealpost {

struct EscrowSettings {
  std::string public_url;        // base of portal links, e.g. https://localhost:8443
  std::string organisation = "sealpost";
  std::string notice_from;       // From address of notices
  bool notice_shows_subject = false;
  std::string fixed_subject = "You have been sent a secure message";
  int max_answer_failures = 5;
  // A namespace's record (blocking), so its messages' notices name it and link to its
  // own host; unset or nullopt: `organisation` and `public_url`.
  std::function<std::optional<NamespaceRecord>(const std::string&)> find_namespace;
  // The namespaces' Message Center keys; unset: no namespace's Message Center works.
  CenterKeys* center = nullptr;
  // Recipients' events (verified, answer_failed, locked, ...) counted by kind.
  metrics::Registry* metrics = nullptr;
};

// A message a recipient writes in the portal (a reply, or a new message in the Message
// Center) to someone who wrote to them: who it goes to, and in which conversation. The
// portal sends it down the one road (submission::Dispatcher) as escrow by portal login,
// with the writer's own copy kept for their Message Center.
struct PortalMessage {
  std::string account;         // the organisation account it answers: the sender controls
  std::string namespace_name;  // the conversation's namespace
  std::string from;            // the recipient writing
  std::string to;
  std::string subject;
  // A reply: the copy it answers, which records "replied" in the same transaction.
  std::string reply_to_message, reply_to_recipient;
};

struct SubmittedRecipient {
  std::string id;
  std::string address;
  std::string kind;  // "to" or "cc"
  std::string method;
  std::string status;
  std::string trace;
};

struct SubmitResult {
  std::string message_id;
  std::vector<SubmittedRecipient> recipients;
};

// What else a submission commits together with its escrow message: the SMTP submission
// it consumes, and queue entries for recipients who get no escrow notice (plain copies,
// bounce notices to the sender). Entries without a message id get the new message's.
struct SubmitExtras {
  std::string consumed_inbound;
  std::vector<QueueEntry> queue;
  std::vector<EventRecord> events;
  // RFC 3461 parameters per recipient address (lower-cased), set on their notices.
  std::map<std::string, std::string> dsn_by_address;
  // Recipients whose copy is encrypted to their own key (PGP, S/MIME): recorded with
  // the message; their queue entries are in `queue`, matched by recipient id.
  std::vector<RecipientRecord> direct_recipients;
  // TLS-only copies' queue ids by lower-cased address: what their fallbacks stand by for.
  std::map<std::string, std::string> tls_only_ids;
  // Header fields the notices carry too (a campaign's List-Unsubscribe: mime/notice.h).
  std::vector<std::pair<std::string, std::string>> notice_headers;
};

// A submission sealed, its notices built, ready to commit (EscrowService::Prepare):
// nothing of it is in the database yet. Destroyed before Finish, its draft removes the
// blobs it wrote.
struct PreparedSubmit {
  std::unique_ptr<Draft> draft;
  MessageRecord record;
  std::vector<QueueEntry> notices;
  std::vector<EventRecord> events;
  std::string consumed_inbound;
  bool keeps_content = false;  // escrow recipients: the draft's blobs stay with the message
  std::size_t escrow_count = 0;
  // Who acted when it was prepared: its audit records name them, whenever it commits.
  std::optional<audit::Actor> actor;
  // Its way in's audit records, when another thread commits it (NewMessage::records).
  std::vector<audit::AuditRecord> records;
};

// A recipient's link, recognised: what the portal may show before verification.
struct LinkState {
  MessageRecord message;
  RecipientRecord recipient;
  std::string question;
  bool expired = false;
  bool retracted = false;  // withdrawn by its sender (expired too)
  bool locked = false;
  bool deleted = false;  // the recipient deleted their copy (expired too)
  int attempts_left = 0;
};

struct MessageStatus {
  MessageRecord message;
  bool expired = false;
};

// Whose messages a sender control reaches: an organisation account's (its
// administrators), or — `user` set — only those one sender of it sent. Another's
// message answers exactly as a missing one.
struct MessageOwner {
  MessageOwner(std::string account_name, std::string user_address = {})  // NOLINT: implicit
      : account(std::move(account_name)), user(std::move(user_address)) {}
  MessageOwner(const char* account_name) : account(account_name) {}  // NOLINT: implicit
  std::string account;
  std::string user;  // empty: every message of the account
  bool Owns(const MessageRecord& message) const;
};

// Recipient status as reported: locked or deleted copies say so; otherwise "retracted"
// once its sender withdrew the message, "expired" once past the expiry, or the stored
// status.
std::string ReportedStatus(const RecipientRecord& r, const MessageStatus& status);

class EscrowService {
 public:
  EscrowService(EscrowSettings settings, const EscrowSealer& sealer, const EscrowOpener& opener,
                MessageStore& messages, EventStore& events, const KeyRing& keys,
                const Clock& clock, std::function<void()> notify_queue);

  std::unique_ptr<Draft> BeginDraft(std::string message_id = {}) const {
    return sealer_.Begin(std::move(message_id));
  }
  // Records the message and its recipients, queues each escrow recipient's notice with
  // `extras`' copies, and commits it all at once. Without escrow recipients nothing of
  // the content is kept (RecordOnly). Called by submission::Dispatcher, the one road.
  Result<SubmitResult> Submit(std::unique_ptr<Draft> draft, const SealInput& input,
                              const std::string& client_address, SubmitExtras extras = {});
  // Submit in three steps, for a way in that commits several messages at once (SMTP's
  // processor): everything but the commit; the commit of a batch in one transaction, all
  // or none (the commit point: after it returns OK they survive a crash); then, for each
  // committed one, what Submit answers.
  Result<PreparedSubmit> Prepare(std::unique_ptr<Draft> draft, const SealInput& input,
                                 const std::string& client_address, SubmitExtras extras);
  ::sealpost::Status Commit(const std::vector<PreparedSubmit*>& batch);
  SubmitResult Finish(PreparedSubmit& committed);
  Result<MessageStatus> Status(const std::string& message_id, const MessageOwner& owner);
  // `owner`'s messages that `query` finds (its account and, for a sender, its sender are
  // the owner's whatever the query says), newest first.
  Result<std::vector<MessageRecord>> List(MessageQuery query, const MessageOwner& owner);
  Result<std::vector<EventRecord>> Events(const std::string& message_id);
  const Clock& clock() const { return clock_; }

  // kNotFound for unknown recipients and forged secrets alike.
  Result<LinkState> CheckLink(const std::string& recipient_id, const SecretBytes& link_secret,
                              const std::string& client_address, bool record_open);
  // The message key, or: kFailedPrecondition ("locked", "expired", "retracted"), kUnauthenticated
  // (wrong answer; the message says how many attempts are left).
  Result<SecretBytes> Answer(const LinkState& link, const SecretBytes& link_secret,
                             std::string_view answer, const std::string& client_address);
  // A recipient who verifies by portal login: the message key, for a signed-in,
  // confirmed account whose address is the recipient's (the caller checked both).
  // kPermissionDenied when the account's address is another; kFailedPrecondition
  // "locked", "expired", "retracted", or "question" (this recipient answers one instead).
  Result<SecretBytes> OpenByLogin(const LinkState& link, const SecretBytes& link_secret,
                                  const std::string& account_address,
                                  const std::string& client_address);
  // A wrong answer, password or one-time code given for this recipient's copy: counted
  // toward its lock (`what` names it in the event). Returns the attempts left; at the
  // lock, kFailedPrecondition "locked" — and the sender is told, once.
  Result<int> CountFailure(const LinkState& link, const std::string& client_address,
                           const std::string& what);
  // A verified recipient's current state, without the link secret (the question is
  // left empty). For sessions that already hold the message key.
  Result<LinkState> RecipientState(const std::string& recipient_id);
  // Reads the message and records a view.
  Result<OpenedManifest> Read(const LinkState& link, const SecretBytes& data_key,
                              const std::string& client_address);
  // Reads the manifest only (to find an attachment); records nothing.
  Result<OpenedManifest> Manifest(const LinkState& link, const SecretBytes& data_key);
  // Opens an attachment's content; records a download unless `record` is false (the
  // caller records one event for the whole message instead).
  Result<SealedBlobReader> Attachment(const LinkState& link, const SecretBytes& data_key,
                                      const AttachmentInfo& attachment, std::size_t index,
                                      const std::string& client_address, bool record = true);
  // A recipient's reply from the portal goes to the message's sender, who opens it by
  // portal login, in the message's account and namespace.
  PortalMessage ReplyTo(const LinkState& link, const std::string& original_subject) const;

  // The copy's question, opened (for pages that ask it without a link).
  Result<std::string> QuestionOf(const LinkState& link) const;

  // Records that the recipient downloaded the whole message (.eml).
  void RecordMessageDownload(const LinkState& link, const std::string& client_address);
  // Records that the recipient opened the print view.
  void RecordPrintView(const LinkState& link, const std::string& client_address);
  // The recipient deletes their copy: their key is destroyed at once, so their link
  // never opens it again (other recipients' copies are theirs). kFailedPrecondition
  // when already deleted or locked.
  sealpost::Status DeleteCopy(const LinkState& link, const std::string& client_address);
  // Sender controls (for `owner`'s messages; others' answer kNotFound, as missing
  // ones do). Retract destroys the keys at once — every link stops working — and then
  // the blobs; kFailedPrecondition when it is already gone (retracted or expired).
  sealpost::Status Retract(const std::string& message_id, const MessageOwner& owner,
                           const std::string& client_address);
  // A new expiry `days` from now (1 to 3650), longer or shorter; kInvalidArgument out
  // of range; kFailedPrecondition once gone. Returns the new expiry.
  Result<std::int64_t> SetExpiry(const std::string& message_id, const MessageOwner& owner,
                                 int days, const std::string& client_address);
  // The background sweep: expired messages' keys destroyed, then their blobs. Returns
  // how many were destroyed.
  Result<int> DestroyExpired(int limit);

  // The lifecycle's checks, for the Message Center, which opens copies without their
  // links. kFailedPrecondition "locked", "deleted", "expired" or "retracted" when `fresh`
  // (the copy re-read) cannot be opened.
  sealpost::Status CheckOpenable(const LinkState& link, const RecipientRecord& fresh);
  // Checks an answer for `fresh` and, if right, returns what `unwrap` makes of the
  // answer key; a wrong answer is counted (kUnauthenticated with the attempts left, or
  // kFailedPrecondition "locked").
  Result<SecretBytes> CheckAnswer(
      const LinkState& link, const RecipientRecord& fresh, const std::string& normalised,
      const std::string& client_address,
      const std::function<Result<SecretBytes>(const SecretBytes&)>& unwrap);
  // Records an event of a copy (logged, not failed, when it cannot be written).
  void Record(const std::string& message_id, const std::string& recipient_id,
              const std::string& type, const std::string& client_address,
              const std::string& detail = {});

 private:
  // A notice to the message's sender about this recipient's copy (a read receipt, a
  // lock), made by `build`, sealed for the queue.
  Result<QueueEntry> SenderNoticeEntry(const LinkState& link, std::int64_t now,
                                       Result<std::string> (*build)(const SenderNotice&)) const;
  SenderNotice SenderNoticeFor(const LinkState& link, std::int64_t now) const;
  Result<SecretBytes> WrongAnswer(const LinkState& link, const std::string& client_address);
  // The portal a namespace's recipients use: its display name and base URL.
  struct NamespacePortal {
    std::string organisation;
    std::string url;
    std::string colour, support;  // a namespace's; empty for the server's own
  };
  NamespacePortal PortalOf(const std::string& namespace_name) const;
  NamespacePortal PortalOf(const std::optional<NamespaceRecord>& ns) const;
  std::optional<NamespaceRecord> FindNamespace(const std::string& namespace_name) const;
  std::string PortalLink(const std::string& base_url, const std::string& recipient_id,
                         const SecretBytes& secret) const;

  EscrowSettings settings_;
  const EscrowSealer& sealer_;
  const EscrowOpener& opener_;
  MessageStore& messages_;
  EventStore& events_;
  const KeyRing& keys_;
  const Clock& clock_;
  std::function<void()> notify_queue_;
};


}  // namespace sealpost
