#include "mime/compose.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "base/encoding.h"

#include "mime/gmime_util.h"

namespace sealpost {
namespace {

GPtr<GMimeObject> TextPart(const char* subtype, const std::string& body) {
  return GPtr<GMimeObject>(GMIME_OBJECT(NewUtf8TextPart(subtype, body).release()));
}

GPtr<GMimeObject> AttachmentPart(const ComposedAttachment& a) {
  GPtr<GMimeContentType> type(g_mime_content_type_parse(nullptr, a.content_type.c_str()));
  GPtr<GMimePart> part(type ? g_mime_part_new_with_type(g_mime_content_type_get_media_type(type.get()),
                                                        g_mime_content_type_get_media_subtype(type.get()))
                            : g_mime_part_new_with_type("application", "octet-stream"));
  g_mime_part_set_filename(part.get(), a.filename.c_str());
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(a.content.data(), a.content.size()));
  GPtr<GMimeDataWrapper> content(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part.get(), content.get());
  g_mime_part_set_content_encoding(part.get(), GMIME_CONTENT_ENCODING_BASE64);
  return GPtr<GMimeObject>(GMIME_OBJECT(part.release()));
}

}  // namespace

Result<std::string> BuildComposedMessage(const ComposedMessage& m) {
  std::vector<const std::string*> fields{&m.from, &m.subject, &m.message_id_domain};
  for (const auto& a : m.to) fields.push_back(&a);
  for (const auto& a : m.cc) fields.push_back(&a);
  for (const auto& a : m.attachments) {
    fields.push_back(&a.filename);
    fields.push_back(&a.content_type);
  }
  if (auto s = CheckHeaderFields(m.headers); !s.ok()) return std::move(s).error();
  for (const std::string* f : fields) {
    if (HasLineBreak(*f)) return MakeError(ErrorCode::kInvalidArgument, "line break in a header field");
  }
  EnsureGMimeInitialised();
  GPtr<GMimeMessage> message(g_mime_message_new(TRUE));
  g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, nullptr, m.from.c_str());
  for (const auto& a : m.to) g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, nullptr, a.c_str());
  for (const auto& a : m.cc) g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_CC, nullptr, a.c_str());
  g_mime_message_set_subject(message.get(), m.subject.c_str(), "utf-8");
  SetDateAndMessageId(message.get(), m.message_id_domain);
  AppendRawHeaderFields(message.get(), m.headers);
  if (m.date != 0) {
    GDateTime* date = g_date_time_new_from_unix_utc(m.date);
    g_mime_message_set_date(message.get(), date);
    g_date_time_unref(date);
  }

  GPtr<GMimeObject> body;
  if (!m.text.empty() && !m.html.empty()) {
    GPtr<GMimeMultipart> alternative(g_mime_multipart_new_with_subtype("alternative"));
    auto plain = TextPart("plain", m.text);
    auto html = TextPart("html", m.html);
    g_mime_multipart_add(alternative.get(), plain.get());
    g_mime_multipart_add(alternative.get(), html.get());
    body.reset(GMIME_OBJECT(alternative.release()));
  } else {
    body = m.html.empty() ? TextPart("plain", m.text) : TextPart("html", m.html);
  }
  if (!m.attachments.empty()) {
    GPtr<GMimeMultipart> mixed(g_mime_multipart_new_with_subtype("mixed"));
    g_mime_multipart_add(mixed.get(), body.get());
    for (const auto& a : m.attachments) {
      auto part = AttachmentPart(a);
      g_mime_multipart_add(mixed.get(), part.get());
    }
    body.reset(GMIME_OBJECT(mixed.release()));
  }
  g_mime_message_set_mime_part(message.get(), body.get());
  return SerializeCrlf(GMIME_OBJECT(message.get()));
}

Result<std::vector<std::string>> LayOutComposedMessage(ComposedMessage message) {
  // Each attachment gets a random marker for content; the serialised message is cut
  // where the markers' base64 lines are.
  // 128 unpredictable bits (std::random_device reads the kernel's generator here), so
  // no body a sender writes can hold a marker.
  std::random_device random;
  std::vector<std::string> markers;
  for (auto& a : message.attachments) {
    char hex[33];
    std::snprintf(hex, sizeof hex, "%08x%08x%08x%08x", random(), random(), random(), random());
    markers.push_back(std::string("sealpost-attachment-") + hex);
    a.content = markers.back();
  }
  auto whole = BuildComposedMessage(message);
  if (!whole.ok()) return std::move(whole).error();
  std::vector<std::string> pieces;
  std::size_t from = 0;
  for (const auto& marker : markers) {
    const std::string line = Base64Encode(marker) + "\r\n";
    const std::size_t at = whole->find(line, from);
    if (at == std::string::npos) return MakeError(ErrorCode::kInternal, "attachment marker not found");
    pieces.push_back(whole->substr(from, at - from));
    from = at + line.size();
  }
  pieces.push_back(whole->substr(from));
  return pieces;
}

namespace {

class Composed final : public ByteSource {
 public:
  Composed(std::shared_ptr<const std::vector<std::string>> pieces, std::vector<OpenSource> attachments)
      : pieces_(std::move(pieces)), attachments_(std::move(attachments)) {}
  ~Composed() override { WipeMemory(raw_.data(), raw_.size()); }

  Result<bool> Next(std::string& piece) override {
    piece.clear();
    if (current_) {
      auto more = current_->Next(raw_);
      if (!more.ok()) return std::move(more).error();
      if (*more) {
        lines_.Add(raw_, piece);
        return true;
      }
      lines_.Finish(piece);
      current_.reset();
    }
    if (next_ >= pieces_->size()) return !piece.empty();
    piece += (*pieces_)[next_];
    if (next_ < attachments_.size()) {
      auto opened = attachments_[next_]();
      if (!opened.ok()) return std::move(opened).error();
      current_ = std::move(*opened);
    }
    ++next_;
    return true;
  }

 private:
  std::shared_ptr<const std::vector<std::string>> pieces_;
  std::vector<OpenSource> attachments_;
  std::unique_ptr<ByteSource> current_;
  std::string raw_;
  Base64Lines lines_;
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<ByteSource> ComposedSource(std::shared_ptr<const std::vector<std::string>> pieces,
                                           std::vector<OpenSource> attachments) {
  return std::make_unique<Composed>(std::move(pieces), std::move(attachments));
}

}  // namespace sealpost
