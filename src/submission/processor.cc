#include "submission/processor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "audit/pending.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "mime/address.h"
#include "mime/notice.h"
#include "mime/submitted.h"
#include "submission/envelope_json.h"
#include "submission/header_options.h"
#include "submission/spool.h"
#include "queue/queue_entry.h"

namespace sealpost::submission {
namespace {

constexpr int kBatch = 16;
constexpr std::int64_t kMaxBackoff = 3600;
// How long a claimed submission is left to this node. A pass of 16 takes seconds; should
// one take longer, another node may process one of them too, and the slower of the two
// finds it gone (kAlreadyProcessed) and drops its work. After a crash, what the node had
// claimed is due again this long after it was taken.
constexpr std::int64_t kClaimSeconds = 60;

bool Listed(const std::vector<std::string>& list, const std::string& address) {
  const std::string canonical = CanonicalAddress(address);
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& a) { return CanonicalAddress(a) == canonical; });
}

const char* KindOf(const Submission& m, const std::vector<std::string>* list) {
  return list == &m.to ? "to" : list == &m.cc ? "cc" : "bcc";
}

// A spooled submission's content: boxed in its row, or in the blob the spool wrote.
Result<std::string> OpenInbound(BlobStore& blobs, const PurposeKey& queue_key,
                                const InboundRecord& record) {
  if (record.content_blob.empty()) {
    return queue_key.Open(record.sealed_content, InboundContentAad(record.id));
  }
  auto content = OpenSpooledContent(blobs, queue_key, {record.content_blob, record.content_key});
  if (!content.ok()) return std::move(content).error();
  return ReadQueueContent(**content);
}

// What a submission leads to is the SMTP user's doing (or the trusted network's).
audit::Actor ActorOf(const InboundRecord& record) {
  return {record.auth_user.empty() ? "smtp_client" : "user",
          record.auth_user.empty() ? record.client_address : record.auth_user,
          record.client_address, ""};
}

}  // namespace

SubmissionProcessor::SubmissionProcessor(ProcessorSettings settings, InboundStore& inbound,
                                         BlobStore& blobs, EscrowService& escrow,
                                         const policy::RecipientPlanner& planner,
                                         const Dispatcher& dispatcher,
                                         policy::OrgDirectory& directory,
                                         const PurposeKey& queue_key, const Clock& clock,
                                         std::function<void()> notify_queue)
    : settings_(std::move(settings)),
      inbound_(inbound),
      blobs_(blobs),
      escrow_(escrow),
      planner_(planner),
      dispatcher_(dispatcher),
      directory_(directory),
      queue_key_(queue_key),
      clock_(clock),
      notify_queue_(std::move(notify_queue)),
      worker_([this] { return RunOnce() == kBatch; }, std::chrono::seconds(1),
              WorkerPriority::kBackground) {}

SubmissionProcessor::~SubmissionProcessor() { Stop(); }

void SubmissionProcessor::Start() { worker_.Start(); }
void SubmissionProcessor::Stop() { worker_.Stop(); }
void SubmissionProcessor::Notify() { worker_.Notify(); }

int SubmissionProcessor::RunOnce() {
  const std::int64_t now = clock_.NowUnix();
  // Taken for a while: another node (sharing the database) leaves them alone meanwhile.
  auto due = inbound_.Claim(now, kBatch, now + kClaimSeconds);
  if (!due.ok()) {
    spdlog::error("submission: cannot read the inbound queue: {}", due.error().ToString());
    return 0;
  }
  int done = 0;
  auto failed = [&](const InboundRecord& record, const Error& error) {
    if (error.code == ErrorCode::kNotFound && error.message == kAlreadyProcessed) {
      return;  // processed meanwhile (its lease ran out on a slow pass): nothing to redo
    }
    if (record.attempts + 1 >= settings_.max_attempts) {
      Bury(record, now, error);
      return;
    }
    const std::int64_t backoff =
        std::min<std::int64_t>(kMaxBackoff, std::int64_t{30} << std::min(record.attempts, 10));
    spdlog::error("submission {}: not processed (attempt {}), retrying in {} s: {}", record.id,
                  record.attempts + 1, backoff, error.ToString());
    (void)inbound_.Defer(record.id, now + backoff, error.ToString());
  };
  // Each submission is prepared (planned, sealed, its copies written) on its own, and the
  // batch committed in one transaction: consecutive messages share most of the database
  // pages they change, and one commit writes each page once (the dispatch transaction per
  // message was a third of the relay's CPU). Should the batch not commit, each is
  // committed alone, so that one submission's failure is its own.
  std::vector<const InboundRecord*> records;
  std::vector<PreparedDispatch> ready;
  ready.reserve(due->size());
  for (const auto& record : *due) {
    audit::ActingAs acting(ActorOf(record));
    auto prepared = Prepare(record);
    if (!prepared.ok()) {
      failed(record, prepared.error());
    } else if (!prepared->has_value()) {
      ++done;  // finished without a message to dispatch
    } else {
      records.push_back(&record);
      ready.push_back(std::move(**prepared));
    }
  }
  std::vector<PreparedDispatch*> batch;
  for (auto& p : ready) batch.push_back(&p);
  if (!batch.empty() && dispatcher_.Commit(batch).ok()) {
    for (auto* p : batch) (void)dispatcher_.Finish(*p);
    done += static_cast<int>(batch.size());
  } else {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      audit::ActingAs acting(ActorOf(*records[i]));  // for a dead letter's record
      auto status = dispatcher_.Commit({batch[i]});
      if (!status.ok()) {
        failed(*records[i], status.error());
        continue;
      }
      (void)dispatcher_.Finish(*batch[i]);
      ++done;
    }
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

Result<std::optional<PreparedDispatch>> SubmissionProcessor::Prepare(const InboundRecord& record) {
  // The plaintext is wiped whichever way this function leaves.
  struct Wipe {
    std::string& s;
    ~Wipe() { WipeMemory(s.data(), s.size()); }
  };
  // The content is read only when more than its header section is needed: a large
  // message's header was kept beside its blob when it was spooled, and relaying it
  // plain, TLS-only or as it is needs nothing else (reading the blob was ~6 % of the
  // server's CPU relaying 100 KiB messages).
  std::string content_text;
  Wipe wipe_content{content_text};
  bool content_read = false;
  auto content = [&]() -> Result<std::string_view> {
    if (!content_read) {
      auto opened = OpenInbound(blobs_, queue_key_, record);
      if (!opened.ok()) return std::move(opened).error();
      content_text = std::move(*opened);
      content_read = true;
    }
    return std::string_view(content_text);
  };
  std::string kept_header;
  Wipe wipe_header{kept_header};
  std::string_view header_text;
  if (!record.sealed_header.empty()) {
    auto opened = queue_key_.Open(record.sealed_header, InboundHeaderAad(record.id));
    if (!opened.ok()) return std::move(opened).error();
    kept_header = std::move(*opened);
    header_text = kept_header;
  } else {
    auto whole = content();
    if (!whole.ok()) return std::move(whole).error();
    header_text = HeaderSection(*whole);
  }
  auto envelope = EnvelopeFromJson(record.envelope_json);
  if (!envelope.ok()) return std::move(envelope).error();
  if (!settings_.feedback_address.empty() && settings_.feedback) {
    auto& rcpts = envelope->recipients;
    const auto to_feedback = std::remove_if(rcpts.begin(), rcpts.end(), [&](const auto& r) {
      return EqualsIgnoreCase(r.address, settings_.feedback_address);
    });
    if (to_feedback != rcpts.end()) {
      rcpts.erase(to_feedback, rcpts.end());
      auto whole = content();
      if (!whole.ok()) return std::move(whole).error();
      auto read = settings_.feedback(*whole);
      if (!read.ok()) {
        if (read.error().code != ErrorCode::kInvalidArgument &&
            read.error().code != ErrorCode::kNotFound) {
          return std::move(read).error();  // tried again later
        }
        // Never the report's content: it quotes the message complained about.
        spdlog::info("submission {}: a message to the feedback address was not taken: {}",
                     record.id, read.error().message);
      }
      if (rcpts.empty()) {
        auto completed = inbound_.Complete(record.id, {}, {});
        if (!completed.ok()) return std::move(completed).error();
        return std::optional<PreparedDispatch>();
      }
    }
  }

  Submission m;
  m.from = envelope->mail_from;
  std::string problem;  // when set, the whole message is refused with this reason
  // The header says who the message is for and how. The body is taken apart (GMime's
  // parse of the whole message was a fifth of the processor's time at 100 KiB) only when
  // a content rule is to be matched or an escrow copy carries its text and attachments.
  auto header = ParseSubmittedHeader(header_text);
  std::optional<SubmittedMessage> parsed;  // the whole message, once read
  std::optional<Error> unreadable;         // the content could not be read: tried again later
  auto read_body = [&]() -> policy::PlanBody {
    if (!parsed && problem.empty() && !unreadable) {
      auto raw = content();
      if (!raw.ok()) {
        unreadable = std::move(raw).error();
        return {};
      }
      auto whole = ParseSubmittedMessage(*raw);
      if (!whole.ok()) {
        problem = "the message could not be read: " + whole.error().message;
        return {};
      }
      parsed = std::move(*whole);
      m.text = std::move(parsed->text);  // only the attachments are read again
      m.html = std::move(parsed->html);
      std::size_t budget = kMaxRuleText;
      for (const auto& a : parsed->attachments) AddRuleText(m, a.content_type, a.content, &budget);
    }
    policy::PlanBody body{m.text, m.html, {}};
    body.attachment_texts.assign(m.attachment_texts.begin(), m.attachment_texts.end());
    return body;
  };
  if (!header.ok()) {
    problem = "the message could not be read: " + header.error().message;
  } else {
    problem = ApplyHeaderOptions(header->options, settings_.limits, m);
    // The receipt goes to the (authenticated) sender, never to the address the field
    // names: anyone could otherwise have us mail anyone.
    m.read_receipt = header->read_receipt;
    m.subject = header->subject;
  }
  for (const auto& rcpt : envelope->recipients) {
    // Recipients in the envelope and in no header field are blind copies: nobody else's
    // view of the message names them.
    if (!header.ok() || Listed(header->to, rcpt.address)) {
      m.to.push_back(rcpt.address);
    } else if (Listed(header->cc, rcpt.address)) {
      m.cc.push_back(rcpt.address);
    } else {
      m.bcc.push_back(rcpt.address);
    }
  }

  policy::RecipientPlan plan;
  if (problem.empty() && header->already_encrypted) {
    // Already end-to-end encrypted by the sender's program: delivered as it is.
    for (const auto* list : {&m.to, &m.cc, &m.bcc}) {
      for (const auto& a : *list) {
        plan.send_plain.push_back(
            {a, KindOf(m, list), "already encrypted by the sender's mail program → as it is"});
      }
    }
  } else if (problem.empty()) {
    policy::PlanInput input = PlanInputOf(m, /*interactive=*/false);
    input.read_body = read_body;
    auto planned = planner_.Plan(input);
    if (!planned.ok()) return std::move(planned).error();
    plan = std::move(*planned);
    if (plan.refused && problem.empty()) problem = *plan.refused;
    // An escrow copy carries the text and the attachments.
    if (!plan.recipients.empty()) read_body();
    if (unreadable) return std::move(*unreadable);
  }
  if (!problem.empty()) {
    spdlog::info("submission {}: refused for every recipient: {}", record.id, problem);
    plan = policy::RecipientPlan{};
    for (const auto* list : {&m.to, &m.cc, &m.bcc}) {
      for (const auto& a : *list) plan.bounce.push_back({a, KindOf(m, list), problem});
    }
  }

  Dispatch d;
  d.submission = &m;
  auto account = directory_.AccountOfUser(envelope->auth_user.empty() ? m.from : envelope->auth_user);
  d.account = account.ok() ? *account : "default";
  d.client_address = record.client_address;
  // The message keeps the id its SMTP client was given in the 250.
  d.draft = escrow_.BeginDraft(record.id);
  if (!plan.recipients.empty()) {
    for (std::size_t i = 0; i < parsed->attachments.size(); ++i) {
      const auto& a = parsed->attachments[i];
      const bool ok_meta = CheckAttachmentMeta("attachment", a.filename, a.content_type).empty();
      auto status = d.draft->StartAttachment(ok_meta ? a.filename : "attachment-" + std::to_string(i + 1),
                                             ok_meta ? a.content_type : "application/octet-stream");
      if (status.ok()) status = d.draft->AppendAttachment(a.content);
      if (status.ok()) status = d.draft->FinishAttachment();
      if (!status.ok()) return std::move(status).error();
    }
  }
  // X-Sealpost-* fields may hold an answer: they never leave.
  d.message = OpenMadeOnce([&]() -> Result<std::string> {
    auto raw = content();
    if (!raw.ok()) return std::move(raw).error();
    return StripSealpostHeaders(*raw);
  });
  if (!record.content_blob.empty() && !HasSealpostHeaders(header_text)) {
    // Nothing to take out: the copies that carry it as it is refer to the spooled blob.
    ContentBits bits = record.content_bits;
    if (bits == ContentBits::kUnknown) {  // spooled before the bits were kept
      auto raw = content();
      if (!raw.ok()) return std::move(raw).error();
      bits = BitsOf(*raw);
    }
    d.spooled_message = SpooledContent{record.content_blob, record.content_key, bits};
  }
  d.reference = "(queued as " + record.id + " on " + FormatHumanDate(record.received_at) + ")";
  d.consumed_inbound = record.id;
  for (const auto& rcpt : envelope->recipients) {
    std::string dsn = DsnJson(*envelope, rcpt);
    if (!dsn.empty()) d.dsn_by_address[AsciiLower(rcpt.address)] = std::move(dsn);
  }
  // Ties the outcome to the id the SMTP client was given in its 250.
  d.events.push_back({0, "", "", "submitted", record.received_at, record.client_address,
                      "queued as " + record.id});
  d.plan = std::move(plan);
  auto prepared = dispatcher_.Prepare(std::move(d));
  if (!prepared.ok()) return std::move(prepared).error();
  return std::optional<PreparedDispatch>(std::move(*prepared));
}

}  // namespace sealpost::submission
