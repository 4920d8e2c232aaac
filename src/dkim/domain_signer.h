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
#include "crypto/key_ring.h"
#include "dkim/dkim.h"
#include "store/stores.h"

namespace sealpost::dkim {

class DomainSigner {
 public:
  DomainSigner(OrgStore& store, const PurposeKey& metadata_key, const Clock& clock)
      : store_(store), key_(metadata_key), clock_(clock) {}

  // A domain's first key of an algorithm, signing at once. `selector` empty:
  // "sealpost-rsa-YYYYMM" or "sealpost-ed25519-YYYYMM" (a letter added when taken).
  // kAlreadyExists when the domain has a key of that algorithm: roll it over instead,
  // so that mail signed with it still verifies while on the way.
  Result<DkimKeyRecord> CreateKey(const std::string& domain, Algorithm algorithm,
                                  const std::string& selector);

  // Rollover, in two steps with both records published in between:
  // 1. a new key beside the active one, pending: it does not sign until
  // 2. Activate: it signs, and the key it replaces retires: it signs no more, and its
  //    record is to stay published for `retire_seconds` (mail in transit and in
  //    mailboxes is verified with it), after which it can go (dkim delete).
  // kFailedPrecondition when there is no active key to roll over (create one) or a
  // pending one already (activate or delete it).
  Result<DkimKeyRecord> RolloverKey(const std::string& domain, Algorithm algorithm,
                                    const std::string& selector);
  // The pending key of that algorithm; kNotFound when there is none.
  Result<DkimKeyRecord> PendingKey(const std::string& domain, Algorithm algorithm);
  // The keys that retire, now that the pending key of that algorithm signs.
  Result<std::vector<DkimKeyRecord>> Activate(const std::string& domain, Algorithm algorithm,
                                              std::int64_t retire_seconds);

  // kNotFound when the domain has no key of that selector. A key that signs (active) is
  // deleted only when `even_signing` (the CLI's way to stop signing with an algorithm);
  // else kFailedPrecondition: roll it over first.
  Status DeleteKey(const std::string& domain, const std::string& selector, bool even_signing);

  // The fields to put on top of `message`; "" when no key covers its From domain.
  Result<std::string> Sign(std::string_view message) const;
  // The same for a message given as its header and the relaxed hash of its body
  // (dkim::RelaxedBodyHasher), for one too large to hold.
  Result<std::string> SignHeader(std::string_view header, const std::string& body_hash) const;
  // Whether SignHeader would sign a message with this header: an active key covers its
  // From domain. True when the keys cannot be read (SignHeader then says why).
  bool Covers(std::string_view header) const;

 private:
  Result<DkimKeyRecord> MakeKey(const std::string& domain, Algorithm algorithm,
                                const std::string& selector, const std::string& state);

  OrgStore& store_;
  const PurposeKey& key_;
  const Clock& clock_;
};

// The zone-file line to publish, the key split in strings of at most 255 characters:
// sel._domainkey.example.org. IN TXT ( "v=DKIM1; k=rsa; p=MIIB..." "..." )
std::string ZoneFileRecord(const DkimKeyRecord& key);

// The domain of the (first) From address, lower-case; "" when there is none.
std::string FromDomain(std::string_view message);

// The AAD that binds a sealed DKIM private key to its domain and algorithm.
std::string DkimKeyAad(const std::string& domain, const std::string& algorithm);

}  // namespace sealpost::dkim
