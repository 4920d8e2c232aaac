// Guessing protection by client address (issue 7): the portal's answers, passwords and
// codes, and the API's credentials (issue 20). Every secret a visitor can guess —
// answers now, passwords and one-time codes as they come — reports its failures here.
// An address gets `free_failures` free tries; each failure after that slows its next
// try down (2, 4, 8 … seconds, at most `max_delay_seconds`: the answer simply comes
// later, a person hardly notices), and past `max_per_hour` failures in the last hour
// it is refused until the oldest is an hour old.
// This sits beside the per-message lock (five wrong answers), which an attacker
// spreading guesses over many messages would never reach.
// A try is counted from the moment it is let through (Begin), not only once it has
// failed: guesses sent in parallel cannot go past the hourly cap together.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "base/clock.h"

namespace sealpost {

struct GuardOptions {
  int max_per_hour = 30;
  int free_failures = 10;
  std::int64_t max_delay_seconds = 30;
  std::size_t max_addresses = 100000;  // bounded memory: the quietest address goes first
};

class FailureGuard {
 public:
  FailureGuard(GuardOptions options, const Clock& clock) : options_(options), clock_(clock) {}

  struct Verdict {
    std::int64_t wait = 0;  // seconds before the next try is looked at
    bool refused = false;   // the hourly cap: refuse rather than wait
  };
  // A try in progress: it counts against the cap until it ends, as a failure (Failed)
  // or not (destroyed without).
  class Try {
   public:
    Try(Try&& other) noexcept
        : guard_(std::exchange(other.guard_, nullptr)), address_(std::move(other.address_)) {}
    Try(const Try&) = delete;
    Try& operator=(const Try&) = delete;
    Try& operator=(Try&& other) noexcept {
      if (this != &other) {
        if (guard_) guard_->End(address_, false);
        guard_ = std::exchange(other.guard_, nullptr);
        address_ = std::move(other.address_);
      }
      return *this;
    }
    ~Try() {
      if (guard_) guard_->End(address_, false);
    }
    void Failed() {
      if (guard_) std::exchange(guard_, nullptr)->End(address_, true);
    }

   private:
    friend class FailureGuard;
    Try(FailureGuard* guard, std::string address) : guard_(guard), address_(std::move(address)) {}
    FailureGuard* guard_;
    std::string address_;
  };

  // How `address` stands now (failures and tries in progress), changing nothing.
  Verdict Check(const std::string& address);
  // Lets a try through unless the cap refuses it (`verdict->refused`, no Try); the
  // caller waits `verdict->wait` seconds before looking at it.
  std::optional<Try> Begin(const std::string& address, Verdict* verdict);
  void Failed(const std::string& address);

 private:
  struct Entry {
    std::deque<std::int64_t> failures;  // within the last hour, oldest first
    std::int64_t next_try = 0;
    int in_progress = 0;  // tries let through and not ended yet
  };
  Verdict Look(Entry& e, std::int64_t now) const;
  void End(const std::string& address, bool failed);
  void Evict();  // under mu_
  void Prune(Entry& e, std::int64_t now) const;

  GuardOptions options_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace sealpost
