#include "delivery/queue_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "base/encoding.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "delivery/dsn.h"
#include "delivery/report.h"
#include "delivery/smtp_wire.h"
#include "dkim/dkim.h"
#include "metrics/registry.h"
#include "queue/queue_entry.h"
#include "store/blob_store.h"

namespace sealpost {

using Outcome = DeliveryReport::Outcome;

// Where the target's callbacks leave results. Shared, so a callback arriving after the
// runner is gone finds a closed inbox instead of freed memory.
struct QueueRunner::SweepList {
  std::mutex mu;
  std::vector<std::string> ids;  // durably spent, waiting for the sweeper
  bool busy = false;             // a list is waiting or being removed
};

struct QueueRunner::Inbox {
  std::mutex mu;
  bool closed = false;
  std::vector<std::vector<RecipientResult>> transactions;
  PollingWorker* worker = nullptr;

  void Add(std::vector<RecipientResult> results) {
    std::lock_guard lock(mu);
    if (closed) return;
    transactions.push_back(std::move(results));
    if (worker) worker->Notify();
  }
};

namespace {

// What one pass over a content finds, before any of it leaves.
struct Survey {
  std::string header;     // the header block (fields, CRLF-ended), for DSNs and DKIM
  bool header_read = false;
  std::string body_hash;  // relaxed (DKIM), when the header is of a message to sign
  std::string digest;     // SHA-256 of the whole, when asked for (inline content)
  bool eight_bit = false;
  bool signed_body = false;  // body_hash was computed: the message is to be signed
  std::string prefix;     // the DKIM-Signature fields
};

// What a pass must learn by reading a content. Reading stops at the end of the header
// when nothing past it is asked for (a large content is decrypted again as it leaves).
struct SurveyAsk {
  QueueRunner::CoversFn covers;  // DKIM: the body is hashed when it covers the header
  bool digest = false;           // inline content is known by its hash
  bool eight_bit = false;        // not recorded when the content was queued
  bool Anything() const { return covers || digest || eight_bit; }
};

// A header block larger than this is cut here (DKIM refuses to sign one anyway).
constexpr std::size_t kMaxHeaderBlock = 1 << 20;

// Reads the content piece by piece, once, as far as `ask` needs: its header, whether it
// is 8-bit, (when `covers` says the header is of a message to sign) the relaxed hash of
// its body, and the hash of it all.
Result<Survey> SurveyContent(const QueueContent& content, const SurveyAsk& ask) {
  Survey out;
  auto reader = content.Open();
  if (!reader.ok()) return std::move(reader).error();
  dkim::RelaxedBodyHasher hasher;
  Sha256Hasher whole;
  bool in_header = true;
  bool hash_body = false;
  std::string piece;
  for (;;) {
    auto more = (*reader)->Next(piece);
    if (!more.ok()) return std::move(more).error();
    if (!*more) break;
    if (ask.eight_bit) out.eight_bit = out.eight_bit || HasEightBit(piece);
    if (ask.digest) whole.Update(piece);
    std::string_view body = piece;
    if (in_header) {
      const std::size_t had = out.header.size();
      out.header.append(piece, 0, std::min(piece.size(), kMaxHeaderBlock + 4 - had));
      auto end = out.header.find("\r\n\r\n", had < 3 ? 0 : had - 3);
      if (end != std::string::npos) {
        body.remove_prefix(end + 4 - had);  // the body begins in this piece
        out.header.resize(end + 2);
        in_header = false;
      } else if (out.header.size() > kMaxHeaderBlock) {
        out.header.resize(kMaxHeaderBlock);
        in_header = false;
        body = {};
      } else {
        body = {};
      }
      hash_body = !in_header && ask.covers && ask.covers(out.header);
    }
    if (hash_body) hasher.Update(body);
    WipeMemory(piece.data(), piece.size());
    if (!in_header && !hash_body && !ask.digest && !ask.eight_bit) break;
  }
  out.header_read = true;
  // A message that is all header (no empty line) has an empty body, hashed as such.
  if (in_header) hash_body = ask.covers && ask.covers(out.header);
  if (hash_body) out.body_hash = hasher.Final();
  out.signed_body = hash_body;
  if (ask.digest) out.digest = HexEncode(whole.Final());
  return out;
}

// The header of content that left without it being read: what a DSN quotes.
std::string ReadHeader(const QueueContent& content, const std::string& entry_id) {
  auto survey = SurveyContent(content, SurveyAsk{});
  if (survey.ok()) return std::move(survey->header);
  spdlog::error("queue[{}]: the DSN quotes no header: {}", entry_id, survey.error().ToString());
  return "";
}

}  // namespace

QueueRunner::QueueRunner(QueueSettings settings, QueueStore& queue, BlobStore& blobs,
                         DeliveryTarget& target, const PurposeKey& queue_key, const Clock& clock)
    : settings_(std::move(settings)),
      queue_(queue),
      blobs_(blobs),
      target_(target),
      queue_key_(queue_key),
      clock_(clock),
      inbox_(std::make_shared<Inbox>()),
      sweep_(std::make_unique<SweepList>()),
      sweeper_(
          [this] {
            Sweep();
            return false;
          },
          std::chrono::seconds(1), WorkerPriority::kBackground),
      // Neither the recorder nor the starter is niced (queue_runner.h): a campaign killed
      // mid-way sent 40 notices twice with the one thread of old niced, and 16 with only
      // the starter niced (the outbox answers at the end of the starter's pass); at most
      // 2 with neither.
      recorder_(
          [this] {
            RecordPass();
            return false;
          },
          std::chrono::seconds(1)),
      worker_([this] { return StartPass() > 0; }, std::chrono::seconds(1)) {
  inbox_->worker = &recorder_;
}

QueueRunner::~QueueRunner() { Stop(); }

void QueueRunner::Start() {
  auto released = queue_.ReleaseInFlight(clock_.NowUnix());
  if (!released.ok()) {
    spdlog::error("queue: cannot release entries in flight: {}", released.error().ToString());
  } else if (*released > 0) {
    spdlog::info("queue: {} entries were in flight when sealpost stopped; due again", *released);
  }
  started_ = true;
  sweeper_.Start();
  recorder_.Start();
  worker_.Start();
}

void QueueRunner::Stop() {
  {
    std::lock_guard lock(inbox_->mu);
    inbox_->closed = true;
    inbox_->worker = nullptr;
  }
  worker_.Stop();
  recorder_.Stop();
  // A scrub still waiting runs now, so a copy of the files taken after a stop holds
  // nothing of what ended.
  if (scrub_due_) Scrub(clock_.NowUnix());
  sweeper_.Stop();
  Sweep();  // what the last scrub listed goes before Stop returns
}

void QueueRunner::Notify() { worker_.Notify(); }

Status QueueRunner::Alive() const {
  for (const auto& [what, worker] :
       {std::pair<const char*, const PollingWorker*>{"starting deliveries", &worker_},
        {"recording results", &recorder_}}) {
    if (auto alive = worker->Alive(std::chrono::minutes(5)); !alive.ok()) {
      return MakeError(alive.error().code, std::string(what) + ": " + alive.error().message);
    }
  }
  return OkStatus();
}

std::size_t QueueRunner::in_flight() const {
  std::lock_guard lock(flight_mu_);
  return in_flight_.size();
}

std::int64_t QueueRunner::Backoff(int attempts) const {
  std::int64_t delay = settings_.first_retry_seconds;
  for (int i = 0; i < attempts && delay < settings_.max_retry_seconds; ++i) delay *= 2;
  return std::min(delay, settings_.max_retry_seconds);
}

void QueueRunner::RemoveSpentContent(std::int64_t now, bool synced) {
  last_sweep_ = now;
  {
    // One list at a time: a list still being removed would be listed again.
    std::lock_guard lock(sweep_->mu);
    if (sweep_->busy) {
      blobs_due_ = true;  // the next scrub lists what this one would have
      return;
    }
  }
  // Results are recorded without a sync of their own (Database::Commit::kRecoverable):
  // a blob goes only once the ends that spent it are on disk, or a power failure could
  // bring back an entry whose content is gone. So the list is taken here, after the
  // checkpoint, and only what it names is removed.
  if (!synced) {
    if (auto scrubbed = queue_.ScrubDeleted(); !scrubbed.ok()) {
      spdlog::warn("queue: spent content left for later: {}", scrubbed.error().ToString());
      return;
    }
  }
  auto spent = queue_.SpentContent(kSweepBatch);
  if (!spent.ok()) {
    spdlog::warn("queue: spent content not found: {}", spent.error().ToString());
    return;
  }
  if (spent->empty()) return;
  if (spent->size() == static_cast<std::size_t>(kSweepBatch)) blobs_due_ = true;  // more later
  {
    std::lock_guard lock(sweep_->mu);
    sweep_->busy = true;
    sweep_->ids = std::move(*spent);
  }
  if (started_) {
    sweeper_.Notify();
  } else {
    Sweep();  // no threads (tests): at once
  }
}

void QueueRunner::Sweep() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(sweep_->mu);
    ids.swap(sweep_->ids);
  }
  // Removed before forgotten: a crash in between finds them again.
  std::size_t removed = 0;
  for (; removed < ids.size(); ++removed) {
    if (auto status = blobs_.Remove(ids[removed]); !status.ok()) {
      spdlog::warn("queue: content blob {} not removed: {}", ids[removed],
                   status.error().ToString());
      break;
    }
  }
  ids.resize(removed);
  if (!ids.empty()) {
    if (auto forgotten = queue_.ForgetContent(ids); !forgotten.ok()) {
      spdlog::warn("queue: spent content not forgotten: {}", forgotten.error().ToString());
    }
  }
  std::lock_guard lock(sweep_->mu);
  sweep_->busy = false;
}

void QueueRunner::CountInto(metrics::Registry* metrics) {
  metrics_ = metrics;
  if (metrics_ == nullptr) return;
  metrics_->DeclareCounter("sealpost_deliveries_total",
                           "Delivery attempts by outcome, target, TLS version and how the "
                           "receiving server was authenticated (dane, mta-sts, none).");
}

int QueueRunner::RunOnce() {
  RecordPass();
  const int started = StartPass();
  // A target that completes within the pass (the outbox) has left its results already.
  RecordPass();
  return started;
}

void QueueRunner::RecordPass() {
  const std::int64_t now = clock_.NowUnix();
  Record(now);
  ScrubIfDue(now);  // one that waited for the clock to move
  // Content whose entries ended some other way (retracted, deleted by an administrator).
  if (now - last_sweep_ >= kSweepSeconds) RemoveSpentContent(now, /*synced=*/false);
}

int QueueRunner::StartPass() {
  const std::int64_t now = clock_.NowUnix();
  int room = settings_.max_in_flight - static_cast<int>(in_flight());
  if (room <= 0) return 0;
  auto due = queue_.Claim(now, room, now + settings_.lease_seconds);
  if (!due.ok()) {
    spdlog::error("queue: cannot claim due entries: {}", due.error().ToString());
    return 0;
  }

  // Same sender, same recipient domain, same content: one transaction (up to a limit).
  // Each content is read once here (its header, 8-bit or not, its DKIM signature) and
  // again by each transaction as it leaves, a piece at a time.
  struct Content {
    std::shared_ptr<const QueueContent> content;
    Survey survey;
  };
  std::map<std::string, Content> contents;  // by blob, or by digest of inline content
  std::map<std::string, std::vector<OutboundMessage>> groups;
  std::vector<QueueUpdate> unreadable;
  std::vector<std::pair<std::string, Pending>> started;
  for (QueueEntry& entry : *due) {
    // Blob content is known by its blob, read once per pass; inline content (small) is
    // read for each entry and known by its digest.
    auto found = contents.find("blob " + entry.content_blob);
    Status status = OkStatus();
    if (entry.content_blob.empty() || found == contents.end()) {
      auto opened = OpenQueueContent(blobs_, queue_key_, entry);
      SurveyAsk ask{sign_ ? covers_ : CoversFn(), entry.content_blob.empty(),
                    entry.content_bits == ContentBits::kUnknown};
      // A blob whose bits were recorded, with nothing to sign: not read before it leaves.
      auto survey = !opened.ok()     ? Result<Survey>(opened.error())
                    : ask.Anything() ? SurveyContent(**opened, ask)
                                     : Result<Survey>(Survey{});
      if (survey.ok() && !ask.eight_bit) {
        survey->eight_bit = entry.content_bits == ContentBits::kEightBit;
      }
      if (survey.ok()) {
        const std::string same =
            entry.content_blob.empty() ? survey->digest : "blob " + entry.content_blob;
        found = contents.find(same);
        if (found == contents.end()) {
          // Signed once per content, whatever number of transactions carry it.
          if (sign_ && survey->signed_body) {
            auto fields = sign_(survey->header, survey->body_hash);
            if (fields.ok()) {
              survey->prefix = std::move(*fields);
            } else {
              spdlog::error("queue[{}]: leaves without a DKIM signature: {}", entry.id,
                            fields.error().ToString());
            }
          }
          found = contents.emplace(same, Content{std::move(*opened), std::move(*survey)}).first;
        }
      } else {
        status = std::move(survey).error();
      }
    }
    entry.sealed_content.clear();
    entry.content_key.clear();
    if (!status.ok()) {
      spdlog::error("queue[{}]: content cannot be opened: {}", entry.id, status.error().ToString());
      unreadable.push_back({entry.id, QueueState::kDeferred, now + Backoff(entry.attempts),
                            status.error().code == ErrorCode::kNotFound
                                ? "content is missing: its blob is gone"
                                : "content cannot be opened with this node's queue key",
                            ""});
      continue;
    }
    auto& list = groups[entry.mail_from + '\n' + delivery::DomainOf(entry.rcpt_to) + '\n' +
                        found->first + (entry.tls_required ? "\ntls" : "")];
    if (list.empty() || list.back().recipients.size() >= settings_.max_recipients_per_transaction) {
      OutboundMessage message;
      message.mail_from = entry.mail_from;
      message.prefix = found->second.survey.prefix;
      message.content = found->second.content;
      message.size = message.prefix.size() + message.content->size();
      message.eight_bit = found->second.survey.eight_bit;
      message.tls_required = entry.tls_required;
      list.push_back(std::move(message));
    }
    list.back().recipients.push_back({entry.id, entry.rcpt_to});
    const Survey& survey = found->second.survey;
    started.emplace_back(entry.id, Pending{entry, survey.header,
                                           survey.header_read ? nullptr : found->second.content});
  }
  if (!unreadable.empty()) (void)queue_.Record(unreadable, {}, {});
  {
    // In flight before any leaves: its result may come back before Deliver returns.
    std::lock_guard lock(flight_mu_);
    for (auto& [id, pending] : started) in_flight_[id] = std::move(pending);
  }
  for (auto& [key, messages] : groups) {
    for (auto& message : messages) {
      std::weak_ptr<Inbox> inbox = inbox_;
      target_.Deliver(std::move(message), [inbox](std::vector<RecipientResult> results) {
        if (auto box = inbox.lock()) box->Add(std::move(results));
      });
    }
  }
  target_.EndOfPass();
  return static_cast<int>(due->size());
}

void QueueRunner::Record(std::int64_t now) {
  std::vector<std::vector<RecipientResult>> transactions;
  {
    std::lock_guard lock(inbox_->mu);
    transactions.swap(inbox_->transactions);
  }
  if (transactions.empty()) return;
  std::map<std::string, Pending> finished;
  {
    std::lock_guard lock(flight_mu_);
    for (const auto& results : transactions) {
      for (const auto& result : results) {
        auto it = in_flight_.find(result.queue_id);
        if (it == in_flight_.end()) continue;
        finished.emplace(result.queue_id, std::move(it->second));
        in_flight_.erase(it);
      }
    }
  }
  if (finished.empty()) return;
  worker_.Notify();  // room for more in flight
  std::vector<QueueUpdate> updates;
  std::vector<QueueEntry> dsns;
  std::vector<EventRecord> events;
  bool blob_may_be_spent = false;
  for (auto& results : transactions) {
    delivery::DsnInput dsn;
    dsn.reporting_mta = settings_.hostname;
    dsn.organisation = settings_.organisation;
    dsn.now = now;
    std::string original_header;
    std::string dsn_message_id;
    for (auto& result : results) {
      auto it = finished.find(result.queue_id);
      if (it == finished.end()) continue;  // recorded once, should the target say it twice
      Pending pending = std::move(it->second);
      finished.erase(it);
      const QueueEntry& e = pending.entry;
      const DeliveryReport& report = result.report;
      QueueUpdate u{e.id, QueueState::kDeferred, now, report.reply,
                    delivery::ReportToJson(report)};
      bool failed = false, expired = false;
      switch (report.outcome) {
        case Outcome::kDelivered:
          u.state = QueueState::kDelivered;
          spdlog::info("queue[{}]: delivered via {} ({})", e.id,
                       report.mx_host.empty() ? "outbox" : report.mx_host,
                       report.tls_version.empty() ? "no TLS" : report.tls_version);
          break;
        case Outcome::kBounced:
          u.state = QueueState::kBounced;
          failed = true;
          spdlog::warn("queue[{}]: bounced: {}", e.id, report.reply);
          break;
        case Outcome::kNoTls:
          // Never in clear: the fallback prepared at submission (an escrow notice,
          // normally) stands in for this copy now. Only TLS-only entries have one; any
          // other entry waits and tries again, so nothing ends without a successor.
          if (e.tls_required) {
            u.state = QueueState::kReplanned;
            spdlog::warn("queue[{}]: TLS-only copy replanned: {}", e.id, report.reply);
            break;
          }
          [[fallthrough]];
        case Outcome::kDeferred:
          if (now - e.created_at >= settings_.max_age_seconds) {
            u.state = QueueState::kExpired;
            failed = expired = true;
            spdlog::warn("queue[{}]: expired after {} attempts: {}", e.id, e.attempts + 1,
                         report.reply);
          } else {
            u.next_attempt_at = now + Backoff(e.attempts);
            spdlog::info("queue[{}]: deferred for {}s: {}", e.id, u.next_attempt_at - now,
                         report.reply);
          }
          break;
      }
      if (metrics_) {
        metrics_->Add("sealpost_deliveries_total",
                      {{"outcome", delivery::OutcomeName(report.outcome)},
                       {"target", report.mx_host.empty() ? "outbox" : "smtp"},
                       {"tls", report.tls_version.empty() ? "none" : report.tls_version},
                       {"authentication",
                        report.authentication.empty() ? "none" : report.authentication}});
      }
      updates.push_back(u);
      // Its end may leave a content blob unreferenced: its own, or a standby's.
      if (u.state != QueueState::kDeferred && (!e.content_blob.empty() || e.tls_required)) {
        blob_may_be_spent = true;
      }
      if (!e.message_id.empty() && u.state != QueueState::kDelivered) {
        events.push_back({0, e.message_id, e.recipient_id, QueueStateName(u.state), now, "",
                          report.reply});
      }
      auto wishes = delivery::ParseDsnRequest(e.dsn);
      if (!failed || e.mail_from.empty() || !wishes.WantsFailure()) continue;
      if (dsn.to.empty()) {
        dsn.to = e.mail_from;
        dsn.envelope_id = wishes.envid;
        dsn.arrival = e.created_at;
        original_header = pending.unread ? ReadHeader(*pending.unread, e.id) : pending.header;
        dsn_message_id = e.message_id;
      }
      dsn.recipients.push_back({e.rcpt_to, wishes.orcpt, expired,
                                report.mx_host.empty() ? "" : report.reply,
                                report.mx_host.empty() ? report.reply : "", report.mx_host, now});
    }
    if (dsn.recipients.empty()) continue;
    dsn.original = original_header + "\r\n";
    auto text = delivery::BuildDsn(dsn);
    if (!text.ok()) {
      spdlog::error("queue: DSN to {} not made: {}", dsn.to, text.error().ToString());
      continue;
    }
    auto entry = SealQueueEntry(queue_key_, "", dsn.to, *text, now);
    if (!entry.ok()) continue;
    entry->message_id = dsn_message_id;
    dsns.push_back(std::move(*entry));
  }
  if (updates.empty()) return;
  auto status = queue_.Record(updates, dsns, events);
  if (!status.ok()) {
    // The leases bring these entries back; delivered ones may go out twice.
    spdlog::error("queue: results not recorded: {}", status.error().ToString());
    return;
  }
  if (!dsns.empty()) worker_.Notify();
  // Content of entries that ended is deleted; it leaves the files too (the write-ahead
  // log keeps old pages until it is truncated), so a copy of the data taken after a
  // notice was delivered holds no link secret.
  const bool ended = std::any_of(updates.begin(), updates.end(), [](const QueueUpdate& u) {
    return u.state != QueueState::kDeferred;
  });
  if (ended) scrub_due_ = true;
  if (blob_may_be_spent) blobs_due_ = true;
  ScrubIfDue(now);
}

void QueueRunner::ScrubIfDue(std::int64_t now) {
  // At most one checkpoint a second: it rewrites the database and holds it while it
  // does, which under load cost half the relay's throughput when it ran after every
  // batch. So an ended entry's content leaves the files at once when the queue is quiet,
  // and within two seconds when it is busy (the worker passes at least once a second).
  if (scrub_due_ && now != last_scrub_) Scrub(now);
}

void QueueRunner::Scrub(std::int64_t now) {
  last_scrub_ = now;
  // The checkpoint also puts the results recorded (and the dispatches before them) on disk.
  if (auto scrubbed = queue_.ScrubDeleted(); !scrubbed.ok()) {
    spdlog::warn("queue: deleted content not scrubbed yet: {}", scrubbed.error().ToString());
    return;
  }
  scrub_due_ = false;
  if (blobs_due_) {
    blobs_due_ = false;
    RemoveSpentContent(now, /*synced=*/true);
  }
}

}  // namespace sealpost
