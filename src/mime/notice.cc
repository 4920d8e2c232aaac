#include "mime/notice.h"

#include <gmime/gmime.h>

#include "base/text.h"
#include "mime/gmime_util.h"

namespace sealpost {
namespace {

// Header values come from configuration and API input: no line breaks may reach a header.
bool HasLineBreak(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

GPtr<GMimeTextPart> TextPart(const char* subtype, const std::string& body) {
  GPtr<GMimeTextPart> part(g_mime_text_part_new_with_subtype(subtype));
  g_mime_text_part_set_charset(part.get(), "utf-8");
  g_mime_text_part_set_text(part.get(), body.c_str());
  g_mime_part_set_content_encoding(GMIME_PART(part.get()), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  return part;
}

}  // namespace

Result<std::string> BuildNoticeEmail(const NoticeContent& n) {
  for (const std::string* field : {&n.organisation, &n.from_address, &n.to_address,
                                   &n.sender_address, &n.subject, &n.message_id_domain}) {
    if (HasLineBreak(*field)) {
      return MakeError(ErrorCode::kInvalidArgument, "line break in a notice header field");
    }
  }
  EnsureGMimeInitialised();
  GPtr<GMimeMessage> message(g_mime_message_new(TRUE));
  g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, n.organisation.c_str(),
                             n.from_address.c_str());
  g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, nullptr, n.to_address.c_str());
  g_mime_message_set_subject(message.get(), n.subject.c_str(), "utf-8");
  GDateTime* now = g_date_time_new_now_utc();
  g_mime_message_set_date(message.get(), now);
  g_date_time_unref(now);
  char* mid = g_mime_utils_generate_message_id(n.message_id_domain.c_str());
  g_mime_message_set_message_id(message.get(), mid);
  g_free(mid);
  // Notices are automatic mail: no auto-replies or vacation notices in return.
  g_mime_object_set_header(GMIME_OBJECT(message.get()), "Auto-Submitted", "auto-generated",
                           nullptr);

  std::string text =
      n.sender_address + " has sent you a secure message through " + n.organisation + ".\n\n"
      "Open it here:\n" + n.portal_link + "\n\n"
      "You will be asked to answer a question the sender chose, to prove it is you.\n"
      "The message can be read until " + n.expires_at + ".\n\n"
      "Keep this email: the link above is the only key to the message. If it is lost,\n"
      "the message cannot be opened, and the sender will need to send it again.\n";
  std::string html =
      "<!doctype html><html><body>"
      "<p>" + EscapeHtml(n.sender_address) + " has sent you a secure message through " +
      EscapeHtml(n.organisation) + ".</p>"
      "<p><a href=\"" + EscapeHtml(n.portal_link) + "\">Open the secure message</a></p>"
      "<p>You will be asked to answer a question the sender chose, to prove it is you. "
      "The message can be read until " + EscapeHtml(n.expires_at) + ".</p>"
      "<p>Keep this email: the link is the only key to the message. If it is lost, the "
      "message cannot be opened, and the sender will need to send it again.</p>"
      "</body></html>";

  GPtr<GMimeMultipart> alternative(g_mime_multipart_new_with_subtype("alternative"));
  auto plain_part = TextPart("plain", text);
  auto html_part = TextPart("html", html);
  g_mime_multipart_add(alternative.get(), GMIME_OBJECT(plain_part.get()));
  g_mime_multipart_add(alternative.get(), GMIME_OBJECT(html_part.get()));
  g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(alternative.get()));

  GMimeFormatOptions* options = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
  char* wire = g_mime_object_to_string(GMIME_OBJECT(message.get()), options);
  g_mime_format_options_free(options);
  if (!wire) return MakeError(ErrorCode::kInternal, "GMime could not serialise the notice");
  std::string out(wire);
  g_free(wire);
  return out;
}

}  // namespace sealpost
