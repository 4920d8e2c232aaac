#include "escrow/message_center.h"

#include "base/text.h"
#include "escrow/answer.h"

namespace sealpost {

MessageCenter::MessageCenter(EscrowService& escrow, const EscrowOpener& opener,
                             MessageStore& messages, CenterKeys* keys, const Clock& clock)
    : escrow_(escrow), opener_(opener), messages_(messages), keys_(keys), clock_(clock) {}

Result<std::vector<CenterEntry>> MessageCenter::Center(const std::string& ns,
                                                       const std::string& address, int limit) {
  std::vector<CenterEntry> out;
  if (ns.empty() || !keys_) return out;  // the shared pool has no center
  auto items = messages_.CenterItems(ns, address, clock_.NowUnix(), limit);
  if (!items.ok()) return std::move(items).error();
  if (items->empty()) return out;
  auto key = keys_->KeyOf(ns);
  if (!key.ok()) return std::move(key).error();
  for (auto& item : *items) {
    auto subject = CenterOpenSubject(*key, item.center_subject, item.message_id);
    if (!subject.ok()) return std::move(subject).error();
    item.center_key.clear();
    out.push_back({std::move(item), std::move(*subject)});
  }
  return out;
}

Result<SecretBytes> MessageCenter::OpenFromCenter(const LinkState& link, const std::string& ns,
                                                  const std::string& address,
                                                  const std::optional<std::string>& answer,
                                                  const std::string& client_address) {
  auto fresh = messages_.FindRecipient(link.recipient.id);
  if (!fresh.ok()) return std::move(fresh).error();
  // Someone else's copy answers exactly as a copy that does not exist.
  if (!fresh->has_value() || ns.empty() || link.message.namespace_name != ns ||
      AsciiLower(address) != AsciiLower((*fresh)->address) || !keys_) {
    return MakeError(ErrorCode::kNotFound, "no such message");
  }
  // The account's own copy: its state (deleted, expired, locked) may be told.
  if (auto openable = escrow_.CheckOpenable(link, **fresh); !openable.ok()) {
    return std::move(openable).error();
  }
  if ((*fresh)->center_key.empty()) {
    return MakeError(ErrorCode::kNotFound, "not in the Message Center");
  }
  auto key = keys_->KeyOf(ns);
  if (!key.ok()) return std::move(key).error();
  const RecipientRecord& copy = **fresh;
  if (copy.verification != "question") {
    auto data_key = CenterUnwrap(*key, copy.center_key, link.message.id, link.recipient.id);
    if (!data_key.ok()) return std::move(data_key).error();
    escrow_.Record(link.message.id, link.recipient.id, "verified", client_address,
                   "message center");
    return data_key;
  }
  // The sender chose a question: being signed in (which a reset password or a taken-over
  // mailbox gives) is not enough, wherever the copy is opened from.
  if (!answer) return MakeError(ErrorCode::kFailedPrecondition, "question");
  auto data_key = escrow_.CheckAnswer(
      link, copy, NormaliseAnswer(*answer), client_address, [&](const SecretBytes& answer_key) {
        // Copies sealed before issue 18 were wrapped without the answer (checked by hash).
        return CenterUnwrap(*key, copy.center_key, link.message.id, link.recipient.id,
                            copy.answer_kdf.empty() ? nullptr : &answer_key);
      });
  if (!data_key.ok()) return std::move(data_key).error();
  (void)messages_.ResetFailures(link.recipient.id);
  escrow_.Record(link.message.id, link.recipient.id, "verified", client_address,
                 "message center, answer");
  return data_key;
}

Result<MessageCenter::SentCopy> MessageCenter::OpenSent(const std::string& ns,
                                                        const std::string& address,
                                                        const std::string& message_id) {
  auto message = messages_.Find(message_id);
  if (!message.ok()) return std::move(message).error();
  if (!message->has_value() || ns.empty() || (*message)->namespace_name != ns ||
      AsciiLower((*message)->sender) != AsciiLower(address) || (*message)->center_key.empty() ||
      (*message)->destroyed_at || clock_.NowUnix() >= (*message)->expires_at || !keys_) {
    return MakeError(ErrorCode::kNotFound, "no such message");
  }
  auto key = keys_->KeyOf(ns);
  if (!key.ok()) return std::move(key).error();
  auto data_key = CenterUnwrap(*key, (*message)->center_key, message_id, "sent");
  if (!data_key.ok()) return std::move(data_key).error();
  auto manifest = opener_.ReadManifest(**message, *data_key);
  if (!manifest.ok()) return std::move(manifest).error();
  return SentCopy{std::move(**message), std::move(*data_key), std::move(*manifest)};
}

Result<OpenedManifest> MessageCenter::ReadSent(const std::string& ns, const std::string& address,
                                               const std::string& message_id) {
  auto sent = OpenSent(ns, address, message_id);
  if (!sent.ok()) return std::move(sent).error();
  return std::move(sent->manifest);
}

Result<std::pair<AttachmentInfo, SealedBlobReader>> MessageCenter::SentAttachment(
    const std::string& ns, const std::string& address, const std::string& message_id,
    std::size_t index) {
  auto sent = OpenSent(ns, address, message_id);
  if (!sent.ok()) return std::move(sent).error();
  const auto& attachments = sent->manifest.manifest.attachments;
  if (index >= attachments.size()) return MakeError(ErrorCode::kNotFound, "no such attachment");
  auto reader = opener_.OpenAttachment(sent->message, sent->data_key, attachments[index]);
  if (!reader.ok()) return std::move(reader).error();
  return std::make_pair(attachments[index], std::move(*reader));
}

Result<PortalMessage> MessageCenter::ComposeTo(const std::string& ns, const std::string& address,
                                               const std::string& to, const std::string& subject) {
  // Only to someone who wrote to this account in this namespace: their latest message
  // names the organisation account the conversation belongs to.
  auto items = ns.empty() ? Result<std::vector<CenterItem>>(std::vector<CenterItem>{})
                          : messages_.CenterItems(ns, address, clock_.NowUnix(), 1000);
  if (!items.ok()) return std::move(items).error();
  std::string message_id;
  for (const auto& item : *items) {
    if (!item.sent && AsciiLower(item.counterpart) == AsciiLower(to)) {
      message_id = item.message_id;
      break;
    }
  }
  if (message_id.empty()) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "you can write only to people who have sent you a secure message here", "to");
  }
  auto message = messages_.Find(message_id);
  if (!message.ok()) return std::move(message).error();
  if (!message->has_value()) return MakeError(ErrorCode::kNotFound, "no such message");
  PortalMessage out;
  out.account = (*message)->account;
  out.namespace_name = ns;
  out.from = address;
  out.to = (*message)->sender;
  out.subject = subject;
  return out;
}

}  // namespace sealpost
