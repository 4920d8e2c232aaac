// DomainSigner: signs outgoing mail with the DKIM keys of its From domain — or of the
// nearest parent domain with keys, which DMARC's relaxed alignment accepts — adding one
// DKIM-Signature per key (RSA and Ed25519 both when both exist: RFC 8463 §4 asks
// signers to sign both ways while receivers catch up). Keys live in the store, the
// private part sealed under the metadata key.
// Thread-safety: Sign may be called from any thread (the store serialises).
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"
#include "dkim/dkim.h"
#include "store/stores.h"

namespace sealpost::dkim {

class DomainSigner {
 public:
  DomainSigner(OrgStore& store, const SecretBytes& metadata_key, const Clock& clock)
      : store_(store), key_(metadata_key), clock_(clock) {}

  // A new key for `domain`, replacing its key of the same algorithm; `selector` empty:
  // "sealpost-rsa-YYYYMM" or "sealpost-ed25519-YYYYMM".
  Result<DkimKeyRecord> CreateKey(const std::string& domain, Algorithm algorithm,
                                  const std::string& selector);

  // The fields to put on top of `message`; "" when no key covers its From domain.
  Result<std::string> Sign(std::string_view message) const;
  // The same for a message given as its header and the relaxed hash of its body
  // (dkim::RelaxedBodyHasher), for one too large to hold.
  Result<std::string> SignHeader(std::string_view header, const std::string& body_hash) const;

 private:
  OrgStore& store_;
  const SecretBytes& key_;
  const Clock& clock_;
};

// The zone-file line to publish, the key split in strings of at most 255 characters:
// sel._domainkey.example.org. IN TXT ( "v=DKIM1; k=rsa; p=MIIB..." "..." )
std::string ZoneFileRecord(const DkimKeyRecord& key);

// The domain of the (first) From address, lower-case; "" when there is none.
std::string FromDomain(std::string_view message);

}  // namespace sealpost::dkim
