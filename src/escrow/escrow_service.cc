#include "escrow/escrow_service.h"

#include <spdlog/spdlog.h>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/text.h"
#include "mime/address.h"
#include "crypto/password_hash.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "escrow/answer.h"
#include "metrics/registry.h"
#include "mime/notice.h"

namespace sealpost {
namespace {

std::string DomainOf(const std::string& address) {
  std::string domain = DomainOfAddress(address);
  return domain.empty() ? "localhost" : domain;
}

}  // namespace

std::string ReportedStatus(const RecipientRecord& r, const MessageStatus& status) {
  if (r.status == RecipientStatus::kLocked) return "locked";
  if (r.status == RecipientStatus::kDeleted) return "deleted";
  if (r.status == RecipientStatus::kBounced) return "bounced";  // nothing was sent to them
  if (status.message.retracted_at) return "retracted";  // gone, and why: its sender said so
  if (status.expired) return "expired";
  return RecipientStatusName(r.status);
}

EscrowService::EscrowService(EscrowSettings settings, const EscrowSealer& sealer,
                             const EscrowOpener& opener, MessageStore& messages,
                             EventStore& events, const KeyRing& keys, const Clock& clock,
                             std::function<void()> notify_queue)
    : settings_(std::move(settings)), sealer_(sealer), opener_(opener), messages_(messages),
      events_(events), keys_(keys), clock_(clock), notify_queue_(std::move(notify_queue)) {
  if (settings_.metrics) {
    settings_.metrics->DeclareCounter(
        "sealpost_recipient_events_total",
        "What recipients did and what happened to their copies, by event: link_opened, "
        "verified, answer_failed, login_failed, code_failed, locked, downloaded, ...");
  }
}

std::optional<NamespaceRecord> EscrowService::FindNamespace(
    const std::string& namespace_name) const {
  if (namespace_name.empty() || !settings_.find_namespace) return std::nullopt;
  return settings_.find_namespace(namespace_name);
}

EscrowService::NamespacePortal EscrowService::PortalOf(const std::string& namespace_name) const {
  return PortalOf(FindNamespace(namespace_name));
}

EscrowService::NamespacePortal EscrowService::PortalOf(const std::optional<NamespaceRecord>& ns) const {
  NamespacePortal p{settings_.organisation, settings_.public_url};
  if (ns) {
    if (!ns->display_name.empty()) p.organisation = ns->display_name;
    if (!ns->hosts.empty()) p.url = WithHost(p.url, ns->hosts.front());
    p.colour = ns->colour;
    p.support = ns->support_contact;
  }
  return p;
}

std::string EscrowService::PortalLink(const std::string& base_url, const std::string& recipient_id,
                                      const SecretBytes& secret) const {
  return base_url + "/m/" + FormatLinkToken(recipient_id, secret);
}

Result<SubmitResult> EscrowService::Submit(std::unique_ptr<Draft> draft, const SealInput& input,
                                           const std::string& client_address,
                                           SubmitExtras extras) {
  auto prepared = Prepare(std::move(draft), input, client_address, std::move(extras));
  if (!prepared.ok()) return std::move(prepared).error();
  auto committed = Commit({&*prepared});
  if (!committed.ok()) return std::move(committed).error();  // the draft removes its blobs
  return Finish(*prepared);
}

Result<PreparedSubmit> EscrowService::Prepare(std::unique_ptr<Draft> draft, const SealInput& input,
                                              const std::string& client_address,
                                              SubmitExtras extras) {
  // With its namespace's Message Center on, the server keeps a copy of the key: the
  // mode at sealing time decides, for good.
  std::optional<SecretBytes> center_key;
  const std::optional<NamespaceRecord> ns = FindNamespace(input.namespace_name);
  if (ns && ns->message_center) {
    if (!settings_.center) return MakeError(ErrorCode::kInternal, "no Message Center keys");
    auto key = settings_.center->KeyOf(ns->name);
    if (!key.ok()) return std::move(key).error();
    center_key = std::move(*key);
  }
  const bool keeps_content = !input.recipients.empty();
  auto sealed = keeps_content ? draft->Seal(input, center_key ? &*center_key : nullptr)
                              : draft->RecordOnly(input);
  if (!sealed.ok()) return std::move(sealed).error();
  const std::size_t escrow_count = sealed->record.recipients.size();
  for (auto& r : extras.direct_recipients) {
    r.message_id = sealed->record.id;
    sealed->record.recipients.push_back(std::move(r));
  }
  const MessageRecord& m = sealed->record;
  const std::int64_t now = clock_.NowUnix();

  std::vector<QueueEntry> notices;
  std::vector<EventRecord> events;
  events.push_back({0, m.id, "", "accepted", now, client_address, ""});
  const NamespacePortal portal = PortalOf(ns);
  for (std::size_t i = 0; i < escrow_count; ++i) {
    const RecipientRecord& r = m.recipients[i];
    NoticeContent notice;
    notice.organisation = input.organisation.empty() ? portal.organisation : input.organisation;
    notice.from_address = settings_.notice_from;
    notice.to_address = r.address;
    notice.sender_address = input.from;
    notice.subject = settings_.notice_shows_subject && !input.subject.empty() ? input.subject
                     : !input.notice_subject.empty()                             ? input.notice_subject
                                                                                 : settings_.fixed_subject;
    notice.portal_link = PortalLink(portal.url, r.id, sealed->link_secrets[i]);
    notice.expires_at = FormatHumanDate(m.expires_at);
    notice.message_id_domain = DomainOf(settings_.notice_from);
    notice.login = r.verification == "login";
    notice.in_message_center = !r.center_key.empty();
    notice.accent_colour = portal.colour;
    notice.support_contact = portal.support;
    notice.headers = extras.notice_headers;
    auto mail = BuildNoticeEmail(notice);
    WipeMemory(notice.portal_link.data(), notice.portal_link.size());
    if (!mail.ok()) return std::move(mail).error();

    // The envelope sender is the message's sender: if the notice cannot be delivered,
    // the DSN tells the person who wrote to this recipient.
    auto q = SealQueueEntry(keys_.queue(), m.sender, r.address, *mail, now);
    WipeMemory(mail->data(), mail->size());
    if (!q.ok()) return std::move(q).error();
    q->message_id = m.id;
    q->recipient_id = r.id;
    if (auto dsn = extras.dsn_by_address.find(AsciiLower(r.address));
        dsn != extras.dsn_by_address.end()) {
      q->dsn = dsn->second;
    }
    // A fallback's notice, with the only copy of its link, waits in standby: it is sent
    // if the TLS-only copy cannot get TLS, and deleted unsent otherwise.
    const std::string& standby_for = input.recipients[i].standby_for;
    if (!standby_for.empty()) {
      q->state = QueueState::kStandby;
      q->standby_for = standby_for;
    }
    notices.push_back(std::move(*q));
    events.push_back({0, m.id, r.id, standby_for.empty() ? "notice_queued" : "notice_standby",
                      now, client_address, ""});
  }
  for (auto& q : extras.queue) {
    if (q.message_id.empty()) q.message_id = m.id;
    notices.push_back(std::move(q));
  }
  for (auto& e : extras.events) {
    if (e.message_id.empty()) e.message_id = m.id;
    events.push_back(std::move(e));
  }
  PreparedSubmit prepared;
  prepared.draft = std::move(draft);
  prepared.record = std::move(sealed->record);
  prepared.notices = std::move(notices);
  prepared.events = std::move(events);
  prepared.consumed_inbound = std::move(extras.consumed_inbound);
  prepared.keeps_content = keeps_content;
  prepared.escrow_count = escrow_count;
  if (const audit::Actor* actor = audit::CurrentActor()) prepared.actor = *actor;
  return prepared;
}

Status EscrowService::Commit(const std::vector<PreparedSubmit*>& batch) {
  std::vector<NewMessage> rows;
  rows.reserve(batch.size());
  for (const PreparedSubmit* p : batch) {
    rows.push_back({&p->record, &p->notices, &p->events, p->consumed_inbound,
                    p->actor ? &*p->actor : nullptr, &p->records});
  }
  return messages_.InsertAll(rows);
}

SubmitResult EscrowService::Finish(PreparedSubmit& committed) {
  if (committed.keeps_content) committed.draft->MarkStored();  // else its attachments go with it
  committed.draft.reset();
  if (notify_queue_) notify_queue_();
  const MessageRecord& m = committed.record;
  spdlog::info("message {} accepted: {} escrow, {} end-to-end encrypted", m.id,
               committed.escrow_count, m.recipients.size() - committed.escrow_count);

  SubmitResult result;
  result.message_id = m.id;
  for (const auto& r : m.recipients) {
    result.recipients.push_back(
        {r.id, r.address, r.kind, r.method, RecipientStatusName(r.status), r.trace});
  }
  return result;
}

bool MessageOwner::Owns(const MessageRecord& message) const {
  if (message.account != account) return false;
  if (user.empty()) return true;
  // A sender's messages carry their address as the envelope sender (the API and SMTP
  // refuse any other for a user's credentials); compared as those checks compare.
  return AsciiLower(message.sender) == AsciiLower(user) ||
         CanonicalAddress(message.sender) == CanonicalAddress(user);
}

Result<MessageStatus> EscrowService::Status(const std::string& message_id,
                                            const MessageOwner& owner) {
  auto found = messages_.Find(message_id);
  if (!found.ok()) return std::move(found).error();
  // Another account's (or colleague's) message answers exactly like a missing one.
  if (!found->has_value() || !owner.Owns(**found)) {
    return MakeError(ErrorCode::kNotFound, "no such message");
  }
  MessageStatus out;
  out.message = std::move(**found);
  out.expired = clock_.NowUnix() >= out.message.expires_at;
  return out;
}

Result<std::vector<MessageRecord>> EscrowService::List(MessageQuery query,
                                                       const MessageOwner& owner) {
  query.account = owner.account;
  if (!owner.user.empty()) {
    // A sender sees their own messages only: asking for another's finds nothing.
    if (!query.sender.empty() && AsciiLower(query.sender) != AsciiLower(owner.user)) {
      return std::vector<MessageRecord>{};
    }
    query.sender = owner.user;
  }
  return messages_.List(query);
}

Result<std::vector<EventRecord>> EscrowService::Events(const std::string& message_id) {
  return events_.ForMessage(message_id);
}

Result<LinkState> EscrowService::CheckLink(const std::string& recipient_id,
                                           const SecretBytes& link_secret,
                                           const std::string& client_address, bool record_open) {
  auto state = RecipientState(recipient_id);
  if (!state.ok() && state.error().code != ErrorCode::kNotFound) return state;
  // Unknown recipients and forged secrets answer alike.
  if (!state.ok() || !LinkMatches(state->recipient, link_secret)) {
    spdlog::warn("portal: unknown or forged link for recipient id {} from {}",
                 IsHexId(recipient_id) ? recipient_id : "<malformed>", client_address);
    return MakeError(ErrorCode::kNotFound, "no such message");
  }
  state->attempts_left =
      std::max(0, settings_.max_answer_failures - state->recipient.failures);
  auto question = OpenQuestion(state->recipient, keys_.metadata());
  if (!question.ok()) return std::move(question).error();
  state->question = std::move(*question);
  if (record_open) Record(state->message.id, state->recipient.id, "link_opened", client_address);
  return state;
}

sealpost::Status EscrowService::CheckOpenable(const LinkState& link, const RecipientRecord& fresh) {
  if (fresh.status == RecipientStatus::kLocked) {
    return MakeError(ErrorCode::kFailedPrecondition, "locked");
  }
  if (fresh.status == RecipientStatus::kDeleted) {
    return MakeError(ErrorCode::kFailedPrecondition, "deleted");
  }
  // Its keys destroyed (retracted, or expired and swept) since the link was checked.
  if (clock_.NowUnix() >= link.message.expires_at || fresh.wrapped_key.empty()) {
    auto message = messages_.Find(link.message.id);
    bool retracted = message.ok() && message->has_value() && (*message)->retracted_at;
    return MakeError(ErrorCode::kFailedPrecondition, retracted ? "retracted" : "expired");
  }
  return OkStatus();
}

Result<int> EscrowService::CountFailure(const LinkState& link, const std::string& client_address,
                                        const std::string& what) {
  const std::int64_t now = clock_.NowUnix();
  auto notice = SenderNoticeEntry(link, now, BuildLockedNotice);
  if (!notice.ok()) return std::move(notice).error();
  auto failures = messages_.RecordFailure(link.recipient.id, settings_.max_answer_failures, now,
                                          *notice);
  if (!failures.ok()) return std::move(failures).error();
  Record(link.message.id, link.recipient.id, what, client_address,
         "failure " + std::to_string(*failures));
  if (*failures >= settings_.max_answer_failures) {
    if (*failures == settings_.max_answer_failures) {
      Record(link.message.id, link.recipient.id, "locked", client_address);
      spdlog::warn("message {} recipient {} locked after {} failures", link.message.id,
                   link.recipient.id, *failures);
      if (notify_queue_) notify_queue_();
    }
    return MakeError(ErrorCode::kFailedPrecondition, "locked");
  }
  return settings_.max_answer_failures - *failures;
}

Result<SecretBytes> EscrowService::CheckAnswer(
    const LinkState& link, const RecipientRecord& fresh, const std::string& normalised,
    const std::string& client_address,
    const std::function<Result<SecretBytes>(const SecretBytes&)>& unwrap) {
  // Older copies kept an Argon2id hash to check answers against; newer ones keep
  // nothing of the answer, so only unwrapping tells a right answer from a wrong one.
  const bool hashed = fresh.answer_kdf.empty();
  if (hashed && !VerifySecret(fresh.answer_hash, normalised)) return WrongAnswer(link, client_address);
  auto answer_key = AnswerKey(fresh, normalised);
  if (!answer_key.ok()) return std::move(answer_key).error();
  auto key = unwrap(*answer_key);
  if (!key.ok() && !hashed && key.error().code == ErrorCode::kIntegrity) {
    return WrongAnswer(link, client_address);
  }
  return key;
}

Result<SecretBytes> EscrowService::WrongAnswer(const LinkState& link,
                                               const std::string& client_address) {
  auto left = CountFailure(link, client_address, "answer_failed");
  if (!left.ok()) return std::move(left).error();
  return MakeError(ErrorCode::kUnauthenticated, std::to_string(*left));
}

Result<SecretBytes> EscrowService::Answer(const LinkState& link, const SecretBytes& link_secret,
                                          std::string_view answer,
                                          const std::string& client_address) {
  // Re-read: another session may have locked the message since the link was checked.
  auto fresh = messages_.FindRecipient(link.recipient.id);
  if (!fresh.ok()) return std::move(fresh).error();
  if (!fresh->has_value()) return MakeError(ErrorCode::kNotFound, "no such message");
  if (auto openable = CheckOpenable(link, **fresh); !openable.ok()) return std::move(openable).error();
  if ((*fresh)->verification != "question") {
    return MakeError(ErrorCode::kFailedPrecondition, "login");
  }
  const std::string normalised = NormaliseAnswer(answer);
  auto key = CheckAnswer(link, **fresh, normalised, client_address,
                         [&](const SecretBytes& answer_key) {
                           auto kek = DeriveRecipientKek(**fresh, link_secret, answer_key);
                           if (!kek.ok()) return Result<SecretBytes>(std::move(kek).error());
                           return BoxOpenSecret(*kek, (*fresh)->wrapped_key,
                                                WrapAad(link.message.id, link.recipient.id));
                         });
  if (!key.ok()) return std::move(key).error();
  // A right answer must be written like a wrong one: were a failing disk to refuse only
  // the wrong answers' count, it would tell right from wrong and count nothing.
  if (auto reset = messages_.ResetFailures(link.recipient.id); !reset.ok()) {
    return std::move(reset).error();
  }
  Record(link.message.id, link.recipient.id, "verified", client_address);
  return key;
}

Result<SecretBytes> EscrowService::OpenByLogin(const LinkState& link, const SecretBytes& link_secret,
                                               const std::string& account_address,
                                               const std::string& client_address) {
  auto fresh = messages_.FindRecipient(link.recipient.id);
  if (!fresh.ok()) return std::move(fresh).error();
  if (!fresh->has_value()) return MakeError(ErrorCode::kNotFound, "no such message");
  if (auto openable = CheckOpenable(link, **fresh); !openable.ok()) return std::move(openable).error();
  if ((*fresh)->verification != "login") {
    return MakeError(ErrorCode::kFailedPrecondition, "question");
  }
  // Addresses are compared whole, ignoring ASCII case, as accounts are registered.
  if (AsciiLower(account_address) != AsciiLower((*fresh)->address)) {
    spdlog::warn("portal: account of another address tried recipient {} from {}",
                 link.recipient.id, client_address);
    return MakeError(ErrorCode::kPermissionDenied, "this message is for another address");
  }
  auto key = UnwrapMessageKey(**fresh, link_secret, "");
  if (!key.ok()) return std::move(key).error();
  if (auto reset = messages_.ResetFailures(link.recipient.id); !reset.ok()) {
    return std::move(reset).error();
  }
  Record(link.message.id, link.recipient.id, "verified", client_address, "portal account");
  return key;
}

Result<LinkState> EscrowService::RecipientState(const std::string& recipient_id) {
  auto recipient = messages_.FindRecipient(recipient_id);
  if (!recipient.ok()) return std::move(recipient).error();
  if (!recipient->has_value()) return MakeError(ErrorCode::kNotFound, "no such message");
  auto message = messages_.Find((*recipient)->message_id);
  if (!message.ok()) return std::move(message).error();
  if (!message->has_value()) return MakeError(ErrorCode::kNotFound, "no such message");
  LinkState state;
  state.message = std::move(**message);
  state.recipient = std::move(**recipient);
  state.expired = clock_.NowUnix() >= state.message.expires_at || state.message.destroyed_at;
  state.retracted = state.message.retracted_at.has_value();
  state.locked = state.recipient.status == RecipientStatus::kLocked;
  state.deleted = state.recipient.status == RecipientStatus::kDeleted;
  if (state.deleted) state.expired = true;
  return state;
}

sealpost::Status EscrowService::Retract(const std::string& message_id, const MessageOwner& owner,
                                        const std::string& client_address) {
  auto status = Status(message_id, owner);
  if (!status.ok()) return std::move(status).error();
  const std::int64_t now = clock_.NowUnix();
  if (status->message.destroyed_at || now >= status->message.expires_at) {
    return MakeError(ErrorCode::kFailedPrecondition, "the message has already expired or been retracted");
  }
  auto destroyed = messages_.Destroy(message_id, now, /*retracted=*/true,
                                     {0, message_id, "", "retracted", now, client_address, ""});
  if (!destroyed.ok()) return destroyed;
  // The keys are gone; the blobs are now unreadable noise, removed for the space.
  auto removed = sealer_.RemoveBlobs(status->message.blob_ids);
  if (!removed.ok()) {
    spdlog::warn("retracted message {}: blobs left: {}", message_id, removed.error().message);
  }
  return OkStatus();
}

Result<std::int64_t> EscrowService::SetExpiry(const std::string& message_id,
                                              const MessageOwner& owner, int days,
                                              const std::string& client_address) {
  constexpr int kMaxDays = 3650;
  if (days < 1 || days > kMaxDays) {
    return MakeError(ErrorCode::kInvalidArgument, "must be from 1 to 3650 days", "expires_in_days");
  }
  auto status = Status(message_id, owner);
  if (!status.ok()) return std::move(status).error();
  const std::int64_t now = clock_.NowUnix();
  if (status->message.destroyed_at || now >= status->message.expires_at) {
    return MakeError(ErrorCode::kFailedPrecondition, "the message has already expired or been retracted");
  }
  const std::int64_t expires_at = now + std::int64_t{86400} * days;
  auto set = messages_.SetExpiry(
      message_id, expires_at,
      {0, message_id, "", "expiry_changed", now, client_address, FormatRfc3339(expires_at)});
  if (!set.ok()) return std::move(set).error();
  return expires_at;
}

Result<int> EscrowService::DestroyExpired(int limit) {
  const std::int64_t now = clock_.NowUnix();
  auto due = messages_.ExpiredUndestroyed(now, limit);
  if (!due.ok()) return std::move(due).error();
  int destroyed = 0;
  for (const auto& id : *due) {
    auto message = messages_.Find(id);
    if (!message.ok()) return std::move(message).error();
    if (!message->has_value()) continue;
    auto done = messages_.Destroy(id, now, /*retracted=*/false,
                                  {0, id, "", "expired", now, "", "keys destroyed"});
    if (!done.ok()) {
      if (done.error().code == ErrorCode::kFailedPrecondition) continue;  // retracted meanwhile
      return std::move(done).error();
    }
    ++destroyed;
    auto removed = sealer_.RemoveBlobs((*message)->blob_ids);
    if (!removed.ok()) spdlog::warn("expired message {}: blobs left: {}", id, removed.error().message);
  }
  return destroyed;
}

Result<OpenedManifest> EscrowService::Manifest(const LinkState& link, const SecretBytes& data_key) {
  if (clock_.NowUnix() >= link.message.expires_at) {
    return MakeError(ErrorCode::kFailedPrecondition, "expired");
  }
  return opener_.ReadManifest(link.message, data_key);
}

Result<OpenedManifest> EscrowService::Read(const LinkState& link, const SecretBytes& data_key,
                                           const std::string& client_address) {
  if (clock_.NowUnix() >= link.message.expires_at) {
    return MakeError(ErrorCode::kFailedPrecondition, "expired");
  }
  auto manifest = opener_.ReadManifest(link.message, data_key);
  if (!manifest.ok()) return std::move(manifest).error();
  const std::int64_t now = clock_.NowUnix();
  // A receipt, if the sender asked: queued only with the first view, in its transaction.
  std::optional<QueueEntry> receipt;
  if (link.message.read_receipt) {
    auto made = SenderNoticeEntry(link, now, BuildReadReceipt);
    if (made.ok()) {
      receipt = std::move(*made);
    } else {
      spdlog::error("read receipt for message {} not made: {}", link.message.id,
                    made.error().ToString());
    }
  }
  auto first = messages_.MarkViewed(
      link.recipient.id, {0, link.message.id, link.recipient.id, "viewed", now, client_address, ""},
      receipt);
  if (!first.ok()) {
    spdlog::error("view of message {} not recorded: {}", link.message.id, first.error().ToString());
  } else if (*first && receipt) {
    notify_queue_();
  }
  return manifest;
}

SenderNotice EscrowService::SenderNoticeFor(const LinkState& link, std::int64_t now) const {
  SenderNotice n;
  n.organisation = PortalOf(link.message.namespace_name).organisation;
  n.from_address = settings_.notice_from;
  n.to_address = link.message.sender;
  n.recipient = link.recipient.address;
  n.reference = "sent on " + FormatHumanDate(link.message.created_at) + " (id " +
                link.message.id + ")";
  n.at = FormatHumanDate(now);
  return n;
}

// Notices to the sender come from the null sender, as RFC 8098 §2.1 has receipts
// sent: none comes back.
Result<QueueEntry> EscrowService::SenderNoticeEntry(
    const LinkState& link, std::int64_t now,
    Result<std::string> (*build)(const SenderNotice&)) const {
  auto mail = build(SenderNoticeFor(link, now));
  if (!mail.ok()) return std::move(mail).error();
  auto entry = SealQueueEntry(keys_.queue(), "", link.message.sender, *mail, now);
  if (!entry.ok()) return std::move(entry).error();
  entry->message_id = link.message.id;
  return entry;
}

Result<SealedBlobReader> EscrowService::Attachment(const LinkState& link,
                                                   const SecretBytes& data_key,
                                                   const AttachmentInfo& attachment,
                                                   std::size_t index,
                                                   const std::string& client_address,
                                                   bool record) {
  if (clock_.NowUnix() >= link.message.expires_at) {
    return MakeError(ErrorCode::kFailedPrecondition, "expired");
  }
  auto reader = opener_.OpenAttachment(link.message, data_key, attachment);
  if (!reader.ok()) return std::move(reader).error();
  if (record) {
    Record(link.message.id, link.recipient.id, "downloaded", client_address,
           "attachment " + std::to_string(index));
  }
  return reader;
}

PortalMessage EscrowService::ReplyTo(const LinkState& link,
                                     const std::string& original_subject) const {
  PortalMessage reply;
  reply.account = link.message.account;
  reply.namespace_name = link.message.namespace_name;
  reply.from = link.recipient.address;
  reply.to = link.message.sender;
  reply.subject =
      original_subject.rfind("Re: ", 0) == 0 ? original_subject : "Re: " + original_subject;
  reply.reply_to_message = link.message.id;
  reply.reply_to_recipient = link.recipient.id;
  return reply;
}

Result<std::string> EscrowService::QuestionOf(const LinkState& link) const {
  return OpenQuestion(link.recipient, keys_.metadata());
}

void EscrowService::RecordMessageDownload(const LinkState& link, const std::string& client_address) {
  Record(link.message.id, link.recipient.id, "downloaded", client_address, "message");
}

void EscrowService::RecordPrintView(const LinkState& link, const std::string& client_address) {
  Record(link.message.id, link.recipient.id, "printed", client_address, "");
}

sealpost::Status EscrowService::DeleteCopy(const LinkState& link, const std::string& client_address) {
  auto deleted = messages_.DeleteCopy(
      link.recipient.id, {0, link.message.id, link.recipient.id, "deleted", clock_.NowUnix(),
                          client_address, ""});
  if (deleted.ok()) {
    spdlog::info("message {} recipient {} deleted their copy", link.message.id, link.recipient.id);
  }
  return deleted;
}

void EscrowService::Record(const std::string& message_id, const std::string& recipient_id,
                           const std::string& type, const std::string& client_address,
                           const std::string& detail) {
  if (settings_.metrics) {
    settings_.metrics->Add("sealpost_recipient_events_total", {{"event", type}});
  }
  auto status = events_.Append({0, message_id, recipient_id, type, clock_.NowUnix(),
                                client_address, detail});
  if (!status.ok()) {
    spdlog::error("event {} for message {} not recorded: {}", type, message_id,
                  status.error().ToString());
  }
}

}  // namespace sealpost
