#include "mime/gmime_util.h"

#include "base/text.h"

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

Status CheckHeaderFields(const HeaderFields& fields) {
  for (const auto& [name, value] : fields) {
    if (name.empty() ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
            std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "a header field's name is letters, digits and '-'");
    }
    if (HasLineBreak(value)) {
      return MakeError(ErrorCode::kInvalidArgument, "line break in a header field");
    }
  }
  return OkStatus();
}

void AppendRawHeaderFields(GMimeMessage* message, const HeaderFields& fields) {
  GMimeHeaderList* header_list = g_mime_object_get_header_list(GMIME_OBJECT(message));
  for (const auto& [name, value] : fields) {
    g_mime_header_list_append(header_list, name.c_str(), value.c_str(), nullptr);
    GMimeHeader* added = g_mime_header_list_get_header_at(
        header_list, g_mime_header_list_get_count(header_list) - 1);
    g_mime_header_set_raw_value(added, (" " + value + "\n").c_str());
  }
}

std::string MimeTypeOf(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  if (!type) return "application/octet-stream";
  char* mime = g_mime_content_type_get_mime_type(type);
  if (!mime) return "application/octet-stream";
  std::string out = AsciiLower(mime);
  g_free(mime);
  return out;
}

std::string DecodedContent(GMimePart* part) {
  GMimeDataWrapper* wrapper = g_mime_part_get_content(part);
  if (!wrapper) return {};
  GPtr<GMimeStream> out(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(wrapper, out.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

}  // namespace sealpost
