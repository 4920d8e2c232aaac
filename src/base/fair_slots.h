// A number of slots handed out in the order they were asked for. A counting semaphore
// is not fair: a thread that lets a slot go and asks again at once takes it back before
// a waiter wakes, so under load some callers wait many turns (Argon2id behind a pool
// larger than the cores: p99 550 ms against 300 ms).
// Thread-safety: Acquire and Release may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace sealpost {

class FairSlots {
 public:
  explicit FairSlots(std::uint64_t slots) : slots_(slots == 0 ? 1 : slots) {}
  FairSlots(const FairSlots&) = delete;
  FairSlots& operator=(const FairSlots&) = delete;

  // Returns once this caller's turn has come and a slot is free.
  void Acquire();
  void Release();
  // Callers waiting for a slot (tests).
  std::uint64_t waiting() const;

 private:
  const std::uint64_t slots_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t next_ = 0;      // tickets handed out
  std::uint64_t released_ = 0;  // slots given back: ticket t may go once t < released_ + slots_
};

// Holds one slot for its scope.
class FairSlot {
 public:
  explicit FairSlot(FairSlots& slots) : slots_(slots) { slots_.Acquire(); }
  ~FairSlot() { slots_.Release(); }
  FairSlot(const FairSlot&) = delete;
  FairSlot& operator=(const FairSlot&) = delete;

 private:
  FairSlots& slots_;
};

}  // namespace sealpost
