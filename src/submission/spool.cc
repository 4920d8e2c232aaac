#include "submission/spool.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <system_error>

#include "crypto/primitives.h"
#include "crypto/random.h"
#include "mime/submitted.h"
#include "queue/queue_entry.h"
#include "store/blob_store.h"
#include "submission/envelope_json.h"

namespace sealpost::submission {
namespace {

// A batch is cut at this many bytes of content, so one commit holds bounded memory.
constexpr std::size_t kMaxBatchBytes = 64 * 1024 * 1024;
// Threads that write a batch's blobs at once (the committer thread is one of them): about
// as many as a batch holds large messages (20 sessions: up to 20). Each blob waits for two
// syncs (its file, then its directory), and syncs that wait together share one journal
// commit: with 4 writers a batch of 16 waited for four rounds of them. 100 KiB relay on a
// journaled ext4, same run, against 4: +11 % (4 rounds), +3 % (6 rounds).
constexpr std::size_t kBlobWriters = 16;

}  // namespace

Spool::Spool(InboundStore& store, BlobStore& blobs, const PurposeKey& queue_key,
             const Clock& clock, std::function<void()> on_committed, const Backlog* backlog)
    : store_(store), blobs_(blobs), queue_key_(queue_key), clock_(clock),
      on_committed_(std::move(on_committed)), backlog_(backlog) {}

namespace {

std::int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Spool::~Spool() { Stop(); }

void Spool::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  for (std::size_t i = committers_.size(); i < kCommitters; ++i) {
    committers_.emplace_back([this, i] { Loop(i); });
  }
}

void Spool::Stop() {
  std::vector<std::thread> committers;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    committers.swap(committers_);
  }
  cv_.notify_all();
  for (auto& committer : committers) committer.join();
  std::deque<Pending> left;
  {
    std::lock_guard lock(mu_);
    left.swap(pending_);
  }
  for (auto& p : left) p.done(MakeError(ErrorCode::kFailedPrecondition, "shutting down"));
}

void Spool::Commit(smtp::Submission submission, std::function<void(Result<std::string>)> done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && !committers_.empty()) {
      pending_.push_back({std::move(submission), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(MakeError(ErrorCode::kFailedPrecondition, "the spool is not running"));
}

std::uint64_t Spool::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

std::uint64_t Spool::committed() const {
  std::lock_guard lock(mu_);
  return committed_;
}

void Spool::Loop(std::size_t committer) {
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping with nothing to do
      std::size_t bytes = 0;
      while (!pending_.empty() && (batch.empty() || bytes < kMaxBatchBytes)) {
        bytes += pending_.front().submission.content.size();
        batch.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
      // Back-pressure: too much waits already. Refused, a client tries again later;
      // slowed down, it waits for its 250 while the backlog drains (and whoever arrives
      // meanwhile joins the next batch).
      const auto pressure = backlog_ ? backlog_->pressure() : Backlog::Pressure::kNone;
      if (pressure == Backlog::Pressure::kSlowDown) {
        cv_.wait_for(lock, backlog_->limits().in_flow_delay, [&] { return stopping_; });
      }
      if (pressure == Backlog::Pressure::kRefuse) {
        lock.unlock();
        for (auto& p : batch) {
          WipeMemory(p.submission.content.data(), p.submission.content.size());
          p.done(MakeError(ErrorCode::kResourceExhausted, smtp::MessageSink::kTooMuchWaiting));
        }
        continue;
      }
    }
    committing_since_ms_[committer] = SteadyMillis();
    CommitBatch(batch);
    committing_since_ms_[committer] = 0;
  }
}

Status Spool::Alive(std::chrono::milliseconds bound) const {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || committers_.empty()) {
      return MakeError(ErrorCode::kUnavailable, "not running");
    }
  }
  for (const auto& since_ms : committing_since_ms_) {
    const std::int64_t since = since_ms;
    if (since != 0 && SteadyMillis() - since > bound.count()) {
      return MakeError(ErrorCode::kUnavailable, "a commit has not finished");
    }
  }
  return OkStatus();
}

void Spool::CommitBatch(std::deque<Pending>& batch) {
  const std::int64_t now = clock_.NowUnix();
  std::vector<InboundRecord> records(batch.size());
  std::vector<std::optional<Error>> failed(batch.size());
  std::size_t large = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const smtp::Submission& s = batch[i].submission;
    InboundRecord& r = records[i];
    r.id = NewId();
    r.received_at = now;
    r.client_address = s.client_address;
    r.auth_user = s.envelope.auth_user;
    r.envelope_json = EnvelopeToJson(s.envelope);
    r.next_attempt_at = now;
    if (s.content.size() > kInlineQueueBytes) ++large;
  }
  // Boxes one message's content into its row, or writes it into its blob.
  auto seal = [&](std::size_t i) {
    std::string& content = batch[i].submission.content;
    InboundRecord& r = records[i];
    if (content.size() > kInlineQueueBytes) {
      auto spooled = SpoolQueueContent(blobs_, queue_key_, content);
      if (!spooled.ok()) {
        failed[i] = std::move(spooled).error();
      } else {
        r.content_blob = std::move(spooled->blob_id);
        r.content_key = std::move(spooled->boxed_key);
        r.content_bits = spooled->bits;
        // Its header section beside it: planning reads that, not the blob.
        const std::string_view header = HeaderSection(content);
        if (header.size() <= kMaxKeptHeader) {
          auto boxed = queue_key_.Seal(header, InboundHeaderAad(r.id));
          if (boxed.ok()) {
            r.sealed_header = std::move(*boxed);
          } else {
            failed[i] = std::move(boxed).error();
          }
        }
      }
    } else {
      auto boxed = queue_key_.Seal(content, InboundContentAad(r.id));
      if (boxed.ok()) {
        r.sealed_content = std::move(*boxed);
      } else {
        failed[i] = std::move(boxed).error();
      }
    }
    WipeMemory(content.data(), content.size());
  };
  // Blobs are written on several threads at once: each one's syncs wait on the disk, not
  // on the CPU, and every 250 of the batch waits for the last of them (one at a time, a
  // 100 KiB message cost 1.5 ms here, and the batch as many times that).
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i; (i = next++) < batch.size();) seal(i);
  };
  std::vector<std::thread> helpers;
  for (std::size_t t = 1; t < std::min(kBlobWriters, large); ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // fewer helpers: the same work, slower
    }
  }
  work();
  for (auto& t : helpers) t.join();
  Status status = OkStatus();
  for (auto& f : failed) {
    if (f) {
      status = std::move(*f);
      break;
    }
  }
  // The commit point: after this, every message of the batch survives a crash.
  if (status.ok()) status = store_.InsertBatch(records);
  if (!status.ok()) {
    spdlog::error("spool: batch of {} not committed: {}", batch.size(), status.error().ToString());
    for (const auto& r : records) {
      if (!r.content_blob.empty()) (void)blobs_.Remove(r.content_blob);
    }
    // A full disk is told as such (the details, with their paths, stay in the log).
    const Error told =
        status.error().code == ErrorCode::kResourceExhausted
            ? MakeError(ErrorCode::kResourceExhausted, smtp::MessageSink::kStorageFull)
            : status.error();
    for (auto& p : batch) p.done(told);
    return;
  }
  {
    std::lock_guard lock(mu_);
    ++batches_;
    committed_ += batch.size();
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(records[i].id);
  if (on_committed_) on_committed_();
}

}  // namespace sealpost::submission
