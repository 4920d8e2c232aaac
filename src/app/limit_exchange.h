// Guessing guards and rate limits that hold across nodes (issue 23). Each node keeps its
// guards (base/failure_guard.h) and rate limits (base/rate_limit.h) in memory, where a
// request looks them up without waiting on anything; this passes what each counted to
// the others through the database (store/limit_events.h) a few times a second. A
// failure counted on one node counts on all of them within that time, and a node
// starting again reads the last hour back: restarting a node no longer clears its caps.
//
// What can slip through is what several nodes let through in the moment before they
// hear of each other's tries (at most about one pass's worth, a few tries), against caps
// of tens an hour: small next to the nodes' number times the cap, which is what every
// node counting alone would allow.
//
// Keys are keyed digests (HMAC-SHA-256 under the lookup key, of scope and key), the
// guards' and the rate limits' alike: the table names no client address or account.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/failure_guard.h"
#include "base/rate_limit.h"
#include "base/result.h"
#include "base/secret.h"
#include "store/limit_events.h"

namespace sealpost {

class LimitExchange {
 public:
  LimitExchange(LimitEventStore& store, const SecretBytes& lookup_key, const Clock& clock)
      : store_(store), lookup_key_(lookup_key), clock_(clock) {}

  // Shares `guard` or `limiter` as `scope` (one name each, the same on every node).
  // Before serving: it turns on their sharing.
  void Add(std::string scope, FailureGuard& guard);
  void Add(std::string scope, RateLimiter& limiter);

  // One exchange: what was counted here goes out, what others counted comes in. The
  // first pass reads back the last two hours. `now_ms`: RateLimiter::NowMs().
  Status Pass(std::int64_t now_ms);

  // How often Pass runs (serve), and how far back each pass reads again for rows that
  // committed late.
  static constexpr std::int64_t kPassMs = 100;
  static constexpr std::int64_t kOverlapUs = 5'000'000;
  static constexpr std::int64_t kKeepUs = 2 * 3600 * std::int64_t{1'000'000};

 private:
  Status SendFresh();
  Status Receive(std::int64_t now_ms);
  void Apply(const LimitEvent& e, std::int64_t now_ms);
  // What `scope`'s keys are known by in the table (and in the shared guard or limiter).
  std::function<std::string(std::string_view)> Digest(const std::string& scope) const;

  LimitEventStore& store_;
  const SecretBytes& lookup_key_;
  const Clock& clock_;
  std::vector<std::pair<std::string, FailureGuard*>> guards_;
  std::vector<std::pair<std::string, RateLimiter*>> limiters_;
  bool started_ = false;
  std::int64_t since_us_ = 0;       // where the next read begins (database clock)
  std::int64_t last_prune_us_ = 0;  // when old rows were last removed
  // Rows already counted (written here or read before) and when they were written: a
  // read from `since_us_` meets some again. Forgotten once older than `since_us_`.
  std::unordered_map<std::int64_t, std::int64_t> seen_;
  std::vector<std::int64_t> sent_;  // ids written here since the last read
};

}  // namespace sealpost
