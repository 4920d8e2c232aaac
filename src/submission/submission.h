// A Submission: one message as a sender handed it to sealpost, whichever way it came in
// (API JSON or multipart, SMTP, and later the portal's ways in). Every way in fills one
// of these and hands it, with the recipient plan, to the Dispatcher (dispatcher.h):
// there is one road from "accepted" to "recipients, queue entries, notices, events".
//
// The per-message options are checked here, once, with one wording for every way in;
// each way in names the field its own way ("options.escrow.answer",
// "X-Sealpost-Answer"). No I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace sealpost::policy {
struct PlanInput;
}

namespace sealpost::submission {

// An attachment given inline (the API's JSON body), still base64.
struct AttachmentInput {
  std::string filename;
  std::string content_type;
  std::string content_base64;
};

struct Submission {
  std::string from;
  std::vector<std::string> to;
  std::vector<std::string> cc;
  // Blind copies: planned and sent like the others, named in no header field and in no
  // other recipient's view of the message.
  std::vector<std::string> bcc;
  std::string subject;
  std::string text;
  std::string html;
  // Header fields a way in adds itself (a campaign's List-Unsubscribe), never a sender's.
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<AttachmentInput> attachments;
  std::optional<std::string> question;
  std::optional<std::string> answer;
  bool save_answer = false;  // keep the question and answer in the sender's default book
  std::optional<int> expires_in_days;
  bool tls_only_opt_out = false;  // options.tls_only: false, or X-Sealpost-TLS-Only: no
  // options.read_receipt, or Disposition-Notification-To: a receipt to the sender on
  // each recipient's first view.
  bool read_receipt = false;
  // Text of text/* attachments, for content rules (see AddRuleText): from the parsed
  // message (SMTP), the decoded JSON attachments or the draft's streamed ones (API).
  std::vector<std::string> attachment_texts;
};

// What the policy engine reads of a submission to plan its recipients (views into it).
// How long planning may take (learning a domain's TLS by probing its servers, above
// all): with a sender waiting for the answer, and in the background (SMTP).
inline constexpr std::chrono::seconds kInteractivePlanning{20};
inline constexpr std::chrono::seconds kBackgroundPlanning{120};
policy::PlanInput PlanInputOf(const Submission& s, bool interactive);

// Content rules read text attachments too, up to this much in all: RE2 is linear, but
// not free.
inline constexpr std::size_t kMaxRuleText = 16 * 1024 * 1024;

// Adds an attachment's content to what content rules read, when it is text (text/*)
// and fits what is left of `*budget`.
void AddRuleText(Submission& s, std::string_view content_type, std::string content,
                 std::size_t* budget);

struct RequestLimits {
  std::size_t max_recipients = 100;
  std::size_t max_attachments = 100;
  std::uint64_t max_attachment_bytes = 100ull * 1024 * 1024;  // all attachments together
  std::size_t max_subject = 998;
  std::size_t max_question = 500;
  std::size_t max_answer = 500;
  int max_expiry_days = 3650;
};

// The option checks every way in shares: the reason a value is refused, worded to
// follow the field's name ("must be …"), or "" when it is good.
std::string QuestionProblem(std::string_view question, const RequestLimits& limits);
std::string SubjectProblem(std::string_view subject, const RequestLimits& limits);
// An answer of only spaces would let anyone in: refused, as an empty one is.
std::string AnswerProblem(std::string_view answer, const RequestLimits& limits);
std::string ExpiryProblem(std::int64_t days, const RequestLimits& limits);

// Checks an attachment's name and type, as given in a JSON body or a multipart part.
std::vector<http::InvalidParam> CheckAttachmentMeta(const std::string& field,
                                                    const std::string& filename,
                                                    const std::string& content_type);

}  // namespace sealpost::submission
