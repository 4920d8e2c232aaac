// A message composed through the API, as the RFC 5322 message a mail program would
// have sent: From, To, Cc, Subject, Date, Message-ID; a text and/or HTML body
// (multipart/alternative when both) and attachments (base64), in multipart/mixed.
// Used for copies encrypted end to end to recipients' own keys. Serialised with CRLF.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace sealpost {

struct ComposedAttachment {
  std::string filename;
  std::string content_type;
  std::string content;
};

struct ComposedMessage {
  std::string from;
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::string subject;
  std::string text;
  std::string html;
  std::vector<ComposedAttachment> attachments;
  std::string message_id_domain;
};

// kInvalidArgument when a header value holds a line break.
Result<std::string> BuildComposedMessage(const ComposedMessage& message);

}  // namespace sealpost
