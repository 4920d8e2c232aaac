// Request rates per client (the API's per API client, issue 20; a form's per form and per
// client address, issue 24): a token bucket each, `quota` requests in a window (a
// minute unless told), refilled continuously, so a client may burst to its quota and
// then go on at its rate. One limiter is used with one window. Answers carry the state as the IETF's RateLimit header fields say
// (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy: "client";q=600;w=60` and
// `RateLimit: "client";r=599;t=1`), a refusal 429 with Retry-After.
// Per process: with several nodes each keeps its own buckets.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sealpost {

class RateLimiter {
 public:
  explicit RateLimiter(std::size_t max_clients = 100000) : max_clients_(max_clients) {}

  struct Decision {
    bool allowed = true;
    std::int64_t quota = 0;        // q: requests a window
    std::int64_t window = 60;      // w: seconds
    std::int64_t remaining = 0;    // r: what is left now
    std::int64_t reset = 0;        // t: seconds until the quota is whole again
    std::int64_t retry_after = 0;  // seconds, when refused
  };

  // Takes one request of `client`'s quota (> 0 a window) at `now_ms` (a monotonic
  // clock, milliseconds).
  Decision Take(const std::string& client, std::int64_t quota, std::int64_t now_ms,
                std::int64_t window_seconds = 60);

  // The header fields of a decision.
  static std::string PolicyField(const Decision& d);
  static std::string StateField(const Decision& d);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t at_ms = 0;
  };

  const std::size_t max_clients_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace sealpost
