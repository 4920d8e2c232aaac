#include "mime/submitted.h"

#include <gmime/gmime.h>

#include "base/text.h"
#include "mime/gmime_util.h"

namespace sealpost {
namespace {

constexpr std::string_view kOptionPrefix = "x-sealpost-";

struct GFreeDeleter {
  void operator()(void* p) const { g_free(p); }
};
using GString = std::unique_ptr<char, GFreeDeleter>;

void AddAddresses(InternetAddressList* list, std::vector<std::string>& out, int depth = 0) {
  if (!list || depth > 2) return;
  int n = internet_address_list_length(list);
  for (int i = 0; i < n; ++i) {
    InternetAddress* ia = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
      const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
      if (addr && *addr) out.emplace_back(addr);
    } else if (INTERNET_ADDRESS_IS_GROUP(ia)) {
      AddAddresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out, depth + 1);
    }
  }
}

class Walker {
 public:
  Walker(SubmittedMessage& out, std::size_t max_parts) : out_(out), max_parts_(max_parts) {}

  Status Walk(GMimeObject* object, int depth) {
    if (++parts_ > max_parts_) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "the message has more than " + std::to_string(max_parts_) + " parts");
    }
    if (depth > 20) return MakeError(ErrorCode::kInvalidArgument, "MIME parts nest too deeply");
    if (GMIME_IS_MULTIPART(object)) {
      GMimeMultipart* multipart = GMIME_MULTIPART(object);
      int n = g_mime_multipart_get_count(multipart);
      for (int i = 0; i < n; ++i) {
        auto status = Walk(g_mime_multipart_get_part(multipart, i), depth + 1);
        if (!status.ok()) return status;
      }
      return OkStatus();
    }
    if (GMIME_IS_MESSAGE_PART(object)) {
      // A forwarded message travels whole, as an attachment.
      GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
      if (!inner) return OkStatus();
      GString text(g_mime_object_to_string(GMIME_OBJECT(inner), nullptr));
      out_.attachments.push_back({"forwarded.eml", "message/rfc822", text ? text.get() : ""});
      return OkStatus();
    }
    if (!GMIME_IS_PART(object)) return OkStatus();
    GMimePart* part = GMIME_PART(object);
    std::string type = MimeTypeOf(object);
    const bool attachment = g_mime_part_is_attachment(part);
    if (!attachment && GMIME_IS_TEXT_PART(object) &&
        ((type == "text/plain" && !have_text_) || (type == "text/html" && !have_html_))) {
      GString text(g_mime_text_part_get_text(GMIME_TEXT_PART(object)));
      std::string body = text ? text.get() : "";
      if (type == "text/plain") {
        out_.text = std::move(body);
        have_text_ = true;
      } else {
        out_.html = std::move(body);
        have_html_ = true;
      }
      return OkStatus();
    }
    const char* name = g_mime_part_get_filename(part);
    std::string filename = name && *name ? name : "attachment-" + std::to_string(out_.attachments.size() + 1);
    out_.attachments.push_back({std::move(filename), type, DecodedContent(part)});
    return OkStatus();
  }

 private:
  SubmittedMessage& out_;
  std::size_t max_parts_;
  std::size_t parts_ = 0;
  bool have_text_ = false, have_html_ = false;
};

// What the header section says: addresses, subject, options, the read receipt, and
// whether the body is encrypted already. Sets `*body` to the message's MIME part.
SubmittedMessage ReadHeader(GMimeMessage* message, GMimeObject** body) {
  SubmittedMessage out;
  AddAddresses(g_mime_message_get_from(message), out.from);
  AddAddresses(g_mime_message_get_to(message), out.to);
  AddAddresses(g_mime_message_get_cc(message), out.cc);
  const char* subject = g_mime_message_get_subject(message);
  if (subject) out.subject = subject;

  GMimeHeaderList* headers = g_mime_object_get_header_list(GMIME_OBJECT(message));
  int count = g_mime_header_list_get_count(headers);
  for (int i = 0; i < count; ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(headers, i);
    std::string name = AsciiLower(g_mime_header_get_name(header));
    if (name == "disposition-notification-to") out.read_receipt = true;
    if (name.rfind(kOptionPrefix, 0) != 0) continue;
    const char* value = g_mime_header_get_value(header);
    out.options.emplace(name.substr(kOptionPrefix.size()),
                        std::string(TrimWhitespace(value ? value : "")));
  }

  *body = g_mime_message_get_mime_part(message);
  if (*body) {
    std::string top = MimeTypeOf(*body);
    out.already_encrypted = top == "multipart/encrypted" || top == "application/pkcs7-mime" ||
                            top == "application/x-pkcs7-mime";
  }
  return out;
}

GPtr<GMimeMessage> ParseMessage(std::string_view raw) {
  EnsureGMimeInitialised();
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  return GPtr<GMimeMessage>(g_mime_parser_construct_message(parser.get(), nullptr));
}

}  // namespace

std::string_view HeaderSection(std::string_view raw) {
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const std::size_t end = raw.find('\n', pos);
    if (end == std::string_view::npos) break;
    const std::string_view line = raw.substr(pos, end + 1 - pos);
    if (line == "\r\n" || line == "\n") return raw.substr(0, end + 1);
    pos = end + 1;
  }
  return raw;
}

Result<SubmittedMessage> ParseSubmittedMessage(std::string_view raw, std::size_t max_parts) {
  GPtr<GMimeMessage> message = ParseMessage(raw);
  if (!message) return MakeError(ErrorCode::kInvalidArgument, "the message cannot be parsed");
  GMimeObject* body = nullptr;
  SubmittedMessage out = ReadHeader(message.get(), &body);
  if (!body) return out;
  Walker walker(out, max_parts);
  auto status = walker.Walk(body, 0);
  if (!status.ok()) return std::move(status).error();
  return out;
}

Result<SubmittedMessage> ParseSubmittedHeader(std::string_view raw) {
  // GMime is given the header section alone: it builds no parts of a body it is not shown.
  GPtr<GMimeMessage> message = ParseMessage(HeaderSection(raw));
  if (!message) return MakeError(ErrorCode::kInvalidArgument, "the message cannot be parsed");
  GMimeObject* body = nullptr;
  return ReadHeader(message.get(), &body);
}

namespace {

// Walks the header section (HeaderSection): copies every line that belongs to no
// X-Sealpost-* field into `out` (when given), then the body. Says whether there was
// such a field.
bool WalkSealpostHeaders(std::string_view raw, std::string* out) {
  const std::string_view header = HeaderSection(raw);
  bool found = false;
  bool skipping = false;
  for (std::size_t pos = 0; pos < header.size();) {
    const std::size_t end = header.find('\n', pos);
    const std::size_t next = end == std::string_view::npos ? header.size() : end + 1;
    const std::string_view line = header.substr(pos, next - pos);
    const bool continuation = line.front() == ' ' || line.front() == '\t';
    if (!continuation) {  // the empty line that ends the section is no option field
      skipping = line.size() >= kOptionPrefix.size() &&
                 AsciiLower(line.substr(0, kOptionPrefix.size())) == kOptionPrefix;
      found = found || skipping;
    }
    if (!skipping && out) out->append(line);
    pos = next;
  }
  if (out) out->append(raw.substr(header.size()));
  return found;
}

}  // namespace

std::string StripSealpostHeaders(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  WalkSealpostHeaders(raw, &out);
  return out;
}

bool HasSealpostHeaders(std::string_view raw) { return WalkSealpostHeaders(raw, nullptr); }

}  // namespace sealpost
