#include "portal/sessions.h"

#include "base/encoding.h"
#include "crypto/primitives.h"
#include "crypto/random.h"

namespace sealpost::portal {
namespace {
std::string Key(std::string_view token) { return Sha256(token); }
}  // namespace

std::string PortalSessions::Create(const std::string& recipient_id, SecretBytes data_key) {
  std::string token = Base64UrlEncode(RandomBytes(32));
  const std::int64_t now = clock_.NowUnix();
  std::lock_guard lock(mu_);
  if (sessions_.size() >= max_sessions_) DropExpired(now);
  if (sessions_.size() >= max_sessions_) {
    // Still full: drop the session closest to expiry, so a flood cannot grow memory.
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.expires_at < oldest->second.expires_at) oldest = it;
    }
    sessions_.erase(oldest);
  }
  sessions_[Key(token)] = {
      {recipient_id, std::make_shared<const SecretBytes>(std::move(data_key))},
      now + idle_seconds_};
  return token;
}

std::optional<PortalSession> PortalSessions::Find(std::string_view token,
                                                  const std::string& recipient_id) {
  if (token.empty() || token.size() > 64) return std::nullopt;
  const std::int64_t now = clock_.NowUnix();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(Key(token));
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires_at <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  if (it->second.session.recipient_id != recipient_id) return std::nullopt;
  it->second.expires_at = now + idle_seconds_;
  return it->second.session;
}

void PortalSessions::Remove(std::string_view token) {
  std::lock_guard lock(mu_);
  sessions_.erase(Key(token));
}

std::size_t PortalSessions::size() {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void PortalSessions::DropExpired(std::int64_t now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.expires_at <= now ? sessions_.erase(it) : std::next(it);
  }
}

}  // namespace sealpost::portal
