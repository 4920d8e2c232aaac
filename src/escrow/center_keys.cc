#include "escrow/center_keys.h"

#include "crypto/key_ring.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "store/stores.h"

namespace sealpost {

std::string NamespaceKeyAad(const std::string& name) { return "sealpost/namespace-key/v1|" + name; }

namespace {

std::string WrapAadOf(const std::string& message_id, const std::string& holder) {
  return "sealpost/center/key/v1|" + message_id + "|" + holder;
}

std::string SubjectAad(const std::string& message_id) {
  return "sealpost/center/subject/v1|" + message_id;
}

}  // namespace

Result<SecretBytes> CenterKeys::KeyOf(const std::string& namespace_name) {
  {
    std::lock_guard lock(mu_);
    if (auto it = known_.find(namespace_name); it != known_.end()) {
      return SecretBytes(it->second.data(), it->second.size());
    }
  }
  auto ns = org_.FindNamespace(namespace_name);
  if (!ns.ok()) return std::move(ns).error();
  if (!ns->has_value()) return MakeError(ErrorCode::kNotFound, "no namespace " + namespace_name);
  std::string sealed = (*ns)->sealed_key;
  if (sealed.empty()) {
    SecretBytes fresh = RandomSecret(32);
    auto boxed = keys_.namespaces().Seal(fresh.view(), NamespaceKeyAad(namespace_name));
    if (!boxed.ok()) return std::move(boxed).error();
    // Whoever stores first wins; everyone uses the one kept.
    auto kept = org_.KeepNamespaceKey(namespace_name, *boxed);
    if (!kept.ok()) return std::move(kept).error();
    sealed = std::move(*kept);
  }
  auto key = keys_.namespaces().OpenSecret(sealed, NamespaceKeyAad(namespace_name));
  if (!key.ok()) return key;
  std::lock_guard lock(mu_);
  known_.emplace(namespace_name, SecretBytes(key->data(), key->size()));
  return key;
}

namespace {

// The key a copy is wrapped under: the namespace key, or — for a question copy — one
// that needs the answer too.
Result<SecretBytes> WrappingKey(const SecretBytes& namespace_key, const SecretBytes* answer_key,
                                const std::string& message_id, const std::string& holder) {
  if (!answer_key) return namespace_key.Copy();
  SecretBytes ikm(namespace_key.size() + answer_key->size());
  std::copy(namespace_key.data(), namespace_key.data() + namespace_key.size(), ikm.data());
  std::copy(answer_key->data(), answer_key->data() + answer_key->size(),
            ikm.data() + namespace_key.size());
  return HkdfSha256(ikm.view(), "",
                    "sealpost/center/answer-wrap/v1|" + message_id + "|" + holder);
}

}  // namespace

Result<std::string> CenterWrap(const SecretBytes& namespace_key, const SecretBytes& message_key,
                               const std::string& message_id, const std::string& holder,
                               const SecretBytes* answer_key) {
  auto key = WrappingKey(namespace_key, answer_key, message_id, holder);
  if (!key.ok()) return std::move(key).error();
  return BoxSeal(*key, message_key.view(), WrapAadOf(message_id, holder));
}

Result<SecretBytes> CenterUnwrap(const SecretBytes& namespace_key, std::string_view wrapped,
                                 const std::string& message_id, const std::string& holder,
                                 const SecretBytes* answer_key) {
  auto key = WrappingKey(namespace_key, answer_key, message_id, holder);
  if (!key.ok()) return std::move(key).error();
  return BoxOpenSecret(*key, wrapped, WrapAadOf(message_id, holder));
}

Result<std::string> CenterSealSubject(const SecretBytes& namespace_key, std::string_view subject,
                                      const std::string& message_id) {
  return BoxSeal(namespace_key, subject, SubjectAad(message_id));
}

Result<std::string> CenterOpenSubject(const SecretBytes& namespace_key, std::string_view sealed,
                                      const std::string& message_id) {
  return BoxOpen(namespace_key, sealed, SubjectAad(message_id));
}

}  // namespace sealpost
