#include "escrow/answer_keys.h"

#include "base/encoding.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "store/stores.h"

namespace sealpost {

std::string AnswerKeyAad(const std::string& tag) {
  return "sealpost/answer-key/v1|" + Base64UrlEncode(tag);
}

std::string StretchedAnswerKdf(const Argon2Params& params, std::string_view salt) {
  return Argon2ParamsName(params) + "$" + Base64UrlEncode(salt);
}

Result<std::shared_ptr<const StretchedAnswer>> AnswerKeys::For(
    const std::string& where, std::string_view normalised_answer) const {
  // Where and what, under a key only the server has: the tag says nothing of the answer.
  const std::string tag = HmacSha256(
      lookup_key_, "sealpost/answer-key/tag/v1|" + where + "\n" + std::string(normalised_answer));
  auto found = store_.Find(tag);
  if (!found.ok()) return std::move(found).error();
  std::optional<AnswerKeyRecord> record = std::move(*found);
  if (!record) {
    const std::string salt = RandomBytes(16);
    auto stretched = StretchSecret(normalised_answer, salt, params_);
    if (!stretched.ok()) return std::move(stretched).error();
    auto sealed = metadata_key_.Seal(stretched->view(), AnswerKeyAad(tag));
    if (!sealed.ok()) return std::move(sealed).error();
    auto kept = store_.Keep({tag, StretchedAnswerKdf(params_, salt), *sealed, clock_.NowUnix()});
    if (!kept.ok()) return std::move(kept).error();
    record = std::move(*kept);
  }
  auto key = metadata_key_.OpenSecret(record->sealed_key, AnswerKeyAad(tag));
  if (!key.ok()) return std::move(key).error();
  return std::make_shared<const StretchedAnswer>(StretchedAnswer{record->kdf, std::move(*key)});
}

}  // namespace sealpost
