#include "app/limit_exchange.h"

#include <algorithm>
#include <limits>

#include "base/encoding.h"
#include "crypto/primitives.h"

namespace sealpost {

std::function<std::string(std::string_view)> LimitExchange::Digest(const std::string& scope) const {
  return [this, scope](std::string_view key) {
    std::string data = scope;
    data.push_back('\0');
    data.append(key);
    return Base64UrlEncode(HmacSha256(lookup_key_, data).substr(0, 16));
  };
}

void LimitExchange::Add(std::string scope, FailureGuard& guard) {
  guard.Share(Digest(scope));
  guards_.emplace_back(std::move(scope), &guard);
}

void LimitExchange::Add(std::string scope, RateLimiter& limiter) {
  limiter.Share(Digest(scope));
  limiters_.emplace_back(std::move(scope), &limiter);
}

Status LimitExchange::Pass(std::int64_t now_ms) {
  Status sent = SendFresh();
  Status received = Receive(now_ms);
  if (received.ok() && since_us_ - last_prune_us_ > 600 * std::int64_t{1'000'000}) {
    // Every node prunes now and then; what one removes the others no longer read.
    if (auto pruned = store_.PruneBefore(since_us_ - kKeepUs); pruned.ok()) {
      last_prune_us_ = since_us_;
    } else {
      received = std::move(pruned).error();
    }
  }
  return !sent.ok() ? sent : received;
}

Status LimitExchange::SendFresh() {
  std::vector<LimitEvent> events;
  for (auto& [scope, guard] : guards_) {
    for (auto& f : guard->TakeFresh()) events.push_back({scope, std::move(f.key), f.at, 1, 0, 0});
  }
  const std::int64_t now = clock_.NowUnix();
  for (auto& [scope, limiter] : limiters_) {
    for (auto& t : limiter->TakeFresh()) {
      events.push_back({scope, std::move(t.client), now, t.count, t.quota, t.window});
    }
  }
  // What cannot be written is counted here all the same; the others miss it.
  for (std::size_t begin = 0; begin < events.size(); begin += LimitEventStore::kMaxBatch) {
    const std::size_t end = std::min(events.size(), begin + LimitEventStore::kMaxBatch);
    auto ids = store_.Append({events.begin() + begin, events.begin() + end});
    if (!ids.ok()) return std::move(ids).error();
    // Read back by the next pass (written after its start): counted here already.
    for (std::int64_t id : *ids) seen_[id] = std::numeric_limits<std::int64_t>::max();
  }
  return OkStatus();
}

Status LimitExchange::Receive(std::int64_t now_ms) {
  std::int64_t after_id = 0;
  std::int64_t read_at_us = -1;
  for (;;) {
    auto page = store_.WrittenSince(started_ ? since_us_ : 0, after_id);
    if (!page.ok()) return std::move(page).error();
    if (read_at_us < 0) read_at_us = page->now_us;
    for (const auto& w : page->events) {
      auto [it, fresh] = seen_.emplace(w.id, w.written_us);
      it->second = w.written_us;
      if (!fresh) continue;
      // A rate limit's count is old news once its window has passed since.
      if (w.event.window > 0 && w.written_us < page->now_us - w.event.window * 1'000'000) continue;
      Apply(w.event, now_ms);
    }
    if (page->events.size() < LimitEventStore::kMaxBatch) break;
    after_id = page->events.back().id;
  }
  started_ = true;
  since_us_ = read_at_us - kOverlapUs;
  std::erase_if(seen_, [&](const auto& entry) { return entry.second < since_us_; });
  return OkStatus();
}

void LimitExchange::Apply(const LimitEvent& e, std::int64_t now_ms) {
  for (auto& [scope, guard] : guards_) {
    if (scope == e.scope) return guard->Import({e.key, e.at});
  }
  for (auto& [scope, limiter] : limiters_) {
    if (scope == e.scope) return limiter->Import({e.key, e.quota, e.window, e.count}, now_ms);
  }
  // A scope this node does not have (a newer node's): nothing to count it against.
}

}  // namespace sealpost
