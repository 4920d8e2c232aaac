// Commits that arrive together, made one (as leveldb's writers are): the first caller
// in line commits everyone queued behind it, up to a bound, in one call; the others wait
// for its answer. Sixteen API clients sending at once then write the database pages
// their messages share once, in one transaction, instead of once each.
// A batch that fails is committed again one by one, so that one bad member fails alone.
// Thread-safety: Commit may be called from any thread.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "base/result.h"

namespace sealpost {

template <class T>
class GroupCommit {
 public:
  // `commit` writes a batch all or nothing.
  using CommitFn = std::function<Status(const std::vector<T*>&)>;
  GroupCommit(CommitFn commit, std::size_t max_batch)
      : commit_(std::move(commit)), max_batch_(std::max<std::size_t>(max_batch, 1)) {}

  // Returns once `item` is committed, or has failed to be; how, as commit said.
  Status Commit(T* item) {
    Waiter self{item};
    std::unique_lock lock(mu_);
    line_.push_back(&self);
    self.cv.wait(lock, [&] { return self.done || line_.front() == &self; });
    if (self.done) return std::move(self.status);

    // First in line: commits itself and whoever waits behind it now.
    std::vector<Waiter*> batch(line_.begin(), line_.begin() + std::min(line_.size(), max_batch_));
    lock.unlock();
    std::vector<T*> items;
    items.reserve(batch.size());
    for (Waiter* w : batch) items.push_back(w->item);
    Status status = commit_(items);
    if (!status.ok() && batch.size() > 1) {
      for (Waiter* w : batch) w->status = commit_({w->item});
    } else {
      for (Waiter* w : batch) w->status = status;
    }
    lock.lock();
    ++batches_;
    line_.erase(line_.begin(), line_.begin() + static_cast<std::ptrdiff_t>(batch.size()));
    for (Waiter* w : batch) {
      if (w == &self) continue;
      w->done = true;
      w->cv.notify_one();
    }
    if (!line_.empty()) line_.front()->cv.notify_one();  // the next batch's turn
    return std::move(self.status);
  }

  // Callers in line, the committing batch included (tests).
  std::size_t waiting() const {
    std::lock_guard lock(mu_);
    return line_.size();
  }
  // Batches committed so far (tests, benchmarks).
  std::size_t batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  struct Waiter {
    T* item;
    Status status = OkStatus();
    bool done = false;
    std::condition_variable cv;
  };

  const CommitFn commit_;
  const std::size_t max_batch_;
  mutable std::mutex mu_;
  std::deque<Waiter*> line_;  // the first is committing, or about to
  std::size_t batches_ = 0;
};

}  // namespace sealpost
