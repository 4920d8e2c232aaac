// S/MIME with OpenSSL CMS (RFC 8551, RFC 5652): reading recipients' certificates,
// enveloping (and signing) for them, and the organisation's own signing certificates.
// Validity is judged at the `now` the caller gives (the service clock). The chain of a
// recipient's certificate is not judged here: the administrator who imports it vouches
// for it, as the sender's mail program's user would.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost {
class ByteSink;
class ByteSource;
}  // namespace sealpost

namespace sealpost::pki {

struct SmimeCertificate {
  std::string der;
  std::string subject;            // one line, RFC 2253
  std::string fingerprint;        // SHA-256, upper-case hex
  std::string key_type;           // "RSA 3072", "EC prime256v1"
  std::int64_t not_after = 0;
  // The certificate's S/MIME capabilities (RFC 4262) list AES-256-GCM: the recipient's
  // program reads AuthEnvelopedData (RFC 5083), so it gets AES-256-GCM.
  bool gcm = false;
};

// Reads one certificate, PEM or DER, for mail to `address`. Refused with
// kInvalidArgument and the reason: not a certificate, expired, not yet valid, a key
// usage or extended key usage that forbids encrypting mail, an unsupported key type,
// or no subjectAltName rfc822Name (nor, without one, subject emailAddress) naming it.
Result<SmimeCertificate> ReadSmimeCertificate(std::string_view data, std::string_view address,
                                              std::int64_t now);

// An organisation's signing certificate and its private key (PKCS#8 DER).
struct SmimeSigner {
  std::string certificate_der;
  SecretBytes private_key;
};

// A new P-256 key and a self-signed certificate for `address` (digitalSignature,
// emailProtection), valid for `days`, naming `organisation`.
Result<SmimeSigner> GenerateSmimeSigner(std::string_view address, std::string_view organisation,
                                        int days, std::int64_t now);
// An imported certificate (PEM or DER) with its private key (PEM or DER, unencrypted);
// refused when they do not belong together, or the certificate may not sign mail.
Result<SmimeSigner> ReadSmimeSigner(std::string_view certificate, std::string_view private_key,
                                    std::int64_t now);
// Subject and SHA-256 fingerprint of a DER certificate (empty when it cannot be read).
struct CertificateDescription {
  std::string subject;
  std::string fingerprint;
};
CertificateDescription DescribeCertificate(std::string_view der);

// PEM of a DER certificate, for download.
std::string CertificatePem(std::string_view der);

// The enveloped message (CMS EnvelopedData with AES-256-CBC, or AuthEnvelopedData with
// AES-256-GCM when the certificate allows), DER. `entity` is the MIME entity to protect,
// CRLF line ends.
Result<std::string> SmimeEnvelope(std::string_view entity, const SmimeCertificate& recipient);
// The same, streamed: the entity read piece by piece, the BER written to `der` as it is
// made (never whole in memory).
Status SmimeEnvelope(ByteSource& entity, const SmimeCertificate& recipient, ByteSink& der);

// A detached signature (CMS SignedData, SHA-256) over `entity`, DER.
Result<std::string> SmimeSign(std::string_view entity, const SmimeSigner& signer);
Result<std::string> SmimeSign(ByteSource& entity, const SmimeSigner& signer);

}  // namespace sealpost::pki
