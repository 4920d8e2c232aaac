#include "base/fair_slots.h"

namespace sealpost {

void FairSlots::Acquire() {
  std::unique_lock lock(mu_);
  const std::uint64_t ticket = next_++;
  cv_.wait(lock, [&] { return ticket < released_ + slots_; });
}

void FairSlots::Release() {
  {
    std::lock_guard lock(mu_);
    ++released_;
  }
  cv_.notify_all();  // the waiter whose ticket came up is among them
}

std::uint64_t FairSlots::waiting() const {
  std::lock_guard lock(mu_);
  const std::uint64_t admitted = released_ + slots_;
  return next_ > admitted ? next_ - admitted : 0;
}

}  // namespace sealpost
