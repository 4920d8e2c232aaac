// Answers the server keeps anyway — an address-book entry's, a sender's default
// question's — stretched once each (issue 18.3): the first message to use one pays its
// Argon2id, every later message reuses the stretched key, so sealing a message to
// stored answers costs no Argon2id. Each kept answer has a salt of its own: one guess
// never tests two of them. The stretched key is sealed under the metadata key (which
// the master key derives); the server can read the stored answer anyway, so this keeps
// nothing easier to guess than what it had.
// Thread-safety: For() may be called concurrently (a racing first use is settled by the
// store). Blocking (Argon2id, database): call it off the event loop.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/key_ring.h"
#include "crypto/password_hash.h"

namespace sealpost {

class AnswerKeyStore;

// An answer stretched for a recipient's key: `kdf` names the parameters and salt (as
// RecipientRecord::answer_kdf keeps them), `key` is Argon2id's output.
struct StretchedAnswer {
  std::string kdf;
  SecretBytes key;
};

// "argon2id$v=19$m=…,t=…,p=1$<salt, base64url>": the salt given apart from the
// recipient's own (an answer stretched once for many messages).
std::string StretchedAnswerKdf(const Argon2Params& params, std::string_view salt);
// The AAD that binds a sealed stretched answer to its tag.
std::string AnswerKeyAad(const std::string& tag);

class AnswerKeys {
 public:
  // `lookup_key` keys the tags that find a stretched answer (KeyRing::lookup()).
  AnswerKeys(AnswerKeyStore& store, const PurposeKey& metadata_key, const SecretBytes& lookup_key,
             const Clock& clock, Argon2Params params = {})
      : store_(store), metadata_key_(metadata_key), lookup_key_(lookup_key), clock_(clock),
        params_(params) {}

  // The stretched key of `normalised_answer` as kept at `where` (e.g. "book|<ref>|<address>"):
  // made and kept on first use.
  Result<std::shared_ptr<const StretchedAnswer>> For(const std::string& where,
                                                     std::string_view normalised_answer) const;

 private:
  AnswerKeyStore& store_;
  const PurposeKey& metadata_key_;
  const SecretBytes& lookup_key_;
  const Clock& clock_;
  const Argon2Params params_;
};

}  // namespace sealpost
