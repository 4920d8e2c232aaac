#include "mime/notice.h"

#include <gmime/gmime.h>

#include "base/text.h"
#include "mime/address.h"
#include "mime/gmime_util.h"

namespace sealpost {
namespace {

// A new automatic message (From, To, Subject, Date, Message-ID, Auto-Submitted).
GPtr<GMimeMessage> NewAutoMessage(const std::string& from_name, const std::string& from,
                                  const std::string& to, const std::string& subject,
                                  const std::string& message_id_domain) {
  EnsureGMimeInitialised();
  GPtr<GMimeMessage> message(g_mime_message_new(TRUE));
  g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, from_name.c_str(), from.c_str());
  g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, nullptr, to.c_str());
  g_mime_message_set_subject(message.get(), subject.c_str(), "utf-8");
  SetDateAndMessageId(message.get(), message_id_domain);
  // Automatic mail: no auto-replies or vacation notices in return.
  g_mime_object_set_header(GMIME_OBJECT(message.get()), "Auto-Submitted", "auto-generated",
                           nullptr);
  return message;
}

// Sets a text/plain + text/html body and serialises with CRLF line endings.
Result<std::string> Finish(GMimeMessage* message, const std::string& text, const std::string& html) {
  GPtr<GMimeMultipart> alternative(g_mime_multipart_new_with_subtype("alternative"));
  auto plain_part = NewUtf8TextPart("plain", text);
  auto html_part = NewUtf8TextPart("html", html);
  g_mime_multipart_add(alternative.get(), GMIME_OBJECT(plain_part.get()));
  g_mime_multipart_add(alternative.get(), GMIME_OBJECT(html_part.get()));
  g_mime_message_set_mime_part(message, GMIME_OBJECT(alternative.get()));
  return SerializeCrlf(GMIME_OBJECT(message));
}

}  // namespace

Result<std::string> BuildNoticeEmail(const NoticeContent& n) {
  for (const std::string* field : {&n.organisation, &n.from_address, &n.to_address,
                                   &n.sender_address, &n.subject, &n.message_id_domain,
                                   &n.support_contact}) {
    if (HasLineBreak(*field)) {
      return MakeError(ErrorCode::kInvalidArgument, "line break in a notice header field");
    }
  }
  if (auto s = CheckHeaderFields(n.headers); !s.ok()) return std::move(s).error();
  // Only "#rrggbb" goes into a style attribute.
  const bool colour = n.accent_colour.size() == 7 && n.accent_colour[0] == '#' &&
                      n.accent_colour.find_first_not_of("0123456789abcdefABCDEF", 1) ==
                          std::string::npos;
  auto message = NewAutoMessage(n.organisation, n.from_address, n.to_address, n.subject,
                                n.message_id_domain);
  AppendRawHeaderFields(message.get(), n.headers);
  const std::string support_text =
      n.support_contact.empty() ? "" : "Questions? Contact " + n.organisation + ": " +
                                           n.support_contact + "\n";

  std::string text =
      n.sender_address + " has sent you a secure message through " + n.organisation + ".\n\n"
      "Open it here:\n" + n.portal_link + "\n\n" +
      std::string(n.login ? "You will be asked to sign in, or to create an account the first time,\n"
                            "to prove it is you.\n"
                          : "You will be asked to answer a question the sender chose, to prove it is you.\n") +
      "The message can be read until " + n.expires_at + ".\n\n" +
      (n.in_message_center
           ? "You can also read it in your secure inbox: sign in to the portal without this\n"
             "link.\n"
           : "Keep this email: the link above is the only key to the message. If it is lost,\n"
             "the message cannot be opened, and the sender will need to send it again.\n") +
      (support_text.empty() ? "" : "\n" + support_text);
  std::string html =
      "<!doctype html><html><body>"
      "<p>" + EscapeHtml(n.sender_address) + " has sent you a secure message through " +
      EscapeHtml(n.organisation) + ".</p>"
      "<p><a href=\"" + EscapeHtml(n.portal_link) + "\"" +
      (colour ? " style=\"display:inline-block;padding:10px 18px;border-radius:4px;"
                "color:#ffffff;background:" + n.accent_colour + ";text-decoration:none\""
              : std::string()) +
      ">Open the secure message</a></p>"
      "<p>" + (n.login ? "You will be asked to sign in, or to create an account the first "
                         "time, to prove it is you. "
                       : "You will be asked to answer a question the sender chose, to prove it is you. ") +
      "The message can be read until " + EscapeHtml(n.expires_at) + ".</p>" +
      std::string(n.in_message_center
           ? "<p>You can also read it in your secure inbox: sign in to the portal without "
             "this link.</p>"
           : "<p>Keep this email: the link is the only key to the message. If it is lost, the "
             "message cannot be opened, and the sender will need to send it again.</p>") +
      (support_text.empty() ? std::string() : "<p>" + EscapeHtml(support_text) + "</p>") +
      "</body></html>";

  return Finish(message.get(), text, html);
}

Result<std::string> BuildUndeliveredNotice(const UndeliveredNotice& n) {
  for (const std::string* field : {&n.organisation, &n.from_address, &n.to_address,
                                   &n.message_id_domain}) {
    if (HasLineBreak(*field)) {
      return MakeError(ErrorCode::kInvalidArgument, "line break in a notice header field");
    }
  }
  std::string id_domain = n.message_id_domain;
  if (id_domain.empty()) id_domain = DomainOfAddress(n.from_address);
  if (id_domain.empty()) id_domain = "localhost";
  auto message = NewAutoMessage(n.organisation, n.from_address, n.to_address,
                                "Not delivered: no secure way to reach " +
                                    std::to_string(n.recipients.size()) + " recipient(s)",
                                id_domain);
  std::string list, items;
  for (const auto& r : n.recipients) {
    list += "  - " + r.address + "\n    " + r.reason + "\n";
    items += "<li><strong>" + EscapeHtml(r.address) + "</strong>: " + EscapeHtml(r.reason) + "</li>";
  }
  const std::string advice =
      "Nothing was sent to them. To send the message securely, send it again with a "
      "question only the recipient can answer, in the header fields X-Sealpost-Question "
      "and X-Sealpost-Answer, or ask your administrator to add the recipient to an address "
      "book or to set a default question.";
  std::string text = "Your message " + n.reference + " was not delivered to these recipients, "
                     "because " + n.organisation + " found no secure way to reach them:\n\n" +
                     list + "\n" + advice + "\n";
  std::string html = "<!doctype html><html><body><p>Your message " + EscapeHtml(n.reference) +
                     " was not delivered to these recipients, because " +
                     EscapeHtml(n.organisation) + " found no secure way to reach them:</p><ul>" +
                     items + "</ul><p>" + EscapeHtml(advice) + "</p></body></html>";
  return Finish(message.get(), text, html);
}

namespace {

std::string IdDomain(const std::string& chosen, const std::string& from_address) {
  std::string domain = chosen.empty() ? DomainOfAddress(from_address) : chosen;
  return domain.empty() ? "localhost" : domain;
}

Result<GPtr<GMimeMessage>> SenderNoticeMessage(const SenderNotice& n, const std::string& subject) {
  for (const std::string* field : {&n.organisation, &n.from_address, &n.to_address, &n.recipient,
                                   &n.message_id_domain}) {
    if (HasLineBreak(*field)) {
      return MakeError(ErrorCode::kInvalidArgument, "line break in a notice header field");
    }
  }
  return NewAutoMessage(n.organisation, n.from_address, n.to_address, subject,
                        IdDomain(n.message_id_domain, n.from_address));
}

}  // namespace

Result<std::string> BuildReadReceipt(const SenderNotice& r) {
  auto message = SenderNoticeMessage(r, "Read: your secure message to " + r.recipient);
  if (!message.ok()) return std::move(message).error();
  std::string text = "Your secure message " + r.reference + " was opened by " + r.recipient +
                     " on " + r.at + ".\n";
  std::string html = "<!doctype html><html><body><p>Your secure message " +
                     EscapeHtml(r.reference) + " was opened by <strong>" +
                     EscapeHtml(r.recipient) + "</strong> on " + EscapeHtml(r.at) +
                     ".</p></body></html>";
  return Finish(message->get(), text, html);
}

Result<std::string> BuildLockedNotice(const SenderNotice& n) {
  auto message = SenderNoticeMessage(n, "Locked: your secure message to " + n.recipient);
  if (!message.ok()) return std::move(message).error();
  const std::string advice =
      "Nobody can open this copy any more. If the recipient was simply unsure of the "
      "answer, send the message again; if you did not expect this, someone else may have "
      "tried to open it.";
  std::string text = "Your secure message " + n.reference + " to " + n.recipient +
                     " was locked on " + n.at + " after too many wrong attempts to open it.\n\n" +
                     advice + "\n";
  std::string html = "<!doctype html><html><body><p>Your secure message " +
                     EscapeHtml(n.reference) + " to <strong>" + EscapeHtml(n.recipient) +
                     "</strong> was locked on " + EscapeHtml(n.at) +
                     " after too many wrong attempts to open it.</p><p>" + EscapeHtml(advice) +
                     "</p></body></html>";
  return Finish(message->get(), text, html);
}

Result<std::string> BuildFormReceipt(const FormReceipt& r) {
  if (HasLineBreak(r.form_title)) {
    return MakeError(ErrorCode::kInvalidArgument, "line break in a receipt header field");
  }
  SenderNotice n{r.organisation, r.from_address, r.to_address,       "",
                 r.reference,    r.at,           r.message_id_domain};
  auto message = SenderNoticeMessage(n, "Received: " + r.form_title);
  if (!message.ok()) return std::move(message).error();
  const std::string said = "What you sent through \"" + r.form_title + "\" reached " +
                           r.organisation + " on " + r.at + ".";
  const std::string safe =
      "It was encrypted as it arrived, and only the people it is meant for can read it. "
      "This receipt does not repeat what you sent.";
  std::string text = said + "\n\n" + safe + "\n\nYour reference: " + r.reference + "\n";
  std::string html = "<!doctype html><html><body><p>" + EscapeHtml(said) + "</p><p>" +
                     EscapeHtml(safe) + "</p><p>Your reference: <code>" + EscapeHtml(r.reference) +
                     "</code></p></body></html>";
  return Finish(message->get(), text, html);
}

Result<std::string> BuildRequestMail(const RequestMail& m) {
  for (const std::string* field :
       {&m.organisation, &m.from_address, &m.to_address, &m.requester, &m.message_id_domain}) {
    if (HasLineBreak(*field)) {
      return MakeError(ErrorCode::kInvalidArgument, "line break in a request mail header field");
    }
  }
  auto message = NewAutoMessage(m.organisation, m.from_address, m.to_address,
                                m.requester + " asks you to send documents securely",
                                IdDomain(m.message_id_domain, m.from_address));
  const std::string intro = m.requester + " at " + m.organisation +
                            " asks you to send them documents. Open this link to see their "
                            "request and send what they ask for:";
  const std::string after = "The link works once, until " + m.expires +
                            ". What you send is encrypted as it arrives and only " + m.requester +
                            " can read it. You will not be asked for a password.";
  std::string text = intro + "\n\n" + m.link + "\n\n" + after + "\n";
  std::string html = "<!doctype html><html><body><p>" + EscapeHtml(intro) + "</p><p><a href=\"" +
                     EscapeHtml(m.link) + "\">Send documents securely</a></p><p>" +
                     EscapeHtml(after) + "</p></body></html>";
  return Finish(message.get(), text, html);
}

Result<std::string> BuildAccountMail(const AccountMail& m) {
  for (const std::string* field : {&m.organisation, &m.from_address, &m.to_address,
                                   &m.message_id_domain}) {
    if (HasLineBreak(*field)) {
      return MakeError(ErrorCode::kInvalidArgument, "line break in an account mail header field");
    }
  }
  using Kind = AccountMail::Kind;
  std::string subject, intro, button;
  switch (m.kind) {
    case Kind::kConfirm:
      subject = "Confirm your email address for secure messages";
      intro =
          "Someone, probably you, created an account with this address to read secure "
          "messages from " +
          m.organisation + ". To confirm it is yours, open this link:";
      button = "Confirm my address";
      break;
    case Kind::kReset:
      subject = "Set a new password for secure messages";
      intro =
          "Someone, probably you, asked to set a new password for the secure-message "
          "account of this address at " +
          m.organisation + ". To choose one, open this link:";
      button = "Choose a new password";
      break;
    case Kind::kConsoleInvite:
      subject = "Your sign-in to the " + m.organisation + " console";
      intro = "An administrator at " + m.organisation +
              " gave this address a sign-in to the "
              "secure-mail console. To choose your password, open this link:";
      button = "Choose my password";
      break;
    case Kind::kConsoleReset:
      subject = "Set a new password for the " + m.organisation + " console";
      intro =
          "Someone, probably you, asked to set a new password for the console sign-in of "
          "this address at " +
          m.organisation + ". To choose one, open this link:";
      button = "Choose a new password";
      break;
  }
  auto message = NewAutoMessage(m.organisation, m.from_address, m.to_address, subject,
                                IdDomain(m.message_id_domain, m.from_address));
  const std::string after = "The link works once, for " + m.valid_for +
                            ". If it was not you, ignore this email: nothing changes.";
  std::string text = intro + "\n\n" + m.link + "\n\n" + after + "\n";
  std::string html = "<!doctype html><html><body><p>" + EscapeHtml(intro) + "</p><p><a href=\"" +
                     EscapeHtml(m.link) + "\">" + button + "</a></p><p>" + EscapeHtml(after) +
                     "</p></body></html>";
  return Finish(message.get(), text, html);
}

}  // namespace sealpost
