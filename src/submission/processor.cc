#include "submission/processor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "api/encrypted_copy.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "mime/address.h"
#include "mime/notice.h"
#include "mime/submitted.h"
#include "policy/signing_identities.h"
#include "submission/envelope_json.h"
#include "submission/header_options.h"
#include "submission/spool.h"

namespace sealpost::submission {
namespace {

constexpr int kBatch = 16;
constexpr std::int64_t kMaxBackoff = 3600;

bool Listed(const std::vector<std::string>& list, const std::string& address) {
  const std::string canonical = CanonicalAddress(address);
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& a) { return CanonicalAddress(a) == canonical; });
}

}  // namespace

SubmissionProcessor::SubmissionProcessor(ProcessorSettings settings, InboundStore& inbound,
                                         EscrowService& escrow,
                                         const api::RecipientPlanner& planner,
                                         policy::OrgDirectory& directory,
                                         policy::SigningIdentities& identities,
                                         const SecretBytes& queue_key, const Clock& clock,
                                         std::function<void()> notify_queue)
    : settings_(std::move(settings)), inbound_(inbound), identities_(identities),
      escrow_(escrow), planner_(planner), directory_(directory), queue_key_(queue_key), clock_(clock),
      notify_queue_(std::move(notify_queue)),
      worker_([this] { return RunOnce() == kBatch; }, std::chrono::seconds(1)) {}

SubmissionProcessor::~SubmissionProcessor() { Stop(); }

void SubmissionProcessor::Start() { worker_.Start(); }
void SubmissionProcessor::Stop() { worker_.Stop(); }
void SubmissionProcessor::Notify() { worker_.Notify(); }

int SubmissionProcessor::RunOnce() {
  const std::int64_t now = clock_.NowUnix();
  auto due = inbound_.Due(now, kBatch);
  if (!due.ok()) {
    spdlog::error("submission: cannot read the inbound queue: {}", due.error().ToString());
    return 0;
  }
  int done = 0;
  for (const auto& record : *due) {
    auto status = Process(record);
    if (status.ok()) {
      ++done;
      continue;
    }
    if (record.attempts + 1 >= settings_.max_attempts) {
      Bury(record, now, status.error());
      continue;
    }
    const std::int64_t backoff = std::min<std::int64_t>(kMaxBackoff, std::int64_t{30} << std::min(record.attempts, 10));
    spdlog::error("submission {}: not processed (attempt {}), retrying in {} s: {}", record.id,
                  record.attempts + 1, backoff, status.error().ToString());
    (void)inbound_.Defer(record.id, now + backoff, status.error().ToString());
  }
  if (done > 0 && notify_queue_) notify_queue_();
  return static_cast<int>(due->size());
}

void SubmissionProcessor::Bury(const InboundRecord& record, std::int64_t now, const Error& error) {
  spdlog::error("submission {}: not processed after {} attempts, kept as a dead letter: {}",
                record.id, record.attempts + 1, error.ToString());
  std::vector<QueueEntry> notices;
  std::vector<EventRecord> events{{0, record.id, "", "dead_letter", now, record.client_address,
                                   SanitizeForLog(error.ToString(), 300)}};
  // The sender is told which recipients got nothing — never the content, and from the
  // null sender so that it cannot loop. A sender the envelope does not name (it could
  // not be read) is told nothing; the administrator sees the dead letter.
  auto envelope = EnvelopeFromJson(record.envelope_json);
  if (envelope.ok() && !envelope->mail_from.empty()) {
    UndeliveredNotice notice;
    notice.organisation = settings_.organisation;
    notice.from_address = settings_.notice_from;
    notice.to_address = envelope->mail_from;
    notice.reference =
        "(queued as " + record.id + " on " + FormatHumanDate(record.received_at) + ")";
    for (const auto& rcpt : envelope->recipients) {
      notice.recipients.push_back(
          {rcpt.address, "the message could not be processed; it is kept for the "
                         "administrator as " + record.id});
    }
    auto mail = BuildUndeliveredNotice(notice);
    auto entry = mail.ok() ? SealQueueEntry(queue_key_, "", envelope->mail_from, *mail, now)
                           : Result<QueueEntry>(mail.error());
    if (entry.ok()) {
      notices.push_back(std::move(*entry));
    } else {
      spdlog::error("submission {}: no notice to the sender: {}", record.id,
                    entry.error().ToString());
    }
  }
  auto buried = inbound_.Bury(record.id, now, error.ToString(), notices, events);
  if (!buried.ok()) {
    spdlog::error("submission {}: not kept as a dead letter: {}", record.id,
                  buried.error().ToString());
  }
}

Status SubmissionProcessor::Process(const InboundRecord& record) {
  auto content = BoxOpen(queue_key_, record.sealed_content, InboundContentAad(record.id));
  if (!content.ok()) return std::move(content).error();
  // The plaintext is wiped whichever way this function leaves.
  struct Wipe {
    std::string& s;
    ~Wipe() { WipeMemory(s.data(), s.size()); }
  } wipe{*content};
  auto envelope = EnvelopeFromJson(record.envelope_json);
  if (!envelope.ok()) return std::move(envelope).error();
  const std::int64_t now = clock_.NowUnix();

  api::MessageRequest m;
  m.from = envelope->mail_from;
  std::string problem;  // when set, the whole message is refused with this reason
  auto parsed = ParseSubmittedMessage(*content);
  if (!parsed.ok()) {
    problem = "the message could not be read: " + parsed.error().message;
  } else {
    problem = ApplyHeaderOptions(parsed->options, settings_.limits, m);
    // The receipt goes to the (authenticated) sender, never to the address the field
    // names: anyone could otherwise have us mail anyone.
    m.read_receipt = parsed->read_receipt;
    m.subject = parsed->subject;
    m.text = parsed->text;
    m.html = parsed->html;
    std::size_t budget = api::kMaxRuleText;
    for (const auto& a : parsed->attachments) api::AddRuleText(m, a.content_type, a.content, &budget);
  }
  for (const auto& rcpt : envelope->recipients) {
    // Bcc recipients (in the envelope, in no header field) count as "to".
    (parsed.ok() && Listed(parsed->cc, rcpt.address) ? m.cc : m.to).push_back(rcpt.address);
  }

  api::RecipientPlan plan;
  if (problem.empty() && parsed->already_encrypted) {
    // Already end-to-end encrypted by the sender's program: delivered as it is.
    for (const auto* list : {&m.to, &m.cc}) {
      for (const auto& a : *list) {
        plan.send_plain.push_back({a, list == &m.to ? "to" : "cc",
                                   "already encrypted by the sender's mail program → as it is"});
      }
    }
  } else if (problem.empty()) {
    auto planned = planner_.Plan(m, /*interactive=*/false);
    if (!planned.ok()) return std::move(planned).error();
    plan = std::move(*planned);
    if (plan.refused) problem = *plan.refused;
  }
  if (!problem.empty()) {
    spdlog::info("submission {}: refused for every recipient: {}", record.id, problem);
    plan = api::RecipientPlan{};
    for (const auto* list : {&m.to, &m.cc}) {
      for (const auto& a : *list) plan.bounce.push_back({a, "", problem});
    }
  }

  std::vector<QueueEntry> queue;
  std::vector<EventRecord> events;
  // Ties the outcome to the id the SMTP client was given in its 250.
  events.push_back({0, "", "", "submitted", record.received_at, record.client_address,
                    "queued as " + record.id});
  std::map<std::string, std::string> dsn_by_address;
  for (const auto& rcpt : envelope->recipients) {
    std::string dsn = DsnJson(*envelope, rcpt);
    if (!dsn.empty()) dsn_by_address[AsciiLower(rcpt.address)] = std::move(dsn);
  }
  auto enqueue = [&](const std::string& mail_from, const std::string& rcpt_to,
                     const std::string& mail) -> Status {
    auto q = SealQueueEntry(queue_key_, mail_from, rcpt_to, mail, now);
    if (!q.ok()) return std::move(q).error();
    if (auto dsn = dsn_by_address.find(AsciiLower(rcpt_to)); dsn != dsn_by_address.end()) {
      q->dsn = dsn->second;
    }
    queue.push_back(std::move(*q));
    return OkStatus();
  };
  // X-Sealpost-* fields may hold an answer: they never leave.
  std::string stripped = StripSealpostHeaders(*content);
  Wipe wipe_stripped{stripped};
  // TLS-only copies first: their fallbacks, in standby, refer to them by queue id.
  std::map<std::string, std::string> tls_only_ids;  // lower-cased address → queue id
  auto stand_by = [&](const std::string& address) {
    queue.back().state = QueueState::kStandby;
    queue.back().standby_for = tls_only_ids[AsciiLower(address)];
  };
  for (const auto& r : plan.direct) {
    auto status = enqueue(envelope->mail_from, r.address, stripped);
    if (!status.ok()) return status;
    queue.back().tls_required = r.tls_required();
    if (r.tls_required()) tls_only_ids[AsciiLower(r.address)] = queue.back().id;
    events.push_back({0, "", "", r.tls_required() ? "sent_tls_only" : "sent_standard", now,
                      record.client_address,
                      SanitizeForLog(r.address, 254) + ": " + SanitizeForLog(r.trace, 300)});
  }
  for (const auto& r : plan.send_plain) {
    auto status = enqueue(envelope->mail_from, r.address, stripped);
    if (!status.ok()) return status;
    events.push_back({0, "", "", "sent_plain", now, record.client_address,
                      SanitizeForLog(r.address, 254) + ": " + SanitizeForLog(r.trace, 300)});
  }
  if (!plan.encrypted.empty()) {
    auto signers = identities_.For(envelope->mail_from);
    if (!signers.ok()) return std::move(signers).error();
    for (const auto& r : plan.encrypted) {
      auto mail = api::EncryptedCopy(stripped, r, *signers, now);
      if (!mail.ok()) return std::move(mail).error();
      auto status = enqueue(envelope->mail_from, r.address, *mail);
      if (!status.ok()) return status;
      if (r.standby) stand_by(r.address);
      events.push_back({0, "", "", (r.standby ? "standby_" : "sent_") + r.method, now,
                        record.client_address,
                        SanitizeForLog(r.address, 254) + ": " + SanitizeForLog(r.trace, 300)});
    }
  }
  // Failure notices to the sender: one for every recipient the failure action bounces
  // now, and one in standby for each TLS-only copy whose fallback is to tell the sender.
  std::vector<std::vector<const api::FailedRecipient*>> notices(1);
  for (const auto& r : plan.bounce) {
    if (r.standby) {
      notices.push_back({&r});
    } else {
      notices.front().push_back(&r);
    }
  }
  for (const auto& group : notices) {
    if (group.empty()) continue;
    UndeliveredNotice notice;
    notice.organisation = settings_.organisation;
    notice.from_address = settings_.notice_from;
    notice.to_address = envelope->mail_from;
    notice.reference = "(queued as " + record.id + " on " + FormatHumanDate(record.received_at) + ")";
    for (const auto* r : group) {
      notice.recipients.push_back({r->address, r->trace});
      events.push_back({0, "", "", r->standby ? "standby_bounce" : "bounced", now,
                        record.client_address,
                        SanitizeForLog(r->address, 254) + ": " + SanitizeForLog(r->trace, 300)});
    }
    auto mail = BuildUndeliveredNotice(notice);
    if (!mail.ok()) return std::move(mail).error();
    // A notice about a failure is sent from the null sender, so it can never loop.
    auto status = enqueue("", envelope->mail_from, *mail);
    if (!status.ok()) return status;
    queue.back().dsn.clear();  // a notice to the sender is no delivery the sender asked about
    if (group.front()->standby) stand_by(group.front()->address);
  }
  for (auto& r : plan.recipients) {
    if (r.standby) r.standby_for = tls_only_ids[AsciiLower(r.address)];
  }

  if (plan.recipients.empty()) {
    for (auto& e : events) e.message_id = record.id;
    auto status = inbound_.Complete(record.id, queue, events);
    if (!status.ok()) return status;
    spdlog::info("submission {}: {} direct, {} end-to-end encrypted, {} plain, {} bounced",
                 record.id, plan.direct.size(), plan.encrypted.size(), plan.send_plain.size(),
                 plan.bounce.size());
    return OkStatus();
  }

  std::unique_ptr<Draft> draft = escrow_.BeginDraft();
  for (std::size_t i = 0; i < parsed->attachments.size(); ++i) {
    const auto& a = parsed->attachments[i];
    const bool ok_meta = api::CheckAttachmentMeta("attachment", a.filename, a.content_type).empty();
    auto status = draft->StartAttachment(ok_meta ? a.filename : "attachment-" + std::to_string(i + 1),
                                         ok_meta ? a.content_type : "application/octet-stream");
    if (status.ok()) status = draft->AppendAttachment(a.content);
    if (status.ok()) status = draft->FinishAttachment();
    if (!status.ok()) return status;
  }
  SealInput input;
  auto account = directory_.AccountOfUser(envelope->auth_user.empty() ? m.from : envelope->auth_user);
  input.account = account.ok() ? *account : "default";
  input.from = m.from;
  input.subject = m.subject;
  input.text = m.text;
  input.html = m.html;
  input.expires_at = now + std::int64_t{86400} * plan.expiry_days;
  input.notice_subject = plan.notice_subject;
  input.namespace_name = plan.namespace_name;
  input.organisation = plan.organisation;
  input.read_receipt = m.read_receipt;
  input.recipients = std::move(plan.recipients);
  SubmitExtras extras;
  extras.consumed_inbound = record.id;
  extras.queue = std::move(queue);
  extras.events = std::move(events);
  extras.dsn_by_address = std::move(dsn_by_address);
  auto submitted = escrow_.Submit(std::move(draft), input, record.client_address, std::move(extras));
  if (!submitted.ok()) return std::move(submitted).error();
  spdlog::info("submission {}: message {}: {} escrow, {} direct, {} end-to-end encrypted, "
               "{} plain, {} bounced", record.id, submitted->message_id,
               submitted->recipients.size(), plan.direct.size(), plan.encrypted.size(),
               plan.send_plain.size(), plan.bounce.size());
  return OkStatus();
}

}  // namespace sealpost::submission
