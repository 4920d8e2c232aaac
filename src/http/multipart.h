// multipart/form-data (RFC 7578) parsed as it streams in, without I/O: the caller
// feeds bytes as they arrive and the parser calls its sink with each part's headers,
// its data in pieces, and its end. Memory stays bounded by the part-header limit plus
// one delimiter, whatever the size of the parts.
// Untrusted input: all of it. Limits: part headers (8 KiB), number of parts.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace sealpost::http {

struct PartInfo {
  std::string name;          // Content-Disposition name
  std::string filename;      // Content-Disposition filename; empty for plain fields
  bool has_filename = false;
  std::string content_type;  // as sent; empty when absent
};

class MultipartSink {
 public:
  virtual ~MultipartSink() = default;
  virtual Status OnPartBegin(const PartInfo& part) = 0;
  virtual Status OnPartData(std::string_view data) = 0;
  virtual Status OnPartEnd() = 0;
};

class MultipartParser {
 public:
  struct Limits {
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_parts = 128;
  };

  MultipartParser(std::string_view boundary, MultipartSink& sink, Limits limits);
  MultipartParser(std::string_view boundary, MultipartSink& sink)
      : MultipartParser(boundary, sink, Limits{}) {}

  Status Feed(std::string_view data);
  // The body has ended: it must have ended with the closing delimiter.
  Status Finish();

  // RFC 2046: 1 to 70 characters from a restricted set.
  static bool ValidBoundary(std::string_view boundary);

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kEpilogue, kFailed };
  Status Run();
  Status ParseHeaders(std::string_view block);
  Status Fail(std::string message);

  std::string delimiter_;  // "\r\n--" + boundary
  MultipartSink& sink_;
  Limits limits_;
  State state_ = State::kPreamble;
  std::string buffer_;
  std::size_t parts_ = 0;
};

}  // namespace sealpost::http
