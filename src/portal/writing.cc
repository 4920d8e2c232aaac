// A message written in the portal (a reply, or a new one from the Message Center): the
// upload parsed as it streams in — files go straight into an escrow draft's encrypted
// attachments, so a 100 MB upload is never held in memory — and sent by the one road.
#include "portal/writing.h"

#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include "base/text.h"
#include "crypto/primitives.h"
#include "http/multipart.h"
#include "http/upload.h"
#include "policy/recipient_planner.h"
#include "portal/common.h"
#include "submission/dispatcher.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

namespace {

constexpr std::size_t kMaxReplyText = 64 * 1024;
constexpr std::size_t kMaxFiles = 20;
constexpr std::size_t kMaxField = 1024;  // to, subject, csrf
constexpr std::size_t kMaxExtraField = 16 * 1024;  // e.g. the console's cc and bcc

// Fields are kept (bounded); file parts stream into the draft. A file input left
// empty arrives as a part with an empty filename and no data: it is skipped.
class ReplySink final : public http::MultipartSink {
 public:
  ReplySink(Draft& draft, std::uint64_t max_bytes, const std::set<std::string>& extra_fields)
      : draft_(draft), max_bytes_(max_bytes), extra_fields_(extra_fields) {}

  Status OnPartBegin(const http::PartInfo& part) override {
    field_ = nullptr;
    in_file_ = false;
    if (part.has_filename) {
      if (part.filename.empty()) return OkStatus();
      if (++files_ > kMaxFiles) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "Attach at most " + std::to_string(kMaxFiles) + " files.");
      }
      if (part.filename.size() > 255 || part.filename.find_first_of("\r\n/\\") != std::string::npos) {
        return MakeError(ErrorCode::kInvalidArgument, "A file name is not usable; rename the file.");
      }
      in_file_ = true;
      return draft_.StartAttachment(part.filename, part.content_type.empty()
                                                       ? "application/octet-stream"
                                                       : part.content_type);
    }
    if (part.name == "csrf") {
      field_ = &form_.csrf;
    } else if (part.name == "text") {
      field_ = &form_.text;
    } else if (part.name == "to") {
      field_ = &form_.to;
    } else if (part.name == "subject") {
      field_ = &form_.subject;
    } else if (extra_fields_.count(part.name)) {
      field_ = &form_.extra[part.name];
    } else {
      return MakeError(ErrorCode::kInvalidArgument, "The form has a field it should not.");
    }
    return OkStatus();
  }

  Status OnPartData(std::string_view data) override {
    if (in_file_) {
      if (draft_.attachment_bytes() + data.size() > max_bytes_) {
        return MakeError(ErrorCode::kResourceExhausted, "too large");
      }
      return draft_.AppendAttachment(data);
    }
    if (!field_) return OkStatus();  // an empty file input's (nothing)
    const bool core = field_ == &form_.csrf || field_ == &form_.to || field_ == &form_.subject;
    const std::size_t limit = field_ == &form_.text ? kMaxReplyText
                              : core                ? kMaxField
                                                    : kMaxExtraField;
    if (field_->size() + data.size() > limit) {
      return MakeError(ErrorCode::kInvalidArgument, field_ == &form_.text
                                                        ? "Your message's text is too long."
                                                        : "A field of the form is too long.");
    }
    field_->append(data);
    return OkStatus();
  }

  Status OnPartEnd() override {
    field_ = nullptr;
    if (!in_file_) return OkStatus();
    in_file_ = false;
    return draft_.FinishAttachment();
  }

  UploadForm& form() { return form_; }

 private:
  Draft& draft_;
  const std::uint64_t max_bytes_;
  const std::set<std::string>& extra_fields_;
  UploadForm form_;
  std::string* field_ = nullptr;
  bool in_file_ = false;
  std::size_t files_ = 0;
};

}  // namespace

awaitable<Writing::Upload> Writing::ReadUpload(http::Request& req,
                                               const std::set<std::string>& extra_fields) {
  Upload up;
  auto media = http::ParseMediaType(req.header("content-type"));
  auto boundary = media && media->type == "multipart/form-data" ? media->param("boundary")
                                                                 : std::nullopt;
  if (!boundary || !http::MultipartParser::ValidBoundary(*boundary)) {
    up.status = MakeError(ErrorCode::kIo, "not a multipart form");
    co_return up;
  }
  // Destroyed unsent, a draft removes every blob it wrote: a refused upload leaves nothing.
  up.draft = ctx_.escrow.BeginDraft();
  ReplySink sink(*up.draft, ctx_.settings.max_reply_bytes, extra_fields);
  http::MultipartParser parser(*boundary, sink);
  up.status = co_await http::StreamMultipart(*req.stream, parser, ctx_.offloader);
  up.form = std::move(sink.form());
  co_return up;
}

std::optional<Response> Writing::UploadRefused(
    const Brand& brand, const Upload& up, const std::function<Response(const std::string&)>& again,
    std::string_view purpose, const std::string& binding) const {
  if (!up.status.ok()) {
    const Error& e = up.status.error();
    if (e.code == ErrorCode::kResourceExhausted) {
      Response r = again("Your files are larger than " + HumanSize(ctx_.settings.max_reply_bytes) +
                         " in all. Send fewer or smaller files.");
      r.status = 413;
      // The rest of the upload is not read: the connection must not be reused.
      r.Set("Connection", "close");
      return r;
    }
    if (e.code == ErrorCode::kInvalidArgument) return again(e.message);
    if (e.code == ErrorCode::kUnavailable) {
      Response r = ctx_.Busy(brand);
      r.Set("Connection", "close");  // the rest of the upload was not read
      return r;
    }
    spdlog::warn("portal: {} upload not received: {}", purpose, e.ToString());
    return again("The message did not arrive whole. Please send it again.");
  }
  if (!ConstantTimeEqual(up.form.csrf, ctx_.FormToken(purpose, binding))) {
    spdlog::warn("portal: {} form refused: bad CSRF token", purpose);
    return ctx_.ErrorPage(brand, 403, "Please try again",
                     "This form expired or did not come from this site.");
  }
  if (TrimWhitespace(up.form.text).empty() && up.draft->attachment_bytes() == 0) {
    return again("Write a message, or attach a file, before sending.");
  }
  return std::nullopt;
}

Result<std::string> Writing::SendWritten(const PortalMessage& message, const std::string& text,
                                        std::unique_ptr<Draft> draft,
                                        const std::string& client_address) {
  submission::Submission written;
  written.from = message.from;
  written.to = {message.to};
  written.subject = message.subject;
  written.text = text;
  const bool reply = !message.reply_to_message.empty();
  submission::Dispatch d;
  d.submission = &written;
  d.plan = ctx_.planner.PlanFromPortal(message.to, message.namespace_name, reply);
  d.account = message.account;
  d.client_address = client_address;
  d.sent_from_portal = true;
  if (reply) {
    // The copy it answers records "replied" in the same transaction.
    d.events.push_back({0, message.reply_to_message, message.reply_to_recipient, "replied",
                        ctx_.clock.NowUnix(), client_address, "reply " + draft->message_id()});
  }
  d.draft = std::move(draft);
  auto sent = ctx_.dispatcher.Send(std::move(d));
  if (!sent.ok()) return std::move(sent).error();
  return sent->message_id;
}

}  // namespace sealpost::portal
