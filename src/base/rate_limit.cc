#include "base/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace sealpost {

RateLimiter::Decision RateLimiter::Take(const std::string& client, std::int64_t per_window,
                                        std::int64_t now_ms, std::int64_t window_seconds) {
  window_seconds = std::max<std::int64_t>(window_seconds, 1);
  const double quota = static_cast<double>(std::max<std::int64_t>(per_window, 1));
  const double per_ms = quota / (static_cast<double>(window_seconds) * 1000);
  std::lock_guard lock(mu_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    // Bounded memory: when full, the buckets that have refilled are forgotten (a full
    // bucket and no bucket are the same), and if none has, all are.
    if (buckets_.size() >= max_clients_) {
      std::erase_if(buckets_, [&](const auto& entry) {
        return entry.second.tokens + (now_ms - entry.second.at_ms) * per_ms >= quota;
      });
      if (buckets_.size() >= max_clients_) buckets_.clear();
    }
    it = buckets_.emplace(client, Bucket{quota, now_ms}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(quota, b.tokens + std::max<std::int64_t>(now_ms - b.at_ms, 0) * per_ms);
  b.at_ms = std::max(b.at_ms, now_ms);
  Decision d;
  d.quota = static_cast<std::int64_t>(quota);
  d.window = window_seconds;
  if (b.tokens >= 1) {
    b.tokens -= 1;
  } else {
    d.allowed = false;
    d.retry_after = static_cast<std::int64_t>(std::ceil((1 - b.tokens) / per_ms / 1000));
  }
  d.remaining = static_cast<std::int64_t>(std::floor(b.tokens));
  d.reset = static_cast<std::int64_t>(std::ceil((quota - b.tokens) / per_ms / 1000));
  return d;
}

std::string RateLimiter::PolicyField(const Decision& d) {
  return "\"client\";q=" + std::to_string(d.quota) + ";w=" + std::to_string(d.window);
}

std::string RateLimiter::StateField(const Decision& d) {
  return "\"client\";r=" + std::to_string(d.remaining) + ";t=" + std::to_string(d.reset);
}

}  // namespace sealpost
