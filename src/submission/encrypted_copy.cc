#include "submission/encrypted_copy.h"

#include "pki/encrypted_mail.h"
#include "pki/smime.h"
#include "policy/signing_identities.h"

namespace sealpost::submission {

Result<std::string> EncryptedCopy(std::string_view message, const policy::EncryptedRecipient& recipient,
                                  const policy::Signers& signers, std::int64_t now,
                                  const pki::PgpEncryptor& pgp) {
  if (recipient.method == "pgp") {
    return pki::BuildPgpMimeMessage(message, recipient.key,
                                    signers.pgp ? &*signers.pgp : nullptr, now, pgp);
  }
  pki::SmimeCertificate cert;
  cert.der = recipient.key;
  cert.gcm = recipient.gcm;
  return pki::BuildSmimeMessage(message, cert, signers.smime ? &*signers.smime : nullptr);
}

}  // namespace sealpost::submission
