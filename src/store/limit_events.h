// What each node's guessing guards and rate limits counted, for the other nodes sharing
// the database to count too (issue 23; app/limit_exchange.h passes them on). Only on
// PostgreSQL: one node on SQLite keeps its counts in memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace sealpost {

struct LimitEvent {
  std::string scope;        // which guard or limit ("portal.client", "api.rate", ...)
  std::string key;          // what it counts by: a guard's keyed digest, a rate limit's client
  std::int64_t at = 0;      // a failure's time (unix seconds)
  std::int64_t count = 1;   // requests a rate limit let through
  std::int64_t quota = 0;   // the rate limit's, per window
  std::int64_t window = 0;  // seconds
};

class LimitEventStore {
 public:
  virtual ~LimitEventStore() = default;
  // Writes `events` (at most kMaxBatch); returns their ids, in order.
  virtual Result<std::vector<std::int64_t>> Append(const std::vector<LimitEvent>& events) = 0;
  struct Written {
    std::int64_t id = 0;
    std::int64_t written_us = 0;  // the database's clock
    LimitEvent event;
  };
  struct Page {
    std::vector<Written> events;  // oldest first, at most kMaxBatch
    std::int64_t now_us = 0;      // the database's clock as it read them
  };
  // Events written at or after `since_us` (the database's clock, microseconds) with an id
  // above `after_id` (the last of an earlier full page; 0 to start).
  virtual Result<Page> WrittenSince(std::int64_t since_us, std::int64_t after_id) = 0;
  // Forgets events written before `before_us`; returns how many.
  virtual Result<std::int64_t> PruneBefore(std::int64_t before_us) = 0;

  static constexpr std::size_t kMaxBatch = 1000;
};

}  // namespace sealpost
