// Portal sessions of verified recipients. A session keeps the message key that the
// recipient's link secret and answer unwrapped. On one node they are held in memory
// only. When several nodes serve the portal (issue 23) they are kept in the shared
// database (a PortalSessionStore), with what they carry sealed under a key derived from
// the cookie's token — which no node keeps: the database alone opens no session, and the
// browser's cookie opens its own on whichever node it reaches. Sessions end after 15
// minutes idle (configurable) and 12 hours after they began, however busy (so a stolen
// cookie cannot be kept alive forever); the cookie carries a random 256-bit token, and
// sessions are keyed by its hash.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "base/secret.h"

namespace sealpost {
class PortalSessionStore;
}  // namespace sealpost

namespace sealpost::portal {

// The longest any session lives, idle or not.
inline constexpr std::int64_t kSessionLifetimeSeconds = 12 * 3600;

struct PortalSession {
  std::string recipient_id;
  std::shared_ptr<const SecretBytes> data_key;
  // The portal account whose sign-in opened it; empty when an answer did. A password
  // reset or "sign out everywhere" ends the account's message sessions with it.
  std::string account_id;
};

class PortalSessions {
 public:
  // `shared`: the store every node reads (null: memory only).
  PortalSessions(const Clock& clock, std::int64_t idle_seconds, std::size_t max_sessions = 100000,
                 PortalSessionStore* shared = nullptr)
      : clock_(clock), idle_seconds_(idle_seconds), max_sessions_(max_sessions), shared_(shared) {}

  // Returns the token for the cookie.
  std::string Create(const std::string& recipient_id, SecretBytes data_key,
                     const std::string& account_id = {});
  // The session, if the token is live and belongs to `recipient_id`; refreshes it.
  std::optional<PortalSession> Find(std::string_view token, const std::string& recipient_id);
  void Remove(std::string_view token);
  // Ends every message session the account's sign-in opened.
  void RemoveAccount(const std::string& account_id);
  std::size_t size();

 private:
  struct Entry {
    PortalSession session;
    std::int64_t expires_at;  // idle limit, moved on by each use
    std::int64_t ends_at;     // absolute limit
  };

  const Clock& clock_;
  const std::int64_t idle_seconds_;
  const std::size_t max_sessions_;
  PortalSessionStore* const shared_;
  std::mutex mu_;  // guards sessions_
  std::unordered_map<std::string, Entry> sessions_;
};

// A signed-in portal account, in memory only like message sessions. After the right
// password, an account with two-factor login is only half signed in (`needs_code`)
// until its code is given; half-signed-in sessions last five minutes at most.
// `enrolling`: a TOTP secret being set up, until a code from it is confirmed.
struct AccountSession {
  std::string account_id;
  std::string namespace_name;  // the pool the account is in: it signs in there only
  std::string address;
  bool needs_code = false;
  std::string next_recipient;  // the message to go on to after signing in
  std::shared_ptr<const SecretBytes> enrolling;
};

class AccountSessions {
 public:
  AccountSessions(const Clock& clock, std::int64_t idle_seconds, std::size_t max_sessions = 100000,
                  PortalSessionStore* shared = nullptr)
      : clock_(clock), idle_seconds_(idle_seconds), max_sessions_(max_sessions), shared_(shared) {}

  std::string Create(AccountSession session);
  // The live session; refreshes its idle time.
  std::optional<AccountSession> Find(std::string_view token);
  // Replaces a live session's data (false when it has ended).
  bool Update(std::string_view token, AccountSession session);
  void Remove(std::string_view token);
  // Ends every session of the account (its password was reset).
  void RemoveAccount(const std::string& account_id);

 private:
  struct Entry {
    AccountSession session;
    std::int64_t expires_at;
    std::int64_t ends_at;
  };
  const Clock& clock_;
  const std::int64_t idle_seconds_;
  const std::size_t max_sessions_;
  PortalSessionStore* const shared_;
  std::mutex mu_;  // guards sessions_
  std::unordered_map<std::string, Entry> sessions_;
};

}  // namespace sealpost::portal
