// PollingWorker: one background thread that runs a pass of work whenever it is woken,
// and at least once per poll interval (for work that becomes due with time, such as
// retries). A pass that reports a full batch is repeated at once, so a backlog drains
// without waiting for the next wake-up. Used by the delivery queue and the submission
// processor.
// Thread-safety: Notify(), Stop() and Alive() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "base/result.h"

namespace sealpost {

// How the worker's thread competes for the CPU. kBackground: work no client waits on
// (processing what was spooled, sweeping spent blobs) runs niced (kBackgroundNice above
// the process), so that the threads that answer clients — the SMTP sessions and their
// spool commits, the API, the portal — take a busy machine's CPU first. Nothing starves:
// a niced thread still gets its share, and when the backlog grows past its bound the
// back-pressure (queue/backlog.h) slows acceptance down, which hands the CPU back.
enum class WorkerPriority { kNormal, kBackground };
inline constexpr int kBackgroundNice = 10;

class PollingWorker {
 public:
  // `pass` returns true when it filled a whole batch and should run again at once.
  PollingWorker(std::function<bool()> pass, std::chrono::milliseconds poll_interval,
                WorkerPriority priority = WorkerPriority::kNormal);
  ~PollingWorker();  // stops
  PollingWorker(const PollingWorker&) = delete;
  PollingWorker& operator=(const PollingWorker&) = delete;

  void Start();
  // Waits for the pass in progress, if any, to finish.
  void Stop();
  // Something arrived: run a pass now rather than at the next poll.
  void Notify();
  // For readiness checks: OK while the thread runs and no pass has gone on for longer
  // than `bound` (one that never ends is a stuck worker); kUnavailable, saying which,
  // otherwise.
  Status Alive(std::chrono::milliseconds bound) const;

 private:
  void Loop();
  bool stopping();

  std::function<bool()> pass_;
  std::chrono::milliseconds poll_interval_;
  WorkerPriority priority_;
  std::mutex mu_;  // guards wake_ and stop_
  std::condition_variable cv_;
  bool wake_ = false;
  bool stop_ = false;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<std::int64_t> pass_began_ns_{0};  // steady clock; 0 between passes
};

}  // namespace sealpost
