// The end-to-end encrypted copy of a message for one recipient the planner gave a key:
// PGP/MIME or S/MIME, signed with the sender's organisation identity of that kind when
// there is one. Streamed: the message is read piece by piece (S/MIME with a signature
// reads it twice) and the copy written as it is made. CPU-heavy for large messages
// (call off the event loop).
#pragma once

#include <cstdint>

#include "base/byte_stream.h"
#include "base/result.h"
#include "policy/recipient_planner.h"

namespace sealpost::policy {
struct Signers;
}

namespace sealpost::pki {
class PgpEncryptor;
}

namespace sealpost::submission {

// `message`: opens the whole RFC 5322 message, with no X-Sealpost-* field left in it.
// OpenPGP copies are encrypted in `pgp`'s kept contexts.
Status WriteEncryptedCopy(const OpenSource& message, const policy::EncryptedRecipient& recipient,
                          const policy::Signers& signers, std::int64_t now,
                          const pki::PgpEncryptor& pgp, ByteSink& out);

}  // namespace sealpost::submission
