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
  bool login = false;           // the recipient signs in to a portal account (else: a question)
  // The namespace's Message Center holds the message too: the link is not its only key,
  // so the notice must not say it is (the recipient can also sign in to their inbox).
  bool in_message_center = false;
  // A namespace's branding (issue 8): the link drawn as a button in its accent colour
  // ("#rrggbb", checked when set), and how to reach its help. Empty: plain.
  std::string accent_colour;
  std::string support_contact;
  // Header fields the message it tells of carries for its recipient's mail program
  // (a campaign's List-Unsubscribe and List-Unsubscribe-Post): the notice is what that
  // program sees.
  std::vector<std::pair<std::string, std::string>> headers;
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

// Tells a sender what happened to one recipient's copy of their secure message: it
// was opened (a read receipt the sender asked for, on first view) or it was locked
// after too many wrong answers or passwords. It names the recipient and when;
// nothing of the content.
struct SenderNotice {
  std::string organisation;
  std::string from_address;  // the notice's From address
  std::string to_address;    // the sender
  std::string recipient;     // the recipient the notice is about
  std::string reference;     // e.g. "sent on 2026-11-22 10:00 UTC (id 1a2b...)"
  std::string at;            // human-readable time
  std::string message_id_domain;  // empty: from_address's domain, else "localhost"
};
Result<std::string> BuildReadReceipt(const SenderNotice& receipt);
Result<std::string> BuildLockedNotice(const SenderNotice& notice);

// A receipt to whoever sent a secure form (the address they gave in it, when the form
// offers receipts): that it arrived, when, and its reference — nothing of what they sent.
struct FormReceipt {
  std::string organisation;
  std::string from_address;
  std::string to_address;
  std::string form_title;
  std::string reference;          // the submission's id
  std::string at;                 // human-readable time
  std::string message_id_domain;  // empty: from_address's domain, else "localhost"
};
Result<std::string> BuildFormReceipt(const FormReceipt& receipt);

// A secure request's link (issue 24): who asks for documents, the one-time link to the
// upload page, until when. What the requester wrote is on the page, never in the mail.
struct RequestMail {
  std::string organisation;
  std::string from_address;
  std::string to_address;
  std::string requester;
  std::string link;               // never log this
  std::string expires;            // human-readable time
  std::string message_id_domain;  // empty: from_address's domain, else "localhost"
};
Result<std::string> BuildRequestMail(const RequestMail& mail);

// Mail to a portal account's address: the link that confirms a new account, or the
// one that sets a new password. Both are single-use and expire; the link is a secret.
struct AccountMail {
  // The console's: an administrator's invitation to choose a password, and a reset.
  enum class Kind { kConfirm, kReset, kConsoleInvite, kConsoleReset };
  Kind kind = Kind::kConfirm;
  std::string organisation;
  std::string from_address;
  std::string to_address;
  std::string link;     // never log this
  std::string valid_for;  // e.g. "24 hours"
  std::string message_id_domain;  // empty: from_address's domain, else "localhost"
};
Result<std::string> BuildAccountMail(const AccountMail& mail);

}  // namespace sealpost
