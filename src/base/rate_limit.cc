#include "base/rate_limit.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace sealpost {

namespace {

double PerMs(double quota, std::int64_t window_seconds) {
  return quota / (static_cast<double>(window_seconds) * 1000);
}

}  // namespace

RateLimiter::Bucket& RateLimiter::Refilled(const std::string& client, double quota, double per_ms,
                                           std::int64_t now_ms) {
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
  return b;
}

RateLimiter::Decision RateLimiter::Take(const std::string& client, std::int64_t per_window,
                                        std::int64_t now_ms, std::int64_t window_seconds) {
  window_seconds = std::max<std::int64_t>(window_seconds, 1);
  const double quota = static_cast<double>(std::max<std::int64_t>(per_window, 1));
  const double per_ms = PerMs(quota, window_seconds);
  const std::string key = key_digest_ ? key_digest_(client) : client;
  std::lock_guard lock(mu_);
  Bucket& b = Refilled(key, quota, per_ms, now_ms);
  Decision d;
  d.quota = static_cast<std::int64_t>(quota);
  d.window = window_seconds;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    if (key_digest_) {
      Taken& t = fresh_[key];
      t = {key, d.quota, window_seconds, t.count + 1};
    }
  } else {
    d.allowed = false;
    d.retry_after = static_cast<std::int64_t>(std::ceil((1 - b.tokens) / per_ms / 1000));
  }
  d.remaining = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(b.tokens)));
  d.reset = static_cast<std::int64_t>(std::ceil((quota - b.tokens) / per_ms / 1000));
  return d;
}

std::int64_t RateLimiter::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void RateLimiter::Share(std::function<std::string(std::string_view)> key_digest) {
  key_digest_ = std::move(key_digest);
}

std::vector<RateLimiter::Taken> RateLimiter::TakeFresh() {
  std::lock_guard lock(mu_);
  std::vector<Taken> taken;
  taken.reserve(fresh_.size());
  for (auto& [client, t] : fresh_) taken.push_back(std::move(t));
  fresh_.clear();
  return taken;
}

void RateLimiter::Import(const Taken& taken, std::int64_t now_ms) {
  if (taken.count <= 0 || taken.quota <= 0) return;
  const std::int64_t window = std::max<std::int64_t>(taken.window, 1);
  const double quota = static_cast<double>(taken.quota);
  std::lock_guard lock(mu_);
  Bucket& b = Refilled(taken.client, quota, PerMs(quota, window), now_ms);
  // At most a window's worth below empty: the debt is bounded like the quota.
  b.tokens = std::max(-quota, b.tokens - static_cast<double>(taken.count));
}

std::string RateLimiter::PolicyField(const Decision& d) {
  return "\"client\";q=" + std::to_string(d.quota) + ";w=" + std::to_string(d.window);
}

std::string RateLimiter::StateField(const Decision& d) {
  return "\"client\";r=" + std::to_string(d.remaining) + ";t=" + std::to_string(d.reset);
}

}  // namespace sealpost
