// GET /readyz: whether this node can take and move mail now, for load balancers and
// service managers (/healthz says only that the process answers). Each part is asked in
// turn: 200 with every part's "ok", or 503 (an RFC 9457 problem) naming the parts that
// are not and why, in a few words. The route needs no credential, so details (paths,
// system errors) go to the log, never into the answer, and the checks (one writes and
// syncs a file) run at most once a clock second, whoever asks how often.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "http/message.h"

namespace sealpost {

class BlobStore;
class Clock;
class QueueStore;

struct ReadinessCheck {
  std::string name;
  // Blocking (it may touch the disk): run off the event loop. Its error's message is
  // what the answer says.
  std::function<Status()> check;
};

// Runs every check, in order, and answers for all of them.
http::Response ReadinessResponse(const std::vector<ReadinessCheck>& checks);

// The checks and the last answer. Thread-safe: callers in the same second of `clock`
// share one run of the checks.
class Readiness {
 public:
  Readiness(std::vector<ReadinessCheck> checks, const Clock& clock)
      : checks_(std::move(checks)), clock_(clock) {}
  http::Response Answer();

 private:
  const std::vector<ReadinessCheck> checks_;
  const Clock& clock_;
  std::mutex mu_;  // held while the checks run
  std::optional<http::Response> last_;
  std::int64_t last_at_ = 0;
};

// The database answers a read.
ReadinessCheck DatabaseReadiness(QueueStore& queue, const Clock& clock);
// A blob can be written, synced and removed.
ReadinessCheck BlobReadiness(BlobStore& blobs);

}  // namespace sealpost
