// GET /readyz: whether this node can take and move mail now, for load balancers and
// service managers (/healthz says only that the process answers). Each part is asked in
// turn: 200 with every part's "ok", or 503 (an RFC 9457 problem) naming the parts that
// are not and why, in a few words. The route needs no credential, so details (paths,
// system errors) go to the log, never into the answer.
#pragma once

#include <functional>
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

// The database answers a read.
ReadinessCheck DatabaseReadiness(QueueStore& queue, const Clock& clock);
// A blob can be written, synced and removed.
ReadinessCheck BlobReadiness(BlobStore& blobs);
// A background worker: `alive` is its PollingWorker::Alive (or the like).
ReadinessCheck WorkerReadiness(std::string name, std::function<Status()> alive);

}  // namespace sealpost
