// Request rates per client (the API's per API client, issue 20; a form's per form and per
// client address, issue 24): a token bucket each, `quota` requests in a window (a
// minute unless told), refilled continuously, so a client may burst to its quota and
// then go on at its rate. One limiter is used with one window. Answers carry the state as the
// IETF's RateLimit header fields say (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy:
// "client";q=600;w=60` and `RateLimit: "client";r=599;t=1`), a refusal 429 with Retry-After. With
// several nodes (issue 23) each keeps its buckets in memory and they tell one another what they let
// through (app/limit_exchange.h): Share() turns on the tally to pass on, Import() takes from a
// bucket what another node let through. Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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

  // The clock Take's callers use (steady, milliseconds).
  static std::int64_t NowMs();

  // Sharing with other nodes: from now on every client is known by `key_digest(client)`
  // (so what the nodes pass through the database names no address), and what Take lets
  // through is tallied for TakeFresh. Called once, before the limiter is used.
  void Share(std::function<std::string(std::string_view)> key_digest);
  struct Taken {
    std::string client;  // its digest (Share)
    std::int64_t quota = 0;
    std::int64_t window = 60;
    std::int64_t count = 0;  // requests let through
  };
  // What was let through since the last call, by client.
  std::vector<Taken> TakeFresh();
  // Requests another node let through: taken from the client's bucket here too (which may
  // go below empty: the client then waits until what both let through is paid back).
  void Import(const Taken& taken, std::int64_t now_ms);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t at_ms = 0;
  };
  // `client`'s bucket refilled to `now_ms` (made full if new), under mu_.
  Bucket& Refilled(const std::string& client, double quota, double per_ms, std::int64_t now_ms);

  const std::size_t max_clients_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::function<std::string(std::string_view)> key_digest_;  // set when shared
  std::unordered_map<std::string, Taken> fresh_;  // when shared: let through, not yet taken
};

}  // namespace sealpost
