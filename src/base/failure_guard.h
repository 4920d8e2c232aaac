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
// With several nodes (issue 23) each keeps its guard in memory and they tell one another
// what failed (app/limit_exchange.h): Share() turns on the list of fresh failures to pass
// on, Import() counts one another node saw. Keys are then digests (Share's function), so
// what the nodes pass through the database names no address.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
    Try(FailureGuard* guard, std::string key) : guard_(guard), address_(std::move(key)) {}
    FailureGuard* guard_;
    std::string address_;  // the guard's key for it
  };

  // How `address` stands now (failures and tries in progress), changing nothing.
  Verdict Check(const std::string& address);
  // Lets a try through unless the cap refuses it (`verdict->refused`, no Try); the
  // caller waits `verdict->wait` seconds before looking at it.
  std::optional<Try> Begin(const std::string& address, Verdict* verdict);
  void Failed(const std::string& address);

  // Sharing with other nodes. From now on every key is `key_digest(address)`, and each
  // failure is kept for TakeFresh too. Called once, before the guard is used.
  void Share(std::function<std::string(std::string_view)> key_digest);
  struct Failure {
    std::string key;  // a digest (Share)
    std::int64_t at = 0;
  };
  // The failures counted here since the last call (at most kMaxFresh: a database that
  // cannot keep up loses the oldest, never this node's own count).
  std::vector<Failure> TakeFresh();
  // A failure another node counted: it counts here as if it had happened here (older
  // than an hour: nothing).
  void Import(const Failure& failure);
  static constexpr std::size_t kMaxFresh = 100000;

 private:
  struct Entry {
    std::deque<std::int64_t> failures;  // within the last hour, oldest first
    std::int64_t next_try = 0;
    int in_progress = 0;  // tries let through and not ended yet
  };
  std::string Key(const std::string& address) const;
  Verdict Look(Entry& e, std::int64_t now) const;
  void End(const std::string& key, bool failed);
  void Count(const std::string& key, std::int64_t at, std::int64_t now, bool own);  // under mu_
  void Evict();  // under mu_
  void Prune(Entry& e, std::int64_t now) const;

  GuardOptions options_;
  const Clock& clock_;
  std::function<std::string(std::string_view)> key_digest_;  // set when shared
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::deque<Failure> fresh_;  // when shared: counted here, not yet taken
};

}  // namespace sealpost
