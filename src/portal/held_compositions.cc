#include "portal/held_compositions.h"

#include <algorithm>
#include <vector>

#include "base/encoding.h"
#include "crypto/random.h"

namespace sealpost::portal {

Result<std::string> HeldCompositions::Hold(HeldComposition c) {
  // Drafts are destroyed outside the lock: each removes its blobs from the disk.
  std::vector<std::unique_ptr<HeldComposition>> dropped;
  std::string id = Base64UrlEncode(RandomBytes(18));
  {
    std::lock_guard lock(mu_);
    DropExpired();
    std::vector<std::map<std::string, std::unique_ptr<HeldComposition>>::iterator> own;
    for (auto it = held_.begin(); it != held_.end(); ++it) {
      if (it->second->owner == c.owner) own.push_back(it);
    }
    std::sort(own.begin(), own.end(),
              [](const auto& a, const auto& b) { return a->second->held_at < b->second->held_at; });
    for (std::size_t i = 0; own.size() - i >= limits_.per_owner && i < own.size(); ++i) {
      dropped.push_back(std::move(own[i]->second));
      held_.erase(own[i]);
    }
    if (held_.size() >= limits_.total) {
      return MakeError(ErrorCode::kResourceExhausted, "too many messages wait to be sent");
    }
    c.held_at = clock_.NowUnix();
    held_.emplace(id, std::make_unique<HeldComposition>(std::move(c)));
  }
  return id;
}

std::unique_ptr<HeldComposition> HeldCompositions::Take(const std::string& id,
                                                        const std::string& owner) {
  std::lock_guard lock(mu_);
  DropExpired();
  auto it = held_.find(id);
  if (it == held_.end() || it->second->owner != owner) return nullptr;
  auto c = std::move(it->second);
  held_.erase(it);
  return c;
}

void HeldCompositions::Return(const std::string& id, std::unique_ptr<HeldComposition> c) {
  std::lock_guard lock(mu_);
  held_.emplace(id, std::move(c));
}

std::size_t HeldCompositions::size() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

void HeldCompositions::DropExpired() {
  const std::int64_t now = clock_.NowUnix();
  for (auto it = held_.begin(); it != held_.end();) {
    if (now - it->second->held_at >= limits_.lifetime_seconds) {
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace sealpost::portal
