// Opening an escrow message for a verified recipient: recognise the link, unwrap
// the message key with the link secret and the answer, read and verify the signed
// manifest, and stream attachments. Counting wrong answers and locking is the
// caller's (escrow_service.h); this file only does the cryptography.
// Thread-safety: EscrowOpener is immutable; readers belong to one thread.
#pragma once

#include <string>

#include "base/result.h"
#include "base/secret.h"
#include "crypto/key_ring.h"
#include "escrow/manifest.h"
#include "store/sealed_blob.h"
#include "store/blob_store.h"
#include "store/records.h"
#include "store/stores.h"

namespace sealpost {

struct OpenedManifest {
  Manifest manifest;
  bool signature_verified = false;
  std::string signing_key_id;
};

// Constant-time check that `link_secret` belongs to the recipient.
bool LinkMatches(const RecipientRecord& recipient, const SecretBytes& link_secret);

// kIntegrity when the link secret or the answer is wrong. One Argon2id for a copy whose
// answer is stretched (see sealer.h): call it off the event loop.
Result<SecretBytes> UnwrapMessageKey(const RecipientRecord& recipient,
                                     const SecretBytes& link_secret,
                                     std::string_view normalised_answer);

Result<std::string> OpenQuestion(const RecipientRecord& recipient, const PurposeKey& metadata_key);

class EscrowOpener {
 public:
  EscrowOpener(BlobStore& blobs, SigningKeyStore& signing_keys)
      : blobs_(blobs), signing_keys_(signing_keys) {}

  // Decrypts the manifest and verifies the organisation's signature over it. A
  // manifest whose signature fails is an error: it is never shown as if it were good.
  Result<OpenedManifest> ReadManifest(const MessageRecord& message,
                                      const SecretBytes& data_key) const;
  Result<SealedBlobReader> OpenAttachment(const MessageRecord& message,
                                          const SecretBytes& data_key,
                                          const AttachmentInfo& attachment) const;

 private:
  BlobStore& blobs_;
  SigningKeyStore& signing_keys_;
};

}  // namespace sealpost
