// Secure requests (issue 24): a sender asks someone for documents. The one way the
// console and the API make one: the request checked, kept (the link's token only as its
// hash, the sender's note sealed), and its one-time link mailed to whoever is asked.
// What comes back arrives like a form's submission (portal/form_pages.h, /q/{token}),
// sent to the requester by the one road. Blocking (store, queue).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "forms/definition.h"
#include "store/records.h"

namespace sealpost {
class FormStore;
class PurposeKey;
class QueueStore;
}  // namespace sealpost

namespace sealpost::forms {

inline constexpr std::size_t kMaxRequestNote = 4000;  // characters
inline constexpr int kMaxRequestDays = 30;
// What one answer may carry: the files together.
inline constexpr std::uint64_t kMaxRequestBytes = 100ull * 1024 * 1024;
inline constexpr std::size_t kMaxRequestFiles = 20;

struct RequestSettings {
  std::string public_url;  // the link's base
  std::string organisation;
  std::string mail_from;
  std::function<void()> notify_queue;
};

struct NewRequest {
  std::string requester;  // who asks (the sender's own address)
  std::string recipient;  // who is asked
  std::string note;       // what the requester asks for, shown on the page
  std::string account;    // the requester's account
  int days = 7;           // the link works this long
};

// The AAD of a request's note under the metadata key, for key rotation to re-wrap it.
std::string RequestNoteAad(const std::string& request_id);

class RequestDesk {
 public:
  RequestDesk(FormStore& store, QueueStore& queue, const PurposeKey& metadata_key,
              const PurposeKey& queue_key, const Clock& clock, RequestSettings settings)
      : store_(store),
        queue_(queue),
        metadata_key_(metadata_key),
        queue_key_(queue_key),
        clock_(clock),
        settings_(std::move(settings)) {}

  // Makes the request and mails its link. kInvalidArgument naming the field: "to",
  // "message", "expires_in_days".
  Result<FormRequestRecord> Create(const NewRequest& request);
  // The request a link's token opens (nullopt: none).
  Result<std::optional<FormRequestRecord>> FindByToken(std::string_view token);
  Result<std::optional<FormRequestRecord>> Find(const std::string& id);
  Result<std::string> Note(const FormRequestRecord& request) const;
  FormStore& store() { return store_; }

  // "waiting", "answered" or "expired".
  static const char* State(const FormRequestRecord& request, std::int64_t now);
  // The page's one step: a message and the files (several in one field).
  static Definition AnswerForm();
  // What the answer is kept as: the FormSubmissionRecord's form_id.
  static std::string KeptAs(const FormRequestRecord& request) { return "request:" + request.id; }

 private:
  FormStore& store_;
  QueueStore& queue_;
  const PurposeKey& metadata_key_;
  const PurposeKey& queue_key_;
  const Clock& clock_;
  const RequestSettings settings_;
};

}  // namespace sealpost::forms
