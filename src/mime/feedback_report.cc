#include "mime/feedback_report.h"

#include "base/text.h"
#include "mime/gmime_util.h"

namespace sealpost {
namespace {

constexpr int kMaxReportParts = 10;
constexpr std::size_t kMaxLinks = 10;

// "Name: value" fields of a header-like block (unfolded), name lower-cased, in order.
std::vector<std::pair<std::string, std::string>> Fields(std::string_view block) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while (pos < block.size()) {
    auto end = block.find('\n', pos);
    if (end == std::string_view::npos) end = block.size();
    std::string_view line = block.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the end of a header section
    if ((line.front() == ' ' || line.front() == '\t') && !out.empty()) {
      out.back().second += " " + std::string(TrimWhitespace(line));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    out.emplace_back(AsciiLower(TrimWhitespace(line.substr(0, colon))),
                     std::string(TrimWhitespace(line.substr(colon + 1))));
  }
  return out;
}

// The <URI>s of a List-Unsubscribe value (RFC 2369).
void AddLinks(std::string_view value, std::vector<std::string>& out) {
  while (out.size() < kMaxLinks) {
    const auto close = value.find('>');
    if (close == std::string_view::npos) return;
    // The '<' nearest the '>': a URI holds neither.
    const auto open = value.substr(0, close).rfind('<');
    if (open == std::string_view::npos) {
      value.remove_prefix(close + 1);
      continue;
    }
    std::string uri;
    for (char c : value.substr(open + 1, close - open - 1)) {
      // Folding may have put whitespace in it (the raw value keeps the line breaks).
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') uri += c;
    }
    if (!uri.empty()) out.push_back(std::move(uri));
    value.remove_prefix(close + 1);
  }
}

}  // namespace

Result<FeedbackReport> ParseFeedbackReport(std::string_view raw) {
  EnsureGMimeInitialised();
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  auto not_a_report = [] {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a feedback report (RFC 5965: multipart/report; "
                     "report-type=feedback-report)");
  };
  if (!message) return not_a_report();
  GMimeObject* body = g_mime_message_get_mime_part(message.get());
  if (!body || !GMIME_IS_MULTIPART(body) || MimeTypeOf(body) != "multipart/report") {
    return not_a_report();
  }
  const char* report_type = g_mime_object_get_content_type_parameter(body, "report-type");
  if (!report_type || !EqualsIgnoreCase(report_type, "feedback-report")) return not_a_report();

  FeedbackReport out;
  GMimeMultipart* parts = GMIME_MULTIPART(body);
  const int n = std::min(g_mime_multipart_get_count(parts), kMaxReportParts);
  for (int i = 0; i < n; ++i) {
    GMimeObject* part = g_mime_multipart_get_part(parts, i);
    const std::string type = MimeTypeOf(part);
    if (type == "message/feedback-report" && GMIME_IS_PART(part)) {
      for (const auto& [name, value] : Fields(DecodedContent(GMIME_PART(part)))) {
        if (name == "feedback-type" && out.feedback_type.empty()) {
          out.feedback_type = AsciiLower(value.substr(0, 64));
        } else if (name == "original-rcpt-to" && out.original_rcpt_to.empty()) {
          out.original_rcpt_to = value.substr(0, 320);
        }
      }
    } else if (type == "text/rfc822-headers" && GMIME_IS_PART(part)) {
      for (const auto& [name, value] : Fields(DecodedContent(GMIME_PART(part)))) {
        if (name == "list-unsubscribe") AddLinks(value, out.unsubscribe_links);
      }
    } else if (GMIME_IS_MESSAGE_PART(part)) {
      GMimeMessage* original = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
      if (!original) continue;
      GMimeHeaderList* headers = g_mime_object_get_header_list(GMIME_OBJECT(original));
      const int count = g_mime_header_list_get_count(headers);
      for (int h = 0; h < count; ++h) {
        GMimeHeader* header = g_mime_header_list_get_header_at(headers, h);
        if (!EqualsIgnoreCase(g_mime_header_get_name(header), "List-Unsubscribe")) continue;
        const char* value = g_mime_header_get_raw_value(header);
        if (value) AddLinks(value, out.unsubscribe_links);
      }
    }
  }
  if (out.feedback_type.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "the feedback report has no Feedback-Type");
  }
  return out;
}

}  // namespace sealpost
