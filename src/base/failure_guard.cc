#include "base/failure_guard.h"

#include <algorithm>

namespace sealpost {

namespace {
constexpr std::int64_t kHour = 3600;
}  // namespace

void FailureGuard::Prune(Entry& e, std::int64_t now) const {
  while (!e.failures.empty() && e.failures.front() <= now - kHour) e.failures.pop_front();
}

FailureGuard::Verdict FailureGuard::Look(Entry& e, std::int64_t now) const {
  Prune(e, now);
  Verdict v;
  v.wait = std::max<std::int64_t>(0, e.next_try - now);
  if (static_cast<int>(e.failures.size()) + e.in_progress >= options_.max_per_hour) {
    v.refused = true;
    // Refused by tries still in progress: look again in a moment.
    v.wait = std::max(v.wait, e.failures.empty() ? std::int64_t{1} : e.failures.front() + kHour - now);
  }
  return v;
}

FailureGuard::Verdict FailureGuard::Check(const std::string& address) {
  const std::int64_t now = clock_.NowUnix();
  std::lock_guard lock(mu_);
  auto it = entries_.find(address);
  if (it == entries_.end()) return {};
  Verdict v = Look(it->second, now);
  if (v.wait == 0 && it->second.failures.empty() && it->second.in_progress == 0) entries_.erase(it);
  return v;
}

std::optional<FailureGuard::Try> FailureGuard::Begin(const std::string& address, Verdict* verdict) {
  const std::int64_t now = clock_.NowUnix();
  std::lock_guard lock(mu_);
  if (options_.max_per_hour <= 0) {
    *verdict = {0, true};
    return std::nullopt;
  }
  auto it = entries_.find(address);
  if (it == entries_.end()) {
    if (entries_.size() >= options_.max_addresses) Evict();
    it = entries_.emplace(address, Entry{}).first;
  }
  *verdict = Look(it->second, now);
  if (verdict->refused) return std::nullopt;
  ++it->second.in_progress;
  return Try(this, address);
}

void FailureGuard::End(const std::string& address, bool failed) {
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(address);
    if (it != entries_.end() && it->second.in_progress > 0) --it->second.in_progress;
  }
  if (failed) Failed(address);
}

void FailureGuard::Evict() {
  // Full: forget the address whose last failure is oldest.
  auto quietest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
    auto last = [](const Entry& e) { return e.failures.empty() ? 0 : e.failures.back(); };
    return last(a.second) < last(b.second);
  });
  if (quietest != entries_.end()) entries_.erase(quietest);
}

void FailureGuard::Failed(const std::string& address) {
  const std::int64_t now = clock_.NowUnix();
  std::lock_guard lock(mu_);
  if (entries_.size() >= options_.max_addresses && !entries_.count(address)) Evict();
  Entry& e = entries_[address];
  Prune(e, now);
  e.failures.push_back(now);
  const int beyond = static_cast<int>(e.failures.size()) - options_.free_failures;
  if (beyond > 0) {
    const std::int64_t delay =
        beyond >= 20 ? options_.max_delay_seconds
                     : std::min<std::int64_t>(options_.max_delay_seconds, std::int64_t{1} << beyond);
    e.next_try = now + delay;
  }
}

}  // namespace sealpost
