// Turning a whole RFC 5322 message into its end-to-end encrypted form, for one
// recipient. The header fields that route and describe the mail (From, To, Subject,
// Date, Message-ID, ...) stay outside; the MIME entity — the Content-* fields and the
// body, every part and attachment — is protected, byte for byte as it came (after line
// ends are made CRLF, the canonical form both standards require).
//   PGP/MIME (RFC 3156): multipart/encrypted around an OpenPGP message, signed inside
//     by the organisation's key when one is given.
//   S/MIME (RFC 8551): application/pkcs7-mime enveloped-data (or authEnveloped-data),
//     around a multipart/signed entity when the organisation has a signing certificate.
// Pure functions of their inputs (and randomness): no I/O of their own; the streamed
// forms read and write only through the caller's sources and sinks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/byte_stream.h"
#include "base/result.h"
#include "pki/openpgp.h"
#include "base/secret.h"

namespace sealpost::pki {

struct SmimeCertificate;
struct SmimeSigner;

struct SplitMessage {
  std::string outer_headers;  // header fields that stay in clear, each ending CRLF
  std::string entity;         // Content-* fields, blank line, body
};
// kInvalidArgument when the message has no header/body separation.
Result<SplitMessage> SplitForEncryption(std::string_view message);

// PGP/MIME (RFC 3156) of `message` for `recipient_key`, signed by `signer` when given,
// encrypted in `encryptor`'s kept contexts.
Result<std::string> BuildPgpMimeMessage(std::string_view message, const std::string& recipient_key,
                                        const SecretBytes* signer, std::int64_t now,
                                        const PgpEncryptor& encryptor);

Result<std::string> BuildSmimeMessage(std::string_view message, const SmimeCertificate& recipient,
                                      const SmimeSigner* signer);

// The same, streamed: the message read piece by piece and the encrypted mail written to
// `out` as it is made, so neither is ever whole in memory. S/MIME opens `message`
// twice when it signs (the signature is made before the entity is encrypted).
Status WritePgpMimeMessage(ByteSource& message, const std::string& recipient_key,
                           const SecretBytes* signer, std::int64_t now,
                           const PgpEncryptor& encryptor, ByteSink& out);
Status WriteSmimeMessage(const OpenSource& message, const SmimeCertificate& recipient,
                         const SmimeSigner* signer, ByteSink& out);

}  // namespace sealpost::pki
