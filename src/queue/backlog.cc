#include "queue/backlog.h"

#include <spdlog/spdlog.h>

#include "store/stores.h"

namespace sealpost {

Backlog::Backlog(BacklogLimits limits, InboundStore& inbound, QueueStore& queue,
                 const Clock& clock)
    : limits_(limits), inbound_(inbound), queue_(queue), clock_(clock) {}

Backlog::~Backlog() { Stop(); }

void Backlog::Start() {
  if (worker_) return;
  worker_ = std::make_unique<PollingWorker>(
      [this] {
        (void)Refresh();
        return false;
      },
      std::chrono::seconds(1));
  worker_->Start();
}

void Backlog::Stop() {
  if (worker_) worker_->Stop();
  worker_.reset();
}

BacklogCount Backlog::Refresh() {
  auto submissions = inbound_.Waiting();
  auto outbound = queue_.Waiting(clock_.NowUnix());
  if (!submissions.ok() || !outbound.ok()) {
    spdlog::warn("backlog: not counted: {}", (!submissions.ok() ? submissions.error()
                                                                 : outbound.error()).ToString());
    return last();
  }
  const Pressure before = pressure();
  submissions_ = *submissions;
  outbound_ = *outbound;
  const Pressure after = pressure();
  if (after != before) {
    spdlog::warn("backlog: {} submissions and {} queue entries waiting: {}", *submissions,
                 *outbound, PressureName(after));
  }
  return last();
}

BacklogCount Backlog::last() const { return {submissions_.load(), outbound_.load()}; }

Backlog::Pressure Backlog::pressure() const {
  const std::int64_t waiting = last().total();
  if (waiting >= limits_.refuse) return Pressure::kRefuse;
  if (waiting >= limits_.slow_down) return Pressure::kSlowDown;
  return Pressure::kNone;
}

const char* PressureName(Backlog::Pressure p) {
  switch (p) {
    case Backlog::Pressure::kNone: return "accepting";
    case Backlog::Pressure::kSlowDown: return "slowing acceptance down";
    case Backlog::Pressure::kRefuse: return "refusing new mail";
  }
  return "?";
}

}  // namespace sealpost
