// The key hierarchy's server side. The master key (32 random bytes in a 0600 file,
// created by `sealpost init`) never encrypts data itself; purpose keys are derived
// from it with HKDF, one per use, so no key serves two purposes:
//   metadata  — small stored fields that are not content but still sensitive
//               (escrow questions)
//   queue     — outbound messages waiting in the queue (notices carry links)
//   signing   — the organisation's Ed25519 secret key at rest
//   csrf      — CSRF tokens of portal forms
//   namespaces — namespaces' Message Center keys at rest (each wraps the message keys
//               of its namespace's messages sealed while its Message Center was on)
// Escrow message keys are NOT under the master key in key-in-link mode: see
// escrow/sealer.h.
// Thread-safety: immutable after creation.
#pragma once

#include <string>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost {

inline constexpr std::size_t kMasterKeySize = 32;

class KeyRing {
 public:
  static Result<KeyRing> Derive(const SecretBytes& master_key);

  const SecretBytes& metadata() const { return metadata_; }
  const SecretBytes& queue() const { return queue_; }
  const SecretBytes& signing() const { return signing_; }
  const SecretBytes& csrf() const { return csrf_; }
  const SecretBytes& namespaces() const { return namespaces_; }

 private:
  KeyRing() = default;
  SecretBytes metadata_, queue_, signing_, csrf_, namespaces_;
};

// Writes a fresh master key to `path` (mode 0600); fails if the file exists.
Status CreateMasterKeyFile(const std::string& path);
// Reads the master key; refuses a file that others can read or of the wrong size.
Result<SecretBytes> LoadMasterKeyFile(const std::string& path);

}  // namespace sealpost
