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

std::string FailureGuard::Key(const std::string& address) const {
  return key_digest_ ? key_digest_(address) : address;
}

FailureGuard::Verdict FailureGuard::Check(const std::string& address) {
  const std::int64_t now = clock_.NowUnix();
  const std::string key = Key(address);
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return {};
  Verdict v = Look(it->second, now);
  if (v.wait == 0 && it->second.failures.empty() && it->second.in_progress == 0) entries_.erase(it);
  return v;
}

std::optional<FailureGuard::Try> FailureGuard::Begin(const std::string& address, Verdict* verdict) {
  const std::int64_t now = clock_.NowUnix();
  std::string key = Key(address);
  std::lock_guard lock(mu_);
  if (options_.max_per_hour <= 0) {
    *verdict = {0, true};
    return std::nullopt;
  }
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= options_.max_addresses) Evict();
    it = entries_.emplace(key, Entry{}).first;
  }
  *verdict = Look(it->second, now);
  if (verdict->refused) return std::nullopt;
  ++it->second.in_progress;
  return Try(this, std::move(key));
}

void FailureGuard::End(const std::string& key, bool failed) {
  const std::int64_t now = clock_.NowUnix();
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.in_progress > 0) --it->second.in_progress;
  if (failed) Count(key, now, now, /*own=*/true);
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
  const std::string key = Key(address);
  std::lock_guard lock(mu_);
  Count(key, now, now, /*own=*/true);
}

void FailureGuard::Count(const std::string& key, std::int64_t at, std::int64_t now, bool own) {
  if (entries_.size() >= options_.max_addresses && !entries_.count(key)) Evict();
  Entry& e = entries_[key];
  Prune(e, now);
  // Another node's failure can arrive after later ones of this node: kept in order.
  e.failures.insert(std::upper_bound(e.failures.begin(), e.failures.end(), at), at);
  const int beyond = static_cast<int>(e.failures.size()) - options_.free_failures;
  if (beyond > 0) {
    const std::int64_t delay =
        beyond >= 20 ? options_.max_delay_seconds
                     : std::min<std::int64_t>(options_.max_delay_seconds, std::int64_t{1} << beyond);
    e.next_try = std::max(e.next_try, at + delay);
  }
  if (key_digest_ && own) {  // passed on to the other nodes
    if (fresh_.size() >= kMaxFresh) fresh_.pop_front();
    fresh_.push_back({key, at});
  }
}

void FailureGuard::Share(std::function<std::string(std::string_view)> key_digest) {
  key_digest_ = std::move(key_digest);
}

std::vector<FailureGuard::Failure> FailureGuard::TakeFresh() {
  std::lock_guard lock(mu_);
  std::vector<Failure> taken(std::make_move_iterator(fresh_.begin()),
                             std::make_move_iterator(fresh_.end()));
  fresh_.clear();
  return taken;
}

void FailureGuard::Import(const Failure& failure) {
  const std::int64_t now = clock_.NowUnix();
  if (failure.at <= now - kHour) return;
  std::lock_guard lock(mu_);
  Count(failure.key, std::min(failure.at, now), now, /*own=*/false);
}

}  // namespace sealpost
