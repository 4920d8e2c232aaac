// Message Center keys (issue 8). A namespace with the Message Center on has a key of
// its own (32 random bytes, sealed under the master key's "namespaces" purpose key,
// bound to the namespace's name). A message sealed while the Message Center is on
// keeps, beside each recipient's link-wrapped key, a copy of its message key wrapped
// by that namespace key — so the server, and therefore a signed-in recipient, can open
// it without the link. This is the trade-off the administrator chooses: in key-in-link
// mode nobody but the recipient can open a message; with the Message Center, the
// server can. Messages sealed while it is off have no such copy, whatever happens later.
// Thread-safety: CenterKeys may be called concurrently (the first use of a namespace
// is settled by the store). Blocking. A namespace's key never changes once kept, so it
// is remembered after its first use: an inbox does not read the namespace each time.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost {

class KeyRing;
class OrgStore;

class CenterKeys {
 public:
  CenterKeys(OrgStore& org, const KeyRing& keys) : org_(org), keys_(keys) {}
  // The namespace's key, made and kept on first use. kNotFound for no such namespace.
  Result<SecretBytes> KeyOf(const std::string& namespace_name);

 private:
  OrgStore& org_;
  const KeyRing& keys_;
  std::mutex mu_;
  std::map<std::string, SecretBytes> known_;  // by namespace name
};

// The message key wrapped for a recipient's copy (`holder` = the recipient id) or for
// the sender's (`holder` = "sent"); AES-256-GCM bound to the message and holder. A copy
// verified by a question is wrapped under HKDF(namespace key | answer key) instead
// (`answer_key`: the stretched answer, see AnswerKey in sealer.h), so the center, too,
// opens it only with the answer — a reset password or a taken-over mailbox is not enough.
Result<std::string> CenterWrap(const SecretBytes& namespace_key, const SecretBytes& message_key,
                               const std::string& message_id, const std::string& holder,
                               const SecretBytes* answer_key = nullptr);
Result<SecretBytes> CenterUnwrap(const SecretBytes& namespace_key, std::string_view wrapped,
                                 const std::string& message_id, const std::string& holder,
                                 const SecretBytes* answer_key = nullptr);
// The subject, sealed for the inbox's list and search.
Result<std::string> CenterSealSubject(const SecretBytes& namespace_key, std::string_view subject,
                                      const std::string& message_id);
Result<std::string> CenterOpenSubject(const SecretBytes& namespace_key, std::string_view sealed,
                                      const std::string& message_id);

// The AAD that binds a namespace's sealed Message Center key to the namespace.
std::string NamespaceKeyAad(const std::string& name);

}  // namespace sealpost
