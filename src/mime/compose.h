// A message composed through the API, as the RFC 5322 message a mail program would
// have sent: From, To, Cc, Subject, Date, Message-ID; a text and/or HTML body
// (multipart/alternative when both) and attachments (base64), in multipart/mixed.
// Used for copies encrypted end to end to recipients' own keys. Serialised with CRLF.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/byte_stream.h"
#include "base/encoding.h"  // Base64Lines
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
  std::int64_t date = 0;  // Unix time of the Date field; 0: now
  // Further header fields, as they are ("List-Unsubscribe", "<https://…>"): names of
  // letters, digits and '-', values of one line.
  std::vector<std::pair<std::string, std::string>> headers;
};

// kInvalidArgument when a header value holds a line break.
Result<std::string> BuildComposedMessage(const ComposedMessage& message);

// The same message with its attachments left out, to be streamed in: the text before
// each attachment's base64 content and after the last. `message.attachments` give
// names and types; their content is ignored. Writing pieces[0], attachment 0 as
// Base64Lines, pieces[1], … pieces[n] yields exactly what BuildComposedMessage would.
Result<std::vector<std::string>> LayOutComposedMessage(ComposedMessage message);

// A laid-out message with its attachments streamed in, each as base64 lines: what
// BuildComposedMessage would make, a piece at a time. `attachments[i]` opens
// attachment i's content (one more piece than attachments, as LayOutComposedMessage
// gives).
std::unique_ptr<ByteSource> ComposedSource(std::shared_ptr<const std::vector<std::string>> pieces,
                                           std::vector<OpenSource> attachments);

}  // namespace sealpost
