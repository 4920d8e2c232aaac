#include "http/multipart.h"

#include "base/text.h"
#include "http/message.h"

namespace sealpost::http {

bool MultipartParser::ValidBoundary(std::string_view b) {
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  for (char c : b) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

MultipartParser::MultipartParser(std::string_view boundary, MultipartSink& sink, Limits limits)
    : delimiter_("\r\n--" + std::string(boundary)), sink_(sink), limits_(limits) {
  // The first delimiter may open the body with no CRLF before it; pretend there was one.
  buffer_ = "\r\n";
}

Status MultipartParser::Fail(std::string message) {
  state_ = State::kFailed;
  buffer_.clear();
  return MakeError(ErrorCode::kInvalidArgument, "multipart body: " + message);
}

Status MultipartParser::Feed(std::string_view data) {
  if (state_ == State::kFailed) return MakeError(ErrorCode::kInvalidArgument, "multipart body: already failed");
  if (state_ == State::kEpilogue) return OkStatus();  // ignored, as RFC 2046 says
  buffer_.append(data);
  return Run();
}

Status MultipartParser::Finish() {
  if (state_ == State::kFailed) return MakeError(ErrorCode::kInvalidArgument, "multipart body: already failed");
  if (state_ != State::kEpilogue) return Fail("ended before the closing boundary");
  return OkStatus();
}

Status MultipartParser::Run() {
  std::size_t pos = 0;  // consumed prefix of buffer_
  Status status;
  for (bool progress = true; progress && status.ok();) {
    progress = false;
    std::string_view rest = std::string_view(buffer_).substr(pos);
    switch (state_) {
      case State::kPreamble: {
        auto at = rest.find(delimiter_);
        if (at == std::string_view::npos) {
          // Keep only what could still be the start of a delimiter.
          if (rest.size() >= delimiter_.size()) pos += rest.size() - (delimiter_.size() - 1);
          break;
        }
        pos += at + delimiter_.size();
        state_ = State::kAfterDelimiter;
        progress = true;
        break;
      }
      case State::kAfterDelimiter: {
        if (rest.size() < 2) break;
        if (rest.substr(0, 2) == "--") {
          state_ = State::kEpilogue;
          pos = buffer_.size();
          break;
        }
        // Transport padding (white space) may follow a delimiter before its CRLF.
        std::size_t i = 0;
        while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
        if (i > 64) return Fail("malformed delimiter line");
        if (rest.size() < i + 2) break;
        if (rest.substr(i, 2) != "\r\n") return Fail("malformed delimiter line");
        pos += i + 2;
        state_ = State::kHeaders;
        progress = true;
        break;
      }
      case State::kHeaders: {
        auto end = rest.find("\r\n\r\n");
        std::size_t block_end = end;
        std::size_t skip = 4;
        if (rest.substr(0, 2) == "\r\n") {  // a part with no headers at all
          block_end = 0;
          skip = 2;
        } else if (end == std::string_view::npos) {
          if (rest.size() > limits_.max_header_bytes) return Fail("part headers too large");
          break;
        }
        if (block_end > limits_.max_header_bytes) return Fail("part headers too large");
        if (++parts_ > limits_.max_parts) return Fail("too many parts");
        status = ParseHeaders(rest.substr(0, block_end));
        if (!status.ok()) {
          state_ = State::kFailed;
          return status;
        }
        pos += block_end + skip;
        state_ = State::kBody;
        progress = true;
        break;
      }
      case State::kBody: {
        auto at = rest.find(delimiter_);
        if (at == std::string_view::npos) {
          if (rest.size() >= delimiter_.size()) {
            std::size_t n = rest.size() - (delimiter_.size() - 1);
            status = sink_.OnPartData(rest.substr(0, n));
            pos += n;
          }
          break;
        }
        if (at > 0) status = sink_.OnPartData(rest.substr(0, at));
        if (status.ok()) status = sink_.OnPartEnd();
        pos += at + delimiter_.size();
        state_ = State::kAfterDelimiter;
        progress = true;
        break;
      }
      case State::kEpilogue:
        pos = buffer_.size();
        break;
      case State::kFailed:
        return MakeError(ErrorCode::kInvalidArgument, "multipart body: already failed");
    }
  }
  if (!status.ok()) {
    state_ = State::kFailed;
    buffer_.clear();
    return status;
  }
  buffer_.erase(0, pos);
  return OkStatus();
}

Status MultipartParser::ParseHeaders(std::string_view block) {
  PartInfo part;
  bool disposition = false;
  while (!block.empty()) {
    auto eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') {
      return MakeError(ErrorCode::kInvalidArgument, "multipart body: folded part header");
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "multipart body: malformed part header");
    }
    std::string name = AsciiLower(TrimWhitespace(line.substr(0, colon)));
    std::string_view value = TrimWhitespace(line.substr(colon + 1));
    if (name == "content-disposition") {
      // "form-data; name=..." parses like a media type once given a slash-free check.
      auto parsed = ParseMediaType(std::string("x/") + std::string(value));
      if (!parsed || parsed->type != "x/form-data") {
        return MakeError(ErrorCode::kInvalidArgument, "multipart body: part is not form-data");
      }
      part.name = parsed->param("name").value_or("");
      if (auto filename = parsed->param("filename")) {
        part.filename = *filename;
        part.has_filename = true;
      }
      disposition = true;
    } else if (name == "content-type") {
      part.content_type = std::string(value);
    }
  }
  if (!disposition || part.name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "multipart body: part without a field name");
  }
  return sink_.OnPartBegin(part);
}

}  // namespace sealpost::http
