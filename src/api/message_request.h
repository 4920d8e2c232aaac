// The body of POST /api/v1/messages, parsed and checked without I/O. Every problem
// is reported at once, each naming its field ("to[1]", "attachments[0].filename"),
// so a client can fix a request in one go.
// Untrusted input: the whole JSON document.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace sealpost::api {

struct AttachmentInput {
  std::string filename;
  std::string content_type;
  std::string content_base64;
};

struct MessageRequest {
  std::string from;
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::string subject;
  std::string text;
  std::string html;
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

// Content rules read text attachments too, up to this much in all: RE2 is linear, but
// not free.
inline constexpr std::size_t kMaxRuleText = 16 * 1024 * 1024;

// Adds an attachment's content to what content rules read, when it is text (text/*)
// and fits what is left of `*budget`.
void AddRuleText(MessageRequest& m, std::string_view content_type, std::string content,
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

struct ParsedRequest {
  MessageRequest request;
  std::vector<http::InvalidParam> problems;  // empty when the request is good
};

ParsedRequest ParseMessageRequest(std::string_view json, const RequestLimits& limits);

// Checks an attachment's name and type as given in a multipart part.
std::vector<http::InvalidParam> CheckAttachmentMeta(const std::string& field,
                                                    const std::string& filename,
                                                    const std::string& content_type);

}  // namespace sealpost::api
