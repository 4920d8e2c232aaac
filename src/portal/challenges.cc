#include "portal/challenges.h"

#include "crypto/primitives.h"
#include "crypto/random.h"

namespace sealpost::portal {

std::optional<std::string> Challenges::Issue(std::string_view holder) {
  const std::int64_t now = clock_.NowUnix();
  std::string key = Sha256(holder);
  std::lock_guard lock(mu_);
  if (held_.size() >= max_held_ && !held_.count(key)) {
    std::erase_if(held_, [&](const auto& h) { return h.second.expires_at <= now; });
    if (held_.size() >= max_held_) return std::nullopt;
  }
  Held& h = held_[std::move(key)];
  h.challenge = RandomBytes(32);
  h.expires_at = now + lifetime_seconds_;
  return h.challenge;
}

std::optional<std::string> Challenges::Take(std::string_view holder) {
  const std::int64_t now = clock_.NowUnix();
  std::lock_guard lock(mu_);
  auto it = held_.find(Sha256(holder));
  if (it == held_.end()) return std::nullopt;
  Held h = std::move(it->second);
  held_.erase(it);
  if (h.expires_at <= now) return std::nullopt;
  return std::move(h.challenge);
}

std::size_t Challenges::size() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

}  // namespace sealpost::portal
