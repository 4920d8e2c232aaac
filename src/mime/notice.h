// The notice email that tells an escrow recipient a secure message is waiting.
// It carries the portal link and nothing of the message's content, except the
// subject when the administrator chose to show it.
#pragma once

#include <string>
#include <vector>

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

// Tells a sender that some recipients of their message got nothing, and why (the
// failure action "bounce"). It names the recipients and the policy's reasons, never
// the message's content.
struct UndeliveredNotice {
  struct Recipient {
    std::string address;
    std::string reason;
  };
  std::string organisation;
  std::string from_address;     // the notice's From address
  std::string to_address;       // the sender
  std::string reference;        // e.g. "queued as 1a2b... on 2026-11-22 10:00 UTC"
  std::vector<Recipient> recipients;
  std::string message_id_domain;  // empty: from_address's domain, else "localhost"
};
Result<std::string> BuildUndeliveredNotice(const UndeliveredNotice& notice);

// Tells a sender who asked for it that a recipient opened their secure message (first
// view). It names the recipient and when; nothing of the content.
struct ReadReceipt {
  std::string organisation;
  std::string from_address;  // the receipt's From address
  std::string to_address;    // the sender
  std::string reader;        // the recipient who opened it
  std::string reference;     // e.g. "sent on 2026-11-22 10:00 UTC (id 1a2b...)"
  std::string viewed_at;     // human-readable time
  std::string message_id_domain;  // empty: from_address's domain, else "localhost"
};
Result<std::string> BuildReadReceipt(const ReadReceipt& receipt);

}  // namespace sealpost
