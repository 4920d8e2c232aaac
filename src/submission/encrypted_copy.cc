#include "submission/encrypted_copy.h"

#include "pki/encrypted_mail.h"
#include "pki/smime.h"
#include "policy/signing_identities.h"

namespace sealpost::submission {

Status WriteEncryptedCopy(const OpenSource& message, const policy::EncryptedRecipient& recipient,
                          const policy::Signers& signers, std::int64_t now,
                          const pki::PgpEncryptor& pgp, ByteSink& out) {
  if (recipient.method == "pgp") {
    auto source = message();
    if (!source.ok()) return std::move(source).error();
    return pki::WritePgpMimeMessage(**source, recipient.key,
                                    signers.pgp ? &*signers.pgp : nullptr, now, pgp, out);
  }
  pki::SmimeCertificate cert;
  cert.der = recipient.key;
  cert.gcm = recipient.gcm;
  return pki::WriteSmimeMessage(message, cert, signers.smime ? &*signers.smime : nullptr, out);
}

}  // namespace sealpost::submission
