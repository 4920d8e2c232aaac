// The end-to-end encrypted copy of a message for one recipient the planner gave a key:
// PGP/MIME or S/MIME, signed with the sender's organisation identity of that kind when
// there is one. Pure apart from randomness; CPU-heavy for large messages (call off
// the event loop).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "policy/recipient_planner.h"
#include "base/result.h"

namespace sealpost::policy {
struct Signers;
}

namespace sealpost::pki {
class PgpEncryptor;
}

namespace sealpost::submission {

// `message`: the whole RFC 5322 message, with no X-Sealpost-* field left in it.
// OpenPGP copies are encrypted in `pgp`'s kept contexts.
Result<std::string> EncryptedCopy(std::string_view message, const policy::EncryptedRecipient& recipient,
                                  const policy::Signers& signers, std::int64_t now,
                                  const pki::PgpEncryptor& pgp);

}  // namespace sealpost::submission
