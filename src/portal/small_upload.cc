#include "portal/small_upload.h"

#include "http/message.h"

namespace sealpost::portal {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

}  // namespace

boost::asio::awaitable<Status> SmallUpload::Read(http::Request& req) {
  auto media = http::ParseMediaType(req.header("content-type"));
  auto boundary =
      media && media->type == "multipart/form-data" ? media->param("boundary") : std::nullopt;
  if (!boundary || !http::MultipartParser::ValidBoundary(*boundary)) {
    co_return MakeError(ErrorCode::kInvalidArgument, "The form did not arrive as a form.");
  }
  http::MultipartParser parser(*boundary, *this);
  std::string chunk(kReadChunk, '\0');
  for (;;) {
    auto n = co_await req.stream->Read(chunk.data(), chunk.size());
    if (!n.ok()) co_return std::move(n).error();
    // Parsing only (no I/O, at most the bounded sizes): on the loop.
    Status fed = *n == 0 ? parser.Finish() : parser.Feed(std::string_view(chunk.data(), *n));
    if (!fed.ok()) co_return fed;
    if (*n == 0) co_return OkStatus();
  }
}

std::string SmallUpload::Field(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string() : it->second;
}

Status SmallUpload::OnPartBegin(const http::PartInfo& part) {
  current_ = nullptr;
  if (part.name == file_field_ && part.has_filename) {
    if (part.filename.empty()) return OkStatus();  // a file input left empty
    has_file_ = true;
    current_ = &file_;
  } else if (fields_.count(part.name) && !part.has_filename) {
    current_ = &values_[part.name];
  } else {
    return MakeError(ErrorCode::kInvalidArgument, "The form has a field it should not.");
  }
  return OkStatus();
}

Status SmallUpload::OnPartData(std::string_view data) {
  if (!current_) return OkStatus();
  const std::size_t limit = current_ == &file_ ? file_limit_ : field_limit_;
  if (current_->size() + data.size() > limit) {
    return current_ == &file_
               ? MakeError(ErrorCode::kResourceExhausted, "The file is too large.")
               : MakeError(ErrorCode::kInvalidArgument, "A field of the form is too long.");
  }
  current_->append(data);
  return OkStatus();
}

Status SmallUpload::OnPartEnd() {
  current_ = nullptr;
  return OkStatus();
}

}  // namespace sealpost::portal
