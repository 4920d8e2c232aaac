// OpenPGP with RNP, in process: reading recipients' public keys, encrypting (and
// signing) for them, and the organisation's own signing keys. Every call works on a
// fresh RNP context of its own, so nothing is shared between threads and no keyring
// lives on disk. Validity is judged at the `now` the caller gives (the service clock).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost {
class ByteSink;
class ByteSource;
}  // namespace sealpost

namespace sealpost::pki {

// A recipient's public key, as accepted into an address book.
struct PgpPublicKey {
  std::string fingerprint;        // of the primary key, upper-case hex
  std::string transferable_key;   // binary: primary key, user ids, subkeys, signatures
  std::vector<std::string> user_ids;
  std::string algorithm;          // of the key that will encrypt, e.g. "RSA 3072", "ECDH"
  std::int64_t expires_at = 0;    // when the encryption key stops being usable; 0: never
};

// A binary OpenPGP public key in ASCII armor ("-----BEGIN PGP PUBLIC KEY BLOCK-----").
Result<std::string> ArmorPgpPublicKey(std::string_view binary);

// Reads one public key, ASCII-armored or binary, for mail to `address`. Refused with
// kInvalidArgument and a reason a person can act on: not an OpenPGP key, several keys,
// revoked, expired, no (sub)key that may encrypt, or no valid user id naming `address`.
Result<PgpPublicKey> ReadPgpPublicKey(std::string_view data, std::string_view address,
                                      std::int64_t now);

// An organisation's signing key: an unprotected secret key (binary), and its public
// part, ASCII-armored, for recipients to verify with.
struct PgpSigningKey {
  std::string fingerprint;
  std::string user_id;
  std::string public_armored;
  SecretBytes secret_key;
};

// A new Ed25519 signing key (with a Curve25519 encryption subkey, so replies can be
// encrypted to the organisation) for `user_id`, e.g. "Clinic <secure@clinic.example>".
Result<PgpSigningKey> GeneratePgpSigningKey(std::string_view user_id, std::int64_t now);
// An imported secret key; refused when it is protected by a password, cannot sign, or
// is expired or revoked.
Result<PgpSigningKey> ReadPgpSigningKey(std::string_view data, std::int64_t now);

// Encrypts `plaintext` (for PGP/MIME: the whole MIME entity, CRLF line ends) to the
// recipient's key with AES-256, and signs it first when `signer` is given. Returns
// the ASCII-armored OpenPGP message.
Result<std::string> PgpEncrypt(std::string_view plaintext, const std::string& recipient_key,
                               const SecretBytes* signer, std::int64_t now);
// The same, streamed: `plaintext` read piece by piece, the armored message written to
// `out` as it is made (never whole in memory).
Status PgpEncrypt(ByteSource& plaintext, const std::string& recipient_key, const SecretBytes* signer,
                  std::int64_t now, ByteSink& out);

// PgpEncrypt for a server that encrypts all day: RNP contexts are kept, one per thread
// encrypting at once, each with the keys it has read. Reading and checking a key, and
// seeding a context's random generator, cost far more than encrypting a message; here
// each is paid once per context and key. A context is renewed after `max_age_seconds`
// (what it judged of its keys — validity, expiry — is judged afresh) or `max_keys`.
// A key it cannot place (bytes that merge into a key read before) is encrypted to in a
// context of its own, as PgpEncrypt does.
// Thread-safety: Encrypt may be called from any thread.
class PgpEncryptor {
 public:
  explicit PgpEncryptor(std::size_t max_keys = 1000, std::int64_t max_age_seconds = 3600);
  ~PgpEncryptor();
  PgpEncryptor(const PgpEncryptor&) = delete;
  PgpEncryptor& operator=(const PgpEncryptor&) = delete;

  Result<std::string> Encrypt(std::string_view plaintext, const std::string& recipient_key,
                              const SecretBytes* signer, std::int64_t now) const;
  Status Encrypt(ByteSource& plaintext, const std::string& recipient_key, const SecretBytes* signer,
                 std::int64_t now, ByteSink& out) const;

  struct Context;

 private:
  std::unique_ptr<Context> Take(std::int64_t now) const;
  void Give(std::unique_ptr<Context> context) const;

  const std::size_t max_keys_;
  const std::int64_t max_age_seconds_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<Context>> idle_;
};

}  // namespace sealpost::pki
