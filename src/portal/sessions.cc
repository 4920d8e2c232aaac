#include "portal/sessions.h"

#include <algorithm>

#include "base/encoding.h"
#include "crypto/primitives.h"
#include "crypto/random.h"

namespace sealpost::portal {
namespace {

constexpr std::int64_t kCodeWaitSeconds = 5 * 60;

std::string Key(std::string_view token) { return Sha256(token); }

// Makes room for one more: expired sessions go, then — still full — the one closest
// to expiry, so a flood of new sessions cannot grow memory.
template <typename Map>
void MakeRoom(Map& sessions, std::size_t max, std::int64_t now) {
  if (sessions.size() < max) return;
  for (auto it = sessions.begin(); it != sessions.end();) {
    it = it->second.expires_at <= now ? sessions.erase(it) : std::next(it);
  }
  if (sessions.size() < max) return;
  auto oldest = sessions.begin();
  for (auto it = sessions.begin(); it != sessions.end(); ++it) {
    if (it->second.expires_at < oldest->second.expires_at) oldest = it;
  }
  sessions.erase(oldest);
}

// Idle time moves a session's end on, never past its absolute end.
std::int64_t NextExpiry(std::int64_t now, std::int64_t idle, std::int64_t ends_at) {
  return std::min(now + idle, ends_at);
}

}  // namespace

std::string PortalSessions::Create(const std::string& recipient_id, SecretBytes data_key,
                                   const std::string& account_id) {
  std::string token = Base64UrlEncode(RandomBytes(32));
  const std::int64_t now = clock_.NowUnix();
  const std::int64_t ends_at = now + kSessionLifetimeSeconds;
  std::lock_guard lock(mu_);
  MakeRoom(sessions_, max_sessions_, now);
  sessions_[Key(token)] = {
      {recipient_id, std::make_shared<const SecretBytes>(std::move(data_key)), account_id},
      NextExpiry(now, idle_seconds_, ends_at), ends_at};
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
  it->second.expires_at = NextExpiry(now, idle_seconds_, it->second.ends_at);
  return it->second.session;
}

void PortalSessions::Remove(std::string_view token) {
  std::lock_guard lock(mu_);
  sessions_.erase(Key(token));
}

void PortalSessions::RemoveAccount(const std::string& account_id) {
  if (account_id.empty()) return;
  std::lock_guard lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.session.account_id == account_id ? sessions_.erase(it) : std::next(it);
  }
}

std::size_t PortalSessions::size() {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::string AccountSessions::Create(AccountSession session) {
  std::string token = Base64UrlEncode(RandomBytes(32));
  const std::int64_t now = clock_.NowUnix();
  const std::int64_t lifetime = session.needs_code ? std::min(idle_seconds_, kCodeWaitSeconds)
                                                   : idle_seconds_;
  const std::int64_t ends_at = now + kSessionLifetimeSeconds;
  std::lock_guard lock(mu_);
  MakeRoom(sessions_, max_sessions_, now);
  sessions_[Key(token)] = {std::move(session), NextExpiry(now, lifetime, ends_at), ends_at};
  return token;
}

std::optional<AccountSession> AccountSessions::Find(std::string_view token) {
  if (token.empty() || token.size() > 64) return std::nullopt;
  const std::int64_t now = clock_.NowUnix();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(Key(token));
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires_at <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  // Waiting for a code does not keep a session alive.
  if (!it->second.session.needs_code) {
    it->second.expires_at = NextExpiry(now, idle_seconds_, it->second.ends_at);
  }
  return it->second.session;
}

bool AccountSessions::Update(std::string_view token, AccountSession session) {
  const std::int64_t now = clock_.NowUnix();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(Key(token));
  if (it == sessions_.end() || it->second.expires_at <= now) return false;
  const bool was_waiting = it->second.session.needs_code;
  it->second.session = std::move(session);
  if (was_waiting && !it->second.session.needs_code) {
    it->second.expires_at = NextExpiry(now, idle_seconds_, it->second.ends_at);
  }
  return true;
}

void AccountSessions::Remove(std::string_view token) {
  std::lock_guard lock(mu_);
  sessions_.erase(Key(token));
}

void AccountSessions::RemoveAccount(const std::string& account_id) {
  std::lock_guard lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.session.account_id == account_id ? sessions_.erase(it) : std::next(it);
  }
}

}  // namespace sealpost::portal
