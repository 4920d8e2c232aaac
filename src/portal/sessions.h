// Portal sessions of verified recipients, held in memory only: a session keeps the
// message key that the recipient's link secret and answer unwrapped, so it must
// never be written down. Sessions end after 15 minutes idle (configurable); the
// cookie carries a random 256-bit token, and the table is keyed by its hash.
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

namespace sealpost::portal {

struct PortalSession {
  std::string recipient_id;
  std::shared_ptr<const SecretBytes> data_key;
};

class PortalSessions {
 public:
  PortalSessions(const Clock& clock, std::int64_t idle_seconds, std::size_t max_sessions = 100000)
      : clock_(clock), idle_seconds_(idle_seconds), max_sessions_(max_sessions) {}

  // Returns the token for the cookie.
  std::string Create(const std::string& recipient_id, SecretBytes data_key);
  // The session, if the token is live and belongs to `recipient_id`; refreshes it.
  std::optional<PortalSession> Find(std::string_view token, const std::string& recipient_id);
  void Remove(std::string_view token);
  std::size_t size();

 private:
  struct Entry {
    PortalSession session;
    std::int64_t expires_at;
  };
  void DropExpired(std::int64_t now);

  const Clock& clock_;
  const std::int64_t idle_seconds_;
  const std::size_t max_sessions_;
  std::mutex mu_;  // guards sessions_
  std::unordered_map<std::string, Entry> sessions_;
};

}  // namespace sealpost::portal
