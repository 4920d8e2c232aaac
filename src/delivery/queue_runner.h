// QueueRunner: the one way mail leaves sealpost. A background thread takes due entries
// from the durable queue, opens their content (sealed under the queue key), hands them
// to the DeliveryTarget, and records the outcome; a failed attempt is retried with
// exponential backoff. The queue is the commit point: an entry is only marked
// delivered after the target accepted it, so a crash delivers twice rather than never.
// This is the first, simple queue: issue 4 adds states, limits, fairness and SMTP.
// Thread-safety: Notify() and Stop() may be called from any thread.
#pragma once

#include <functional>

#include "base/clock.h"
#include "base/secret.h"
#include "base/worker.h"
#include "delivery/target.h"
#include "store/stores.h"

namespace sealpost {

class QueueRunner {
 public:
  using DeliveredFn = std::function<void(const QueueEntry&)>;

  QueueRunner(QueueStore& queue, DeliveryTarget& target, const SecretBytes& queue_key,
              const Clock& clock, DeliveredFn on_delivered);
  ~QueueRunner();

  void Start();
  void Stop();
  // Something was queued: look now rather than at the next poll.
  void Notify();
  // Runs one pass over the due entries; returns how many were delivered. For tests.
  int RunOnce();

 private:
  QueueStore& queue_;
  DeliveryTarget& target_;
  const SecretBytes& queue_key_;
  const Clock& clock_;
  DeliveredFn on_delivered_;
  PollingWorker worker_;  // last: its thread uses everything above
};

}  // namespace sealpost
