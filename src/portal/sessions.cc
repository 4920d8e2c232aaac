#include "portal/sessions.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "base/encoding.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "store/stores.h"

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

// --- Sessions kept in the shared store ---

// A shared session's row is written again when used only once its idle limit has moved
// this far: not a write per page.
constexpr std::int64_t kTouchEverySeconds = 30;

// The key a session's contents are sealed under: from the cookie's token, which only the
// browser keeps (the row is keyed by the token's hash).
Result<SecretBytes> TokenKey(std::string_view token) {
  return HkdfSha256(token, "", "sealpost portal session v1");
}

std::string Aad(std::string_view kind, std::string_view token_hash) {
  return std::string(kind) + ":" + std::string(token_hash);
}

// Seals `plain` for the session of `token` and keeps it; false when the store refused
// (logged: the caller's session then is not made, and the page says so).
bool Keep(PortalSessionStore& store, std::string_view token, PortalSessionRecord row,
          std::string_view plain) {
  auto key = TokenKey(token);
  if (!key.ok()) return false;
  auto sealed = BoxSeal(*key, plain, Aad(row.kind, row.token_hash));
  if (!sealed.ok()) return false;
  row.sealed = std::move(*sealed);
  if (auto put = store.Put(row); !put.ok()) {
    spdlog::error("portal: session not kept: {}", put.error().ToString());
    return false;
  }
  return true;
}

// The live row of `token` and what it carries, opened; nullopt when there is none (or
// it does not open: a row that was tampered with is no session).
std::optional<std::pair<PortalSessionRecord, SecretBytes>> Load(PortalSessionStore& store,
                                                                std::string_view token,
                                                                std::string_view kind,
                                                                std::int64_t now) {
  auto row = store.Find(Key(token), now);
  if (!row.ok()) {
    spdlog::error("portal: session not read: {}", row.error().ToString());
    return std::nullopt;
  }
  if (!row->has_value() || (*row)->kind != kind) return std::nullopt;
  auto key = TokenKey(token);
  if (!key.ok()) return std::nullopt;
  auto plain = BoxOpenSecret(*key, (*row)->sealed, Aad(kind, (*row)->token_hash));
  if (!plain.ok()) return std::nullopt;
  return std::make_pair(std::move(**row), std::move(*plain));
}

void TouchShared(PortalSessionStore& store, const PortalSessionRecord& row,
                 std::int64_t expires_at) {
  if (expires_at - row.expires_at < kTouchEverySeconds) return;
  if (auto touched = store.Touch(row.token_hash, expires_at); !touched.ok()) {
    spdlog::warn("portal: session not refreshed: {}", touched.error().ToString());
  }
}

// An account session's contents, as JSON (the TOTP secret being enrolled in base64).
std::string AccountJson(const AccountSession& s) {
  boost::json::object o{{"account_id", s.account_id},
                        {"namespace", s.namespace_name},
                        {"address", s.address},
                        {"needs_code", s.needs_code},
                        {"next_recipient", s.next_recipient}};
  if (s.enrolling) o["enrolling"] = Base64UrlEncode(s.enrolling->view());
  return boost::json::serialize(o);
}

std::optional<AccountSession> AccountOf(std::string_view json) {
  boost::system::error_code ec;
  auto value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& o = value.as_object();
  auto text = [&](const char* key) -> std::string {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  AccountSession s;
  s.account_id = text("account_id");
  s.namespace_name = text("namespace");
  s.address = text("address");
  const auto* code = o.if_contains("needs_code");
  s.needs_code = code && code->is_bool() && code->as_bool();
  s.next_recipient = text("next_recipient");
  if (std::string enrolling = text("enrolling"); !enrolling.empty()) {
    auto bytes = Base64UrlDecodeSecret(enrolling);
    if (!bytes) return std::nullopt;
    s.enrolling = std::make_shared<const SecretBytes>(std::move(*bytes));
  }
  return s;
}

}  // namespace

std::string PortalSessions::Create(const std::string& recipient_id, SecretBytes data_key,
                                   const std::string& account_id) {
  std::string token = Base64UrlEncode(RandomBytes(32));
  const std::int64_t now = clock_.NowUnix();
  const std::int64_t ends_at = now + kSessionLifetimeSeconds;
  if (shared_) {
    PortalSessionRecord row{Key(token), "message", recipient_id,
                            account_id, "",        NextExpiry(now, idle_seconds_, ends_at),
                            ends_at};
    // A session not kept: the token opens nothing (the page that follows asks again).
    (void)Keep(*shared_, token, std::move(row), data_key.view());
    return token;
  }
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
  if (shared_) {
    auto loaded = Load(*shared_, token, "message", now);
    if (!loaded || loaded->first.recipient_id != recipient_id) return std::nullopt;
    TouchShared(*shared_, loaded->first, NextExpiry(now, idle_seconds_, loaded->first.ends_at));
    return PortalSession{recipient_id,
                         std::make_shared<const SecretBytes>(std::move(loaded->second)),
                         loaded->first.account_id};
  }
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
  if (shared_) {
    if (auto gone = shared_->Remove(Key(token)); !gone.ok()) {
      spdlog::error("portal: session not ended: {}", gone.error().ToString());
    }
    return;
  }
  std::lock_guard lock(mu_);
  sessions_.erase(Key(token));
}

void PortalSessions::RemoveAccount(const std::string& account_id) {
  if (account_id.empty()) return;
  if (shared_) {
    if (auto gone = shared_->RemoveAccount(account_id); !gone.ok()) {
      spdlog::error("portal: the account's sessions not ended: {}", gone.error().ToString());
    }
    return;
  }
  std::lock_guard lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.session.account_id == account_id ? sessions_.erase(it) : std::next(it);
  }
}

std::size_t PortalSessions::size() {
  if (shared_) {
    auto n = shared_->Count("message", clock_.NowUnix());
    return n.ok() ? static_cast<std::size_t>(*n) : 0;
  }
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::string AccountSessions::Create(AccountSession session) {
  std::string token = Base64UrlEncode(RandomBytes(32));
  const std::int64_t now = clock_.NowUnix();
  const std::int64_t lifetime = session.needs_code ? std::min(idle_seconds_, kCodeWaitSeconds)
                                                   : idle_seconds_;
  const std::int64_t ends_at = now + kSessionLifetimeSeconds;
  if (shared_) {
    PortalSessionRecord row{
        Key(token), "account", "", session.account_id, "", NextExpiry(now, lifetime, ends_at),
        ends_at};
    (void)Keep(*shared_, token, std::move(row), AccountJson(session));
    return token;
  }
  std::lock_guard lock(mu_);
  MakeRoom(sessions_, max_sessions_, now);
  sessions_[Key(token)] = {std::move(session), NextExpiry(now, lifetime, ends_at), ends_at};
  return token;
}

std::optional<AccountSession> AccountSessions::Find(std::string_view token) {
  if (token.empty() || token.size() > 64) return std::nullopt;
  const std::int64_t now = clock_.NowUnix();
  if (shared_) {
    auto loaded = Load(*shared_, token, "account", now);
    if (!loaded) return std::nullopt;
    auto session = AccountOf(loaded->second.view());
    if (!session) return std::nullopt;
    // Waiting for a code does not keep a session alive.
    if (!session->needs_code) {
      TouchShared(*shared_, loaded->first, NextExpiry(now, idle_seconds_, loaded->first.ends_at));
    }
    return session;
  }
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
  if (shared_) {
    auto loaded = Load(*shared_, token, "account", now);
    if (!loaded) return false;
    auto before = AccountOf(loaded->second.view());
    PortalSessionRecord row = loaded->first;
    if (before && before->needs_code && !session.needs_code) {
      row.expires_at = NextExpiry(now, idle_seconds_, row.ends_at);
    }
    row.account_id = session.account_id;
    return Keep(*shared_, token, std::move(row), AccountJson(session));
  }
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
  if (shared_) {
    if (auto gone = shared_->Remove(Key(token)); !gone.ok()) {
      spdlog::error("portal: session not ended: {}", gone.error().ToString());
    }
    return;
  }
  std::lock_guard lock(mu_);
  sessions_.erase(Key(token));
}

void AccountSessions::RemoveAccount(const std::string& account_id) {
  if (shared_) {
    if (auto gone = shared_->RemoveAccount(account_id); !gone.ok()) {
      spdlog::error("portal: the account's sessions not ended: {}", gone.error().ToString());
    }
    return;
  }
  std::lock_guard lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.session.account_id == account_id ? sessions_.erase(it) : std::next(it);
  }
}

}  // namespace sealpost::portal
