#include "portal/guard.h"

#include <algorithm>

namespace sealpost::portal {

namespace {
constexpr std::int64_t kHour = 3600;
}  // namespace

void FailureGuard::Prune(Entry& e, std::int64_t now) const {
  while (!e.failures.empty() && e.failures.front() <= now - kHour) e.failures.pop_front();
}

FailureGuard::Verdict FailureGuard::Check(const std::string& address) {
  const std::int64_t now = clock_.NowUnix();
  std::lock_guard lock(mu_);
  auto it = entries_.find(address);
  if (it == entries_.end()) return {};
  Entry& e = it->second;
  Prune(e, now);
  Verdict v;
  v.wait = std::max<std::int64_t>(0, e.next_try - now);
  if (static_cast<int>(e.failures.size()) >= options_.max_per_hour) {
    v.refused = true;
    v.wait = std::max(v.wait, e.failures.front() + kHour - now);
  }
  if (v.wait == 0 && e.failures.empty()) entries_.erase(it);
  return v;
}

void FailureGuard::Failed(const std::string& address) {
  const std::int64_t now = clock_.NowUnix();
  std::lock_guard lock(mu_);
  if (entries_.size() >= options_.max_addresses && !entries_.count(address)) {
    // Full: forget the address whose last failure is oldest.
    auto quietest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      auto last = [](const Entry& e) { return e.failures.empty() ? 0 : e.failures.back(); };
      return last(a.second) < last(b.second);
    });
    if (quietest != entries_.end()) entries_.erase(quietest);
  }
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

}  // namespace sealpost::portal
