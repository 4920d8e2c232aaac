#include "mime/gmime_util.h"

namespace sealpost {

void EnsureGMimeInitialised() {
  static const bool done = [] {
    g_mime_init();
    return true;
  }();
  (void)done;
}

void SetDateAndMessageId(GMimeMessage* message, const std::string& domain) {
  GDateTime* now = g_date_time_new_now_utc();
  g_mime_message_set_date(message, now);
  g_date_time_unref(now);
  char* mid = g_mime_utils_generate_message_id(domain.c_str());
  g_mime_message_set_message_id(message, mid);
  g_free(mid);
}

GPtr<GMimeTextPart> NewUtf8TextPart(const char* subtype, const std::string& body) {
  GPtr<GMimeTextPart> part(g_mime_text_part_new_with_subtype(subtype));
  g_mime_text_part_set_charset(part.get(), "utf-8");
  g_mime_text_part_set_text(part.get(), body.c_str());
  g_mime_part_set_content_encoding(GMIME_PART(part.get()), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  return part;
}

Result<std::string> SerializeCrlf(GMimeObject* object) {
  GMimeFormatOptions* options = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
  char* wire = g_mime_object_to_string(object, options);
  g_mime_format_options_free(options);
  if (!wire) return MakeError(ErrorCode::kInternal, "GMime could not serialise the message");
  std::string out(wire);
  g_free(wire);
  return out;
}

}  // namespace sealpost
