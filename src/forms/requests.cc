#include "forms/requests.h"

#include "audit/pending.h"
#include "base/encoding.h"
#include "base/text.h"
#include "crypto/key_ring.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "mime/address.h"
#include "mime/notice.h"
#include "queue/queue_entry.h"
#include "store/stores.h"

namespace sealpost::forms {
namespace {

std::string TokenHash(std::string_view token) { return Sha256(token); }

// Printable text and line breaks only, at most kMaxRequestNote characters.
std::string NoteProblem(std::string_view note) {
  if (TrimWhitespace(note).empty()) return "say what you ask for";
  if (ValidUtf8(note) != note) return "must be UTF-8 text";
  std::size_t characters = 0;
  for (unsigned char c : note) {
    if ((c & 0xC0) != 0x80) ++characters;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return "has a control character";
  }
  if (characters > kMaxRequestNote) {
    return "is longer than " + std::to_string(kMaxRequestNote) + " characters";
  }
  return "";
}

}  // namespace

std::string RequestNoteAad(const std::string& id) { return "form-request|" + id; }

Result<FormRequestRecord> RequestDesk::Create(const NewRequest& in) {
  if (!IsValidAddress(in.recipient)) {
    return MakeError(ErrorCode::kInvalidArgument, "is not an email address", "to");
  }
  if (!IsValidAddress(in.requester)) {
    return MakeError(ErrorCode::kInvalidArgument, "is not an email address", "from");
  }
  if (auto problem = NoteProblem(in.note); !problem.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, problem, "message");
  }
  if (in.days < 1 || in.days > kMaxRequestDays) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "must be from 1 to " + std::to_string(kMaxRequestDays), "expires_in_days");
  }
  const std::int64_t now = clock_.NowUnix();
  FormRequestRecord r;
  r.id = NewId();
  std::string token = Base64UrlEncode(RandomBytes(32));
  r.token_hash = TokenHash(token);
  r.account = in.account.empty() ? "default" : in.account;
  r.requester = in.requester;
  r.recipient = in.recipient;
  r.created_at = now;
  r.expires_at = now + std::int64_t{86400} * in.days;
  auto sealed = metadata_key_.Seal(in.note, RequestNoteAad(r.id));
  if (!sealed.ok()) return std::move(sealed).error();
  r.sealed_note = std::move(*sealed);

  RequestMail mail{settings_.organisation,
                   settings_.mail_from,
                   r.recipient,
                   r.requester,
                   settings_.public_url + "/q/" + token,
                   FormatHumanDate(r.expires_at),
                   ""};
  auto text = BuildRequestMail(mail);
  WipeMemory(mail.link.data(), mail.link.size());
  WipeMemory(token.data(), token.size());
  if (!text.ok()) return std::move(text).error();
  auto entry = SealQueueEntry(queue_key_, "", r.recipient, *text, now);
  WipeMemory(text->data(), text->size());
  if (!entry.ok()) return std::move(entry).error();

  // The request and its record in one transaction; then its link leaves.
  audit::AuditRecord record;
  record.at = now;
  record.account = r.account;
  if (!audit::NameCurrentActor(record)) {
    record.actor_kind = "user";
    record.actor = r.requester;
  }
  record.action = "request.created";
  record.subject = r.id;
  record.result = "ok";
  record.recipient = r.recipient;
  record.details = "{\"expires_at\":" + std::to_string(r.expires_at) + "}";
  {
    audit::PendingRecord pending(std::move(record));
    if (auto added = store_.AddRequest(r); !added.ok()) return std::move(added).error();
  }
  if (auto queued = queue_.Record({}, {*entry}, {}); !queued.ok()) return std::move(queued).error();
  if (settings_.notify_queue) settings_.notify_queue();
  return r;
}

Result<std::optional<FormRequestRecord>> RequestDesk::FindByToken(std::string_view token) {
  if (token.size() != 43) return std::optional<FormRequestRecord>();
  return store_.FindRequestByToken(TokenHash(token));
}

Result<std::optional<FormRequestRecord>> RequestDesk::Find(const std::string& id) {
  return store_.FindRequest(id);
}

Result<std::string> RequestDesk::Note(const FormRequestRecord& request) const {
  return metadata_key_.Open(request.sealed_note, RequestNoteAad(request.id));
}

const char* RequestDesk::State(const FormRequestRecord& request, std::int64_t now) {
  if (request.answered_at > 0) return "answered";
  if (now >= request.expires_at) return "expired";
  return "waiting";
}

Definition RequestDesk::AnswerForm() {
  Definition d;
  d.title = "Send documents";
  Step step;
  Field message;
  message.name = "message";
  message.type = FieldType::kLongText;
  message.label = "Your message (optional)";
  message.max_length = 10000;
  Field files;
  files.name = "files";
  files.type = FieldType::kFile;
  files.label = "Documents";
  files.required = true;
  files.max_bytes = kMaxRequestBytes;
  files.multiple = true;
  step.fields = {message, files};
  d.steps = {step};
  d.retention_days = kMaxRequestDays;
  return d;
}

}  // namespace sealpost::forms
