// A message as a mail program submits it (RFC 5322 + MIME), taken apart into what the
// rest of sealpost works with: sender and recipient header fields, subject, text and
// HTML bodies, attachments, and the per-message X-Sealpost-* options.
//
// Security exposure: high — the whole message is untrusted. GMime does the parsing;
// the caller bounds the size (the SMTP session's limit) and `max_parts` bounds the work.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealpost {

struct SubmittedAttachment {
  std::string filename;
  std::string content_type;
  std::string content;  // transfer encoding removed
};

struct SubmittedMessage {
  std::vector<std::string> from;  // addresses of the From: field
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::string subject;            // decoded, UTF-8
  std::string text;               // first text/plain body, UTF-8
  std::string html;               // first text/html body, UTF-8
  std::vector<SubmittedAttachment> attachments;
  // X-Sealpost-* fields, name lower-cased without the prefix ("question", "answer",
  // "tls-only", "expires"), value trimmed; the first of each name counts.
  std::map<std::string, std::string> options;
  // multipart/encrypted (PGP/MIME) or application/pkcs7-mime: already end-to-end
  // encrypted by the sender's program.
  bool already_encrypted = false;
  // Disposition-Notification-To (RFC 8098): the sender asks to hear when it is read.
  bool read_receipt = false;
};

Result<SubmittedMessage> ParseSubmittedMessage(std::string_view raw, std::size_t max_parts = 200);
// Only what the header section says (addresses, subject, options, read receipt, and
// whether the body is encrypted already, from its Content-Type); text, html and
// attachments stay empty. The body is not read, so a message of more parts or deeper
// nesting than ParseSubmittedMessage takes apart still has its header read here.
Result<SubmittedMessage> ParseSubmittedHeader(std::string_view raw);
// The header section of `raw` through the empty line that ends it (CRLF or bare LF), or
// all of `raw` when there is none: what ParseSubmittedHeader reads, and all it reads
// (ParseSubmittedHeader(HeaderSection(raw)) says what ParseSubmittedHeader(raw) says).
std::string_view HeaderSection(std::string_view raw);

// The message with every X-Sealpost-* header field (and its continuation lines)
// removed; nothing else changes, byte for byte. These fields carry answers: they must
// never leave sealpost or be stored as content.
std::string StripSealpostHeaders(std::string_view raw);
// Whether StripSealpostHeaders would take anything out.
bool HasSealpostHeaders(std::string_view raw);

}  // namespace sealpost
