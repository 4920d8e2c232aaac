// The Message Center (issue 8): for a namespace's signed-in portal account, the messages
// it received and sent there, opened without their links, and new messages to those
// who wrote to it. Copies open through the escrow lifecycle (EscrowService): the same
// lock, expiry and answer checks, the same events, as by link. A namespace without
// Message Center keys (CenterKeys) has no center: nothing is listed or opened.
// All methods block (database, decryption): call them off the event loop.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "escrow/center_keys.h"
#include "escrow/escrow_service.h"
#include "escrow/opener.h"
#include "store/stores.h"

namespace sealpost {

// One line of a Message Center, its subject opened.
struct CenterEntry {
  CenterItem item;
  std::string subject;
};

class MessageCenter {
 public:
  // `keys` null: no namespace has a center.
  MessageCenter(EscrowService& escrow, const EscrowOpener& opener, MessageStore& messages,
                CenterKeys* keys, const Clock& clock);

  // For a signed-in account of namespace `ns` and its `address`. Entries: what the center holds for the account, newest first, at most
  // `limit`; subjects opened. Another namespace's or address's messages never appear.
  Result<std::vector<CenterEntry>> Center(const std::string& ns, const std::string& address,
                                          int limit);
  // Opens the account's copy from the center, without the link: kNotFound (alike for
  // unknown copies and other accounts' or namespaces' copies), kFailedPrecondition as
  // Answer. A copy the sender protected with a question needs its `answer` here too:
  // kFailedPrecondition "question" without one, kUnauthenticated (attempts left, the
  // failure counted toward the lock) for a wrong one. Records "verified".
  Result<SecretBytes> OpenFromCenter(const LinkState& link, const std::string& ns,
                                     const std::string& address,
                                     const std::optional<std::string>& answer,
                                     const std::string& client_address);
  // A message the account sent from the portal (`message_id`), read from the center.
  // kNotFound alike for unknown messages and others'.
  Result<OpenedManifest> ReadSent(const std::string& ns, const std::string& address,
                                  const std::string& message_id);
  // One of its attachments (kNotFound as above, or for no such attachment).
  Result<std::pair<AttachmentInfo, SealedBlobReader>> SentAttachment(const std::string& ns,
                                                                     const std::string& address,
                                                                     const std::string& message_id,
                                                                     std::size_t index);
  // A new message from the center to someone who has sent the account a message the
  // center holds (that sender's latest message names the organisation account);
  // kPermissionDenied for anyone else.
  Result<PortalMessage> ComposeTo(const std::string& ns, const std::string& address,
                                  const std::string& to, const std::string& subject);

 private:
  // A message the account sent from the portal, opened with the center's copy of its key.
  struct SentCopy {
    MessageRecord message;
    SecretBytes data_key;
    OpenedManifest manifest;
  };
  Result<SentCopy> OpenSent(const std::string& ns, const std::string& address,
                            const std::string& message_id);

  EscrowService& escrow_;
  const EscrowOpener& opener_;
  MessageStore& messages_;
  CenterKeys* keys_;
  const Clock& clock_;
};

}  // namespace sealpost
