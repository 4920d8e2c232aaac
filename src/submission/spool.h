// The submission spool: where an SMTP message becomes durable before its 250. A
// committer thread writes every message waiting at that moment in one transaction, so
// many parallel sessions share each sync (group commit) and none is acknowledged
// before its bytes are on disk. There are two committers: while one batch waits for its
// sync, the other writes the messages that came meanwhile, so a message waits for the
// rest of a sync rather than for a whole batch (its wait for the database, its writes and
// its sync). Small content is boxed under the queue key into its row;
// large content is written, once, into the sealed blob its queue entries will refer to
// (queue/queue_entry.h), synced before the batch commits, and its header section is
// boxed into the row beside it (what planning reads; InboundRecord::sealed_header).
// Thread-safety: Commit may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/secret.h"
#include "crypto/key_ring.h"
#include "queue/backlog.h"
#include "smtp/server.h"
#include "store/stores.h"

namespace sealpost {
class BlobStore;
}

namespace sealpost::submission {

// The AAD that binds an inbound message's sealed content to its id.
inline std::string InboundContentAad(const std::string& id) { return "sealpost/inbound/v1|" + id; }
// The AAD that binds the header section kept beside a spooled blob to the message's id.
inline std::string InboundHeaderAad(const std::string& id) {
  return "sealpost/inbound-header/v1|" + id;
}
// A header section longer than this is not kept beside its blob (the blob is read).
inline constexpr std::size_t kMaxKeptHeader = 64 * 1024;

class Spool final : public smtp::MessageSink {
 public:
  // `on_committed` runs on the committer thread after each batch (wakes the processor).
  // `backlog` (optional): past its first limit each batch waits its in-flow delay before
  // it commits; past the second, submissions are refused (kResourceExhausted).
  Spool(InboundStore& store, BlobStore& blobs, const PurposeKey& queue_key, const Clock& clock,
        std::function<void()> on_committed, const Backlog* backlog = nullptr);
  ~Spool() override;  // stops (Stop)

  void Start();
  // The committers commit and answer every submission handed over before Stop, then
  // end; one handed over after is refused (4xx). None is lost either way.
  void Stop();

  void Commit(smtp::Submission submission,
              std::function<void(Result<std::string>)> done) override;

  // For /readyz: the committer runs, and no batch has been committing for `bound`.
  Status Alive(std::chrono::milliseconds bound) const;

  // For logs and benchmarks: how many batches and messages were committed.
  std::uint64_t batches() const;
  std::uint64_t committed() const;

 private:
  struct Pending {
    smtp::Submission submission;
    std::function<void(Result<std::string>)> done;
  };
  static constexpr std::size_t kCommitters = 2;
  void Loop(std::size_t committer);
  void CommitBatch(std::deque<Pending>& batch);

  InboundStore& store_;
  BlobStore& blobs_;
  const PurposeKey& queue_key_;
  const Clock& clock_;
  std::function<void()> on_committed_;
  const Backlog* backlog_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> pending_;
  bool stopping_ = false;
  std::uint64_t batches_ = 0, committed_ = 0;
  // When each committer's batch began (steady clock, ms); 0 between batches.
  std::array<std::atomic<std::int64_t>, kCommitters> committing_since_ms_{};
  std::vector<std::thread> committers_;
};

}  // namespace sealpost::submission
