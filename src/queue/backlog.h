// Back-pressure. Mail can be accepted faster than it is processed and sent (twenty
// SMTP clients hand in a few thousand messages a second; a few hundred a second leave).
// The backlog is what waits: submissions not yet processed and queue entries not yet
// sent. Past `slow_down` every acceptance waits a little (as Postfix's in_flow_delay
// does), so clients slow to the pace of delivery; past `refuse` new mail is refused with
// a temporary error (SMTP 452 4.3.1, HTTP 503 with Retry-After) instead of filling the
// disk. The count is a query: a worker refreshes it once a second, and callers on the
// event loop read the last one without touching the database.
// Thread-safety: safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "base/clock.h"
#include "base/worker.h"

namespace sealpost {

class InboundStore;
class QueueStore;

struct BacklogLimits {
  std::int64_t slow_down = 5000;
  std::int64_t refuse = 50000;
  // How long an acceptance waits past `slow_down`.
  std::chrono::milliseconds in_flow_delay{1000};
};

struct BacklogCount {
  std::int64_t submissions = 0;  // accepted by SMTP, not yet processed
  std::int64_t outbound = 0;     // queue entries waiting to leave now (or in flight)
  std::int64_t total() const { return submissions + outbound; }
};

class Backlog {
 public:
  enum class Pressure { kNone, kSlowDown, kRefuse };

  Backlog(BacklogLimits limits, InboundStore& inbound, QueueStore& queue, const Clock& clock);
  ~Backlog();

  // Refreshes every second on a thread of its own, until Stop.
  void Start();
  void Stop();
  // Counts now; returns the count (a failed count keeps the last one, logged).
  BacklogCount Refresh();

  BacklogCount last() const;
  Pressure pressure() const;
  const BacklogLimits& limits() const { return limits_; }

 private:
  const BacklogLimits limits_;
  InboundStore& inbound_;
  QueueStore& queue_;
  const Clock& clock_;
  std::atomic<std::int64_t> submissions_{0};
  std::atomic<std::int64_t> outbound_{0};
  std::unique_ptr<PollingWorker> worker_;
};

const char* PressureName(Backlog::Pressure p);

}  // namespace sealpost
