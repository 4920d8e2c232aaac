#include "portal/small_upload.h"

#include "base/secret.h"
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
  in_file_ = false;
  if (part.name == file_field_ && part.has_filename) {
    if (part.filename.empty()) return OkStatus();  // a file input left empty
    if (files_.size() == max_files_) {
      return MakeError(ErrorCode::kResourceExhausted,
                       "At most " + std::to_string(max_files_) + " files at a time.");
    }
    files_.push_back({part.filename, {}});
    current_ = &files_.back().data;
    in_file_ = true;
  } else if (fields_.count(part.name) && !part.has_filename) {
    current_ = &values_[part.name];
  } else {
    return MakeError(ErrorCode::kInvalidArgument, "The form has a field it should not.");
  }
  return OkStatus();
}

Status SmallUpload::OnPartData(std::string_view data) {
  if (!current_) return OkStatus();
  if (in_file_) {
    if (file_bytes_ + data.size() > file_limit_) {
      return MakeError(ErrorCode::kResourceExhausted, "The file is too large.");
    }
    file_bytes_ += data.size();
  } else if (current_->size() + data.size() > field_limit_) {
    return MakeError(ErrorCode::kInvalidArgument, "A field of the form is too long.");
  }
  current_->append(data);
  return OkStatus();
}

Status SmallUpload::OnPartEnd() {
  current_ = nullptr;
  in_file_ = false;
  return OkStatus();
}

void SmallUpload::Wipe() {
  for (auto& f : files_) WipeMemory(f.data.data(), f.data.size());
}

}  // namespace sealpost::portal
