// The notice email that tells an escrow recipient a secure message is waiting.
// It carries the portal link and nothing of the message's content, except the
// subject when the administrator chose to show it.
#pragma once

#include <string>

#include "base/result.h"

namespace sealpost {

struct NoticeContent {
  std::string organisation;     // shown as the From display name and in the text
  std::string from_address;     // the notice's From address
  std::string to_address;
  std::string sender_address;   // who sent the secure message
  std::string subject;          // the real subject, or the fixed one
  std::string portal_link;      // contains the link secret: never log this
  std::string expires_at;       // human-readable date
  std::string message_id_domain;
};

// The RFC 5322 message, CRLF line endings, ready for SMTP or the outbox.
Result<std::string> BuildNoticeEmail(const NoticeContent& notice);

}  // namespace sealpost
