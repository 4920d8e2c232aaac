#include "base/worker.h"

namespace sealpost {

PollingWorker::PollingWorker(std::function<bool()> pass, std::chrono::milliseconds poll_interval)
    : pass_(std::move(pass)), poll_interval_(poll_interval) {}

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

void PollingWorker::Loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, poll_interval_, [&] { return wake_ || stop_; });
      if (stop_) return;
      wake_ = false;
    }
    while (pass_() && !stopping()) {
    }
  }
}

}  // namespace sealpost
