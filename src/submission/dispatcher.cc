#include "submission/dispatcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <optional>

#include "audit/pending.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "escrow/answer.h"
#include "escrow/answer_keys.h"
#include "mime/notice.h"
#include "pki/openpgp.h"
#include "policy/signing_identities.h"
#include "queue/queue_entry.h"
#include "store/blob_store.h"
#include "submission/encrypted_copy.h"
#include "submission/group_commit.h"

namespace sealpost::submission {
namespace {

// Messages committed in one transaction at most (a batch's rows are written together;
// a larger one would only make its first sender wait longer).
constexpr std::size_t kMaxCommittedTogether = 64;

// "tls-only" → "sent_tls_only", "send-plain" → "sent_plain"; a standby copy's event
// says it waits.
std::string EventType(const std::string& method, bool standby) {
  std::string name = method == "send-plain" ? "plain" : method;
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return (standby ? "standby_" : "sent_") + name;
}

std::string Detail(const std::string& address, const std::string& trace) {
  return SanitizeForLog(address, 254) + ": " + SanitizeForLog(trace, 300);
}

// Wipes a plaintext copy of the message whichever way the dispatch ends.
struct Wipe {
  std::string& s;
  ~Wipe() { WipeMemory(s.data(), s.size()); }
};

// Content blobs this dispatch wrote: removed again if it fails before they are handed
// to its PreparedDispatch (which removes them unless the message commits).
struct SpooledBlobs {
  BlobStore& blobs;
  std::vector<std::string> ids;
  ~SpooledBlobs() {
    for (const auto& id : ids) (void)blobs.Remove(id);
  }
};

}  // namespace

Dispatcher::Dispatcher(DispatchSettings settings, EscrowService& escrow,
                       policy::SigningIdentities& identities, BlobStore& blobs,
                       const PurposeKey& queue_key, const Clock& clock,
                       const AnswerKeys* answer_keys)
    : settings_(std::move(settings)),
      escrow_(escrow),
      identities_(identities),
      blobs_(blobs),
      queue_key_(queue_key),
      clock_(clock),
      answer_keys_(answer_keys),
      pgp_(std::make_unique<pki::PgpEncryptor>()),
      together_(std::make_unique<GroupCommit<PreparedDispatch>>(
          [this](const std::vector<PreparedDispatch*>& batch) { return Commit(batch); },
          kMaxCommittedTogether)) {}

Dispatcher::~Dispatcher() = default;

PreparedDispatch::~PreparedDispatch() {
  if (committed_) return;
  for (const auto& id : spooled_) (void)blobs_->Remove(id);
}

Result<SubmitResult> Dispatcher::Send(Dispatch d) const {
  auto prepared = Prepare(std::move(d));
  if (!prepared.ok()) return std::move(prepared).error();
  // Another sender's thread may commit it: the audit records this thread has pending
  // (the API call that sends it) go with it, and come back if it fails.
  audit::HandOver handed;
  prepared->submit_.records = handed.records();
  auto committed = together_->Commit(&*prepared);
  if (!committed.ok()) {
    handed.Restore();
    return std::move(committed).error();  // its blobs are removed
  }
  return Finish(*prepared);
}

Status Dispatcher::Commit(const std::vector<PreparedDispatch*>& batch) const {
  // Each message names the actor it was prepared under (NewMessage::actor), and one
  // prepared under nobody names nobody: not whoever acts on the thread that commits the
  // batch (GroupCommit: another sender's).
  audit::ActingAs nobody(std::nullopt);
  std::vector<PreparedSubmit*> submits;
  submits.reserve(batch.size());
  for (PreparedDispatch* p : batch) submits.push_back(&p->submit_);
  auto status = escrow_.Commit(submits);
  if (status.ok()) {
    for (PreparedDispatch* p : batch) p->committed_ = true;
  }
  return status;
}

SubmitResult Dispatcher::Finish(PreparedDispatch& committed) const {
  SubmitResult result = escrow_.Finish(committed.submit_);
  spdlog::info("message {}: {}", result.message_id, committed.counts_);
  return result;
}

Result<PreparedDispatch> Dispatcher::Prepare(Dispatch d) const {
  const Submission& m = *d.submission;
  policy::RecipientPlan& plan = d.plan;
  if (plan.refused || !plan.need_question.empty()) {
    return MakeError(ErrorCode::kInternal, "a plan with recipients left undecided");
  }
  const std::int64_t now = clock_.NowUnix();
  const std::string& client = d.client_address;

  SubmitExtras extras;
  extras.consumed_inbound = std::move(d.consumed_inbound);
  extras.events = std::move(d.events);
  extras.dsn_by_address = d.dsn_by_address;  // the escrow notices' (EscrowService::Submit)
  extras.notice_headers = m.headers;         // a campaign's List-Unsubscribe, on its notices too
  auto dsn_for = [&](const std::string& address) -> std::string {
    auto it = d.dsn_by_address.find(AsciiLower(address));
    return it == d.dsn_by_address.end() ? std::string() : it->second;
  };

  // Content that `uses` entries carry: in each while that stays small, otherwise
  // written once and referred to (queue/queue_entry.h). `uses` 0: a blob whatever its
  // size. Streamed: a large message is never whole in memory.
  SpooledBlobs spooled{blobs_};
  using Written = QueueContentWriter::Written;
  auto spool = [&](const std::function<Status(ByteSink&)>& write,
                   std::size_t uses) -> Result<Written> {
    QueueContentWriter writer(blobs_, queue_key_, uses == 0 ? 0 : kInlineQueueBytes / uses);
    if (auto s = write(writer); !s.ok()) return std::move(s).error();
    auto written = writer.Finish();
    if (written.ok() && written->spooled) spooled.ids.push_back(written->spooled->blob_id);
    return written;
  };

  // Everyone who gets mail other than an escrow notice is recorded with the message, with
  // the queue entry of what reaches them: the content itself, or the blob it was spooled to.
  auto add = [&](const std::string& address, const std::string& kind, const std::string& method,
                 const std::string& trace, const std::string& mail_from,
                 const std::string& rcpt_to, const Written& content,
                 bool standby) -> Result<QueueEntry*> {
    RecipientRecord record;
    record.id = NewId();
    record.address = address;
    record.kind = kind;
    record.method = method;
    record.status = standby ? RecipientStatus::kStandby : RecipientStatus::kQueued;
    record.trace = trace;
    auto q = content.spooled
                 ? Result<QueueEntry>(ReferenceQueueEntry(*content.spooled, mail_from, rcpt_to, now))
                 : SealQueueEntry(queue_key_, mail_from, rcpt_to, content.content, now);
    if (!q.ok()) return std::move(q).error();
    q->recipient_id = record.id;
    // A notice about a failure goes to the sender: no delivery they asked to hear about.
    if (rcpt_to == address) q->dsn = dsn_for(address);
    if (standby) {
      q->state = QueueState::kStandby;
      q->standby_for = extras.tls_only_ids[AsciiLower(address)];
    }
    extras.events.push_back(
        {0, "", record.id, EventType(method, standby), now, client, Detail(address, trace)});
    extras.queue.push_back(std::move(*q));
    extras.direct_recipients.push_back(std::move(record));
    return &extras.queue.back();
  };

  // The message itself, for those who get it themselves: one copy shared by everyone who
  // gets it as it is (none: no copy).
  if ((!plan.direct.empty() || !plan.send_plain.empty() || !plan.encrypted.empty()) &&
      !d.message) {
    return MakeError(ErrorCode::kInternal, "no content to send");
  }
  const std::size_t plain_uses = plan.direct.size() + plan.send_plain.size();
  Written shared;
  Wipe wipe{shared.content};
  if (plain_uses > 0 && d.spooled_message) {
    shared.spooled = *d.spooled_message;
  } else if (plain_uses > 0) {
    auto written = spool(
        [&](ByteSink& out) -> Status {
          auto source = d.message();
          if (!source.ok()) return std::move(source).error();
          return Copy(**source, out);
        },
        plain_uses);
    if (!written.ok()) return std::move(written).error();
    shared = std::move(*written);
  }
  // TLS-only copies first: their fallbacks, in standby, refer to them by queue id.
  for (const auto& r : plan.direct) {
    auto q = add(r.address, r.kind, r.method, r.trace, m.from, r.address, shared, false);
    if (!q.ok()) return std::move(q).error();
    (*q)->tls_required = r.tls_required();
    if (r.tls_required()) extras.tls_only_ids[AsciiLower(r.address)] = (*q)->id;
  }
  for (const auto& r : plan.send_plain) {
    auto q = add(r.address, r.kind, "send-plain", r.trace, m.from, r.address, shared, false);
    if (!q.ok()) return std::move(q).error();
  }
  if (!plan.encrypted.empty()) {
    auto signers = identities_.For(m.from);
    if (!signers.ok()) return std::move(signers).error();
    for (const auto& r : plan.encrypted) {
      // An encrypted copy is never kept in a database row, however small, and is
      // written into its blob as it is made.
      auto own = spool(
          [&](ByteSink& out) { return WriteEncryptedCopy(d.message, r, *signers, now, *pgp_, out); },
          0);
      if (!own.ok()) return std::move(own).error();
      auto q = add(r.address, r.kind, r.method, r.trace, m.from, r.address, *own, r.standby);
      if (!q.ok()) return std::move(q).error();
    }
  }

  // The sender is told, from the null sender (a notice about a failure can never loop):
  // once about everyone the failure action bounces now, and, in standby, about each
  // TLS-only copy whose fallback is to tell them.
  auto notice_to_sender = [&](const std::vector<const policy::FailedRecipient*>& group)
      -> Result<std::string> {
    UndeliveredNotice notice;
    notice.organisation = settings_.organisation;
    notice.from_address = settings_.notice_from;
    notice.to_address = m.from;
    notice.reference = d.reference.empty() ? "(sent on " + FormatHumanDate(now) + ")" : d.reference;
    for (const auto* r : group) notice.recipients.push_back({r->address, r->trace});
    return BuildUndeliveredNotice(notice);
  };
  std::vector<const policy::FailedRecipient*> bounced_now;
  for (const auto& r : plan.bounce) {
    if (!r.standby) {
      bounced_now.push_back(&r);
      continue;
    }
    auto text = notice_to_sender({&r});
    if (!text.ok()) return std::move(text).error();
    Written notice;
    notice.content = std::move(*text);
    auto q = add(r.address, r.kind, "bounce", r.trace, "", m.from, notice, true);
    if (!q.ok()) return std::move(q).error();
  }
  if (!bounced_now.empty()) {
    auto text = notice_to_sender(bounced_now);
    if (!text.ok()) return std::move(text).error();
    auto q = SealQueueEntry(queue_key_, "", m.from, *text, now);
    if (!q.ok()) return std::move(q).error();
    extras.queue.push_back(std::move(*q));
    for (const auto* r : bounced_now) {
      RecipientRecord record;
      record.id = NewId();
      record.address = r->address;
      record.kind = r->kind;
      record.method = "bounce";
      record.status = RecipientStatus::kBounced;
      record.trace = r->trace;
      extras.events.push_back({0, "", record.id, "bounced", now, client, Detail(r->address, r->trace)});
      extras.direct_recipients.push_back(std::move(record));
    }
  }

  // Escrow recipients: a kept answer is stretched once where it is kept; a fallback's
  // notice waits for its TLS-only copy.
  SealInput input;
  input.account = d.account;
  input.from = m.from;
  input.to = m.to;
  input.cc = m.cc;
  input.subject = m.subject;
  input.text = m.text;
  input.html = m.html;
  input.expires_at = now + std::int64_t{86400} * plan.expiry_days;
  input.notice_subject = plan.notice_subject;
  input.namespace_name = plan.namespace_name;
  input.organisation = plan.organisation;
  input.read_receipt = m.read_receipt;
  input.sent_from_portal = d.sent_from_portal;
  input.keep_subject_for_webhooks =
      settings_.webhooks_want_subjects && settings_.webhooks_want_subjects(d.account);
  for (auto& r : plan.recipients) {
    EscrowRecipientInput in;
    in.address = std::move(r.address);
    in.kind = std::move(r.kind);
    in.login = r.login;
    in.question = std::move(r.question);
    in.answer = std::move(r.answer);
    in.trace = std::move(r.trace);
    in.standby = r.standby;
    if (r.standby) in.standby_for = extras.tls_only_ids[AsciiLower(in.address)];
    if (!r.login && !r.kept_as.empty() && answer_keys_) {
      auto stretched = answer_keys_->For(r.kept_as, NormaliseAnswer(in.answer));
      if (!stretched.ok()) return std::move(stretched).error();
      in.stretched = std::move(*stretched);
    }
    input.recipients.push_back(std::move(in));
  }
  auto submit = escrow_.Prepare(std::move(d.draft), input, client, std::move(extras));
  for (auto& r : input.recipients) WipeMemory(r.answer.data(), r.answer.size());
  if (!submit.ok()) return std::move(submit).error();
  PreparedDispatch prepared(blobs_, std::move(*submit));
  prepared.spooled_ = std::move(spooled.ids);  // the prepared dispatch removes them now
  spooled.ids.clear();
  prepared.counts_ = fmt::format(
      "{} escrow, {} direct, {} end-to-end encrypted, {} plain, {} bounced", plan.recipients.size(),
      plan.direct.size(), plan.encrypted.size(), plan.send_plain.size(), plan.bounce.size());
  return prepared;
}

}  // namespace sealpost::submission
