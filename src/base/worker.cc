#include "base/worker.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace sealpost {

PollingWorker::PollingWorker(std::function<bool()> pass, std::chrono::milliseconds poll_interval,
                             WorkerPriority priority)
    : pass_(std::move(pass)), poll_interval_(poll_interval), priority_(priority) {}

PollingWorker::~PollingWorker() { Stop(); }

void PollingWorker::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void PollingWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PollingWorker::Notify() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

bool PollingWorker::stopping() {
  std::lock_guard lock(mu_);
  return stop_;
}

namespace {

std::int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status PollingWorker::Alive(std::chrono::milliseconds bound) const {
  if (!running_) return MakeError(ErrorCode::kUnavailable, "not running");
  const std::int64_t began = pass_began_ns_;
  if (began == 0) return OkStatus();
  const auto busy = std::chrono::nanoseconds(SteadyNs() - began);
  if (busy <= bound) return OkStatus();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(busy).count();
  return MakeError(ErrorCode::kUnavailable,
                   "one pass has run for " + std::to_string(seconds) + " s");
}

void PollingWorker::Loop() {
  if (priority_ == WorkerPriority::kBackground) {
    // On Linux the nice value is the thread's own (setpriority(2), NOTES). Raising it
    // needs no privilege; should it fail all the same, the worker runs as before.
    errno = 0;
    const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
    if (errno == 0) {
      (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()),
                          std::min(nice + kBackgroundNice, 19));
    }
  }
  running_ = true;
  // Marks each pass, so Alive can tell a worker that waits from one that is stuck.
  auto pass = [this] {
    pass_began_ns_ = SteadyNs();
    const bool again = pass_();
    pass_began_ns_ = 0;
    return again;
  };
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, poll_interval_, [&] { return wake_ || stop_; });
      if (stop_) break;
      wake_ = false;
    }
    while (pass() && !stopping()) {
    }
  }
  running_ = false;
}

}  // namespace sealpost
