// QueueRunner: the one way mail leaves sealpost. A background thread claims due entries
// from the durable queue (in one transaction they become in_flight, leased), opens
// their content (sealed under the queue key), groups entries with the same sender,
// recipient domain and content into one transaction, and hands them to the
// DeliveryTarget. Results come back on any thread; a second thread records them together:
// delivered; deferred with exponential backoff; bounced (5xx) or expired (older than
// the maximum age) with a DSN to the sender — never to the null sender.
// Two threads, so that a result never waits behind a pass that reads, hashes and signs
// the next hundred entries: a result left waiting is a message sent twice should the
// server die before it is written. Neither is niced: a target that answers at the end of
// the pass that wrote its messages (the outbox) holds them unrecorded while that pass
// runs, and a niced pass runs longest exactly when the machine is busy.
// The queue is the commit point: an entry is marked delivered only after the target
// accepted it, so a crash delivers twice rather than never. Work in memory is bounded
// by `max_in_flight` entries; the oldest due entries go first, new or deferred alike.
// Thread-safety: Notify() and Stop() may be called from any thread.
#pragma once

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/secret.h"
#include "base/worker.h"
#include "crypto/key_ring.h"
#include "delivery/target.h"
#include "store/stores.h"

namespace sealpost::metrics {
class Registry;
}

namespace sealpost {

class BlobStore;
class QueueContent;

struct QueueSettings {
  std::int64_t max_age_seconds = 5 * 86400;  // then expired, and a DSN
  std::int64_t first_retry_seconds = 60;     // doubled after each attempt
  std::int64_t max_retry_seconds = 3600;
  int max_in_flight = 100;                   // entries handed to the target at once
  std::size_t max_recipients_per_transaction = 50;
  std::int64_t lease_seconds = 3600;         // longer than any transaction can take
  std::string hostname = "localhost";        // Reporting-MTA of DSNs
  std::string organisation = "sealpost";
};

class QueueRunner {
 public:
  // `blobs`: where content kept once for many entries lives (queue/queue_entry.h).
  QueueRunner(QueueSettings settings, QueueStore& queue, BlobStore& blobs,
              DeliveryTarget& target, const PurposeKey& queue_key, const Clock& clock);
  ~QueueRunner();

  // Entries this node had in flight when it stopped are due again, then the thread starts.
  void Start();
  // Stops claiming; results of transactions still out are dropped (their leases bring
  // the entries back).
  void Stop();
  // Something was queued or finished: look now rather than at the next poll.
  void Notify();
  // For /readyz: the runner's threads run and neither is stuck in a pass.
  Status Alive() const;

  // DKIM: returns the fields to put on top of a message about to leave ("" for none),
  // given its header block and the relaxed hash of its body (dkim::RelaxedBodyHasher).
  // Set before Start. A message that cannot be signed leaves unsigned (and is logged):
  // delivery matters more than the signature.
  // `covers` says, given the header, whether the message would be signed at all (its From
  // domain has a key): a body is hashed only then, not for every message that leaves.
  using SignFn =
      std::function<Result<std::string>(std::string_view header, const std::string& body_hash)>;
  using CoversFn = std::function<bool(std::string_view header)>;
  void SignWith(SignFn sign, CoversFn covers) {
    sign_ = std::move(sign);
    covers_ = std::move(covers);
  }
  // Deliveries by outcome, TLS version and how the server was authenticated (DANE,
  // MTA-STS, none). Set before Start.
  void CountInto(metrics::Registry* metrics);
  // One pass of both threads' work, on the caller's: records finished results, starts
  // due entries, records what finished meanwhile. Returns how many it started. For tests.
  int RunOnce();
  // Entries handed to the target and not yet recorded.
  std::size_t in_flight() const;

 private:
  struct Inbox;
  struct SweepList;
  struct Pending {
    QueueEntry entry;    // without its content
    std::string header;  // the content's header block, for a DSN
    // When the header was not read as it left: where to read it, if a DSN needs it.
    std::shared_ptr<const QueueContent> unread;
  };

  // The recording thread's pass: results, then what is due with time (scrub, sweep).
  void RecordPass();
  // The starting thread's pass: claims due entries and hands them to the target.
  int StartPass();
  void Record(std::int64_t now);
  // Lists content blobs no entry needs any more, for the sweeper to remove; `synced`:
  // the store was just checkpointed (else it is, first).
  void RemoveSpentContent(std::int64_t now, bool synced);
  // Removes the blobs listed, then forgets them. The sweeper's thread (or the caller's,
  // before Start and after Stop): removing a file can take milliseconds (a discard on
  // some disks), and hundreds of them on the runner's thread held every delivery up
  // for half a second.
  void Sweep();
  static constexpr int kSweepBatch = 1000;
  // Truncates the write-ahead log (and then removes spent blobs) if entries ended since
  // the last time, at most once per second of `now`.
  void ScrubIfDue(std::int64_t now);
  void Scrub(std::int64_t now);
  static constexpr std::int64_t kSweepSeconds = 60;
  std::int64_t Backoff(int attempts) const;

  const QueueSettings settings_;
  QueueStore& queue_;
  BlobStore& blobs_;
  DeliveryTarget& target_;
  const PurposeKey& queue_key_;
  const Clock& clock_;
  SignFn sign_;
  CoversFn covers_;
  metrics::Registry* metrics_ = nullptr;
  std::shared_ptr<Inbox> inbox_;  // shared with the target's callbacks
  mutable std::mutex flight_mu_;  // guards in_flight_ (both threads)
  std::map<std::string, Pending> in_flight_;
  std::int64_t last_sweep_ = 0;  // the recording thread only
  // The recording thread only (and Stop's, once the threads have ended).
  std::int64_t last_scrub_ = std::numeric_limits<std::int64_t>::min();
  bool scrub_due_ = false;  // entries ended since the last checkpoint
  bool blobs_due_ = false;  // and one of them may have left a blob unreferenced
  bool started_ = false;    // set by Start, before the threads
  std::unique_ptr<SweepList> sweep_;
  PollingWorker sweeper_;
  PollingWorker recorder_;  // records results; normal priority
  PollingWorker worker_;    // last: starts deliveries; its thread uses everything above
};

}  // namespace sealpost
