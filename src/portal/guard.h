// Guessing protection by client address (issue 7). Every secret a visitor can guess —
// answers now, passwords and one-time codes as they come — reports its failures here.
// An address gets `free_failures` free tries; each failure after that slows its next
// try down (2, 4, 8 … seconds, at most `max_delay_seconds`: the answer simply comes
// later, a person hardly notices), and past `max_per_hour` failures in the last hour
// it is refused until the oldest is an hour old.
// This sits beside the per-message lock (five wrong answers), which an attacker
// spreading guesses over many messages would never reach.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "base/clock.h"

namespace sealpost::portal {

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
  Verdict Check(const std::string& address);
  void Failed(const std::string& address);

 private:
  struct Entry {
    std::deque<std::int64_t> failures;  // within the last hour, oldest first
    std::int64_t next_try = 0;
  };
  void Prune(Entry& e, std::int64_t now) const;

  GuardOptions options_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace sealpost::portal
