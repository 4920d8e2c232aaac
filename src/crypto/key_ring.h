// The key hierarchy's server side. The master key (32 random bytes in a 0600 file,
// created by `sealpost init`) never encrypts data itself; purpose keys are derived
// from it with HKDF, one per use, so no key serves two purposes:
//   metadata  — small stored fields that are not content but still sensitive
//               (escrow questions, settings, DKIM and identity keys, TOTP secrets)
//   queue     — outbound messages waiting in the queue (notices carry links) and the
//               keys of their content blobs
//   signing   — the organisation's Ed25519 secret key at rest
//   csrf      — CSRF tokens of portal forms
//   namespaces — namespaces' Message Center keys at rest (each wraps the message keys
//               of its namespace's messages sealed while its Message Center was on)
//   keys      — keys kept sealed in the database (the lookup key, below)
// Escrow message keys are NOT under the master key in key-in-link mode: see
// escrow/sealer.h.
//
// Rotation (app/key_rotation.h): while a master key is being replaced, the ring holds
// two generations, the new one first. A purpose key seals with the newest and opens
// with any, so what was sealed before the rotation stays readable until it has been
// re-wrapped. A reload (SIGHUP) replaces the generations in place: every holder of a
// PurposeKey sees the new ones at its next call.
//
// Keyed lookups (a hash that finds a row: portal recovery codes, answer-key tags)
// cannot be re-computed without what they hash, so they use the lookup key: a random
// key kept sealed in the database (KeyStore), re-wrapped like the rest, the same bytes
// across rotations.
// Thread-safety: every method may be called from any thread; Reload swaps atomically.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost {

inline constexpr std::size_t kMasterKeySize = 32;

enum class KeyPurpose { kMetadata = 0, kQueue, kSigning, kCsrf, kNamespaces, kKeys };
inline constexpr int kKeyPurposeCount = 6;

namespace detail {
struct KeyGenerations;
}

// One purpose's keys, newest generation first.
class PurposeKey {
 public:
  // A purpose key of one generation made from `key` itself (tests and tools).
  explicit PurposeKey(SecretBytes key);

  Result<std::string> Seal(std::string_view plaintext, std::string_view aad) const;
  // Opens with the newest generation, then the older ones; kIntegrity when none opens.
  Result<std::string> Open(std::string_view box, std::string_view aad) const;
  Result<SecretBytes> OpenSecret(std::string_view box, std::string_view aad) const;
  // Whether `box` opens with the newest generation (re-wrapping skips those).
  bool OpensWithNewest(std::string_view box, std::string_view aad) const;
  // HMAC-SHA256 under the newest generation, and a constant-time check of `mac`
  // against every generation (tokens made just before a rotation stay good).
  std::string Mac(std::string_view data) const;
  bool MacMatches(std::string_view data, std::string_view mac) const;
  // The same for a link that carries the MAC's first bytes only (16 at least): false
  // for a shorter `prefix`.
  bool MacPrefixMatches(std::string_view data, std::string_view prefix) const;

 private:
  friend class KeyRing;
  PurposeKey(std::shared_ptr<detail::KeyGenerations> generations, KeyPurpose purpose)
      : generations_(std::move(generations)), purpose_(purpose) {}

  std::shared_ptr<detail::KeyGenerations> generations_;
  KeyPurpose purpose_;
};

class KeyRing {
 public:
  // A ring of one generation.
  static Result<KeyRing> Derive(const SecretBytes& master_key);
  // A ring of the given master keys, newest first (at least one).
  static Result<KeyRing> Derive(const std::vector<SecretBytes>& master_keys);

  KeyRing(KeyRing&&) = default;
  KeyRing& operator=(KeyRing&&) = default;

  const PurposeKey& metadata() const { return purposes_[0]; }
  const PurposeKey& queue() const { return purposes_[1]; }
  const PurposeKey& signing() const { return purposes_[2]; }
  const PurposeKey& csrf() const { return purposes_[3]; }
  const PurposeKey& namespaces() const { return purposes_[4]; }
  const PurposeKey& database_keys() const { return purposes_[5]; }
  const PurposeKey& purpose(KeyPurpose p) const { return purposes_[static_cast<int>(p)]; }

  // Names a master key without revealing it: 16 hex digits of an HKDF output.
  static std::string KeyId(const SecretBytes& master_key);
  std::string newest_key_id() const;
  std::size_t generation_count() const;

  // Replaces the generations (newest first) for every holder of this ring's keys.
  Status Reload(const std::vector<SecretBytes>& master_keys);

  // The lookup key (see above); empty until SetLookupKey. Set once, before the ring is
  // shared between threads; the same bytes across rotations.
  const SecretBytes& lookup() const;
  void SetLookupKey(SecretBytes key);

 private:
  KeyRing() = default;
  std::shared_ptr<detail::KeyGenerations> generations_;
  std::vector<PurposeKey> purposes_;
  std::string newest_id_;  // guarded by generations_->mu
  std::shared_ptr<SecretBytes> lookup_;
};

// Writes a fresh master key to `path` (mode 0600); fails if the file exists.
Status CreateMasterKeyFile(const std::string& path);
// Reads the master key; refuses a file that others can read or of the wrong size.
Result<SecretBytes> LoadMasterKeyFile(const std::string& path);

// One purpose key of `master_key`, as the ring derives it (for tools that look at raw
// keys, such as the zero-knowledge probe).
Result<SecretBytes> DerivePurposeKey(const SecretBytes& master_key, KeyPurpose purpose);

// The lookup key of a database that has none yet: the bytes of `master_key`'s metadata
// key, which keyed every lookup made before the lookup key existed.
Result<SecretBytes> FirstLookupKey(const SecretBytes& master_key);

// The file that keeps the master key being rotated out: `<path>.previous`.
std::string PreviousMasterKeyPath(const std::string& path);
// The master key at `path` and, while a rotation is under way, the previous one.
Result<std::vector<SecretBytes>> LoadMasterKeys(const std::string& path);

}  // namespace sealpost
