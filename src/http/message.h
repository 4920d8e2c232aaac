// Request and Response as handlers see them: plain structs, no Beast, so handler code
// compiles fast and reads simply. The server (server.h) converts at the edge.
// Untrusted input: everything in a Request comes from the network.
#pragma once

#include <any>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/text.h"

namespace sealpost::http {

struct Header {
  std::string name;
  std::string value;
};

// A request body read as it arrives, for uploads too large to buffer.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Reads up to `size` bytes; 0 means the body has ended. kResourceExhausted when
  // the route's body limit is passed.
  virtual boost::asio::awaitable<Result<std::size_t>> Read(char* data, std::size_t size) = 0;
  virtual bool done() const = 0;
};

// What a body must be to be taken, checked as it arrives (a signed request's
// Content-Digest, RFC 9530): the server feeds it every byte of a buffered body before the
// handler runs, and every byte a streamed body's reader takes, and refuses the request
// (400) or ends the stream with kInvalidArgument when Finish says it does not match.
class BodyCheck {
 public:
  virtual ~BodyCheck() = default;
  virtual void Update(std::string_view bytes) = 0;
  virtual Status Finish() = 0;
};

struct Request {
  std::string method;
  std::string path;                 // without the query
  std::string query;
  std::vector<Header> headers;
  std::vector<std::string> params;  // values of the route's {placeholders}, in order
  std::string route;                // the pattern that matched ("/api/v1/namespaces/{name}")
  std::string client_address;
  std::string id;                   // X-Request-Id: handlers put it in their log lines
  std::string body;                 // buffered routes
  BodyStream* stream = nullptr;     // streaming routes
  // What the route's gate learnt of the caller (the API's: its Principal), for the
  // handler; empty when the route has no gate.
  std::any caller;
  // Header fields the gate adds to whatever response the request gets (the caller's
  // rate-limit state).
  std::vector<Header> response_headers;
  // Set by a gate: what the body must match.
  std::shared_ptr<BodyCheck> body_check;

  // First value of a header, case-insensitive; empty when absent.
  std::string_view header(std::string_view name) const;
  // A cookie's value; nullopt when absent.
  std::optional<std::string> cookie(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
  // What went wrong inside, for the log line the server writes with the request's id;
  // never sent (an internal error's details stay on the server).
  std::string log_note;
  // A body produced in pieces (off the event loop) instead of `body`: each call fills
  // `chunk` and returns true, or returns false at the end. An error after the headers
  // were sent aborts the connection, so the client never mistakes a cut body for a
  // whole one.
  std::function<Result<bool>(std::string& chunk)> producer;
  std::optional<std::uint64_t> content_length;  // for producer bodies, when known

  Response& Set(std::string name, std::string value);
};

Response HtmlResponse(int status, std::string html);
Response TextResponse(int status, std::string text);
Response JsonResponse(int status, std::string json);
Response RedirectResponse(std::string location);  // 303 See Other

// RFC 9457 problem details.
struct InvalidParam {
  std::string name;    // "to[1]", "attachments[0].content_base64"
  std::string reason;
};
Response ProblemResponse(int status, std::string_view title, std::string_view detail,
                         const std::vector<InvalidParam>& invalid = {});
// Maps an Error to a problem response: kInvalidArgument → 400 (naming the field), etc.
Response ProblemFromError(const Error& error);

// application/x-www-form-urlencoded, strictly: every pair "name=value", percent
// escapes valid, at most `max_fields` pairs.
Result<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body,
                                                                    std::size_t max_fields = 64);
// Strict percent-decoding of a path segment ("+" stays "+"); nullopt on a bad escape.
std::optional<std::string> PercentDecode(std::string_view text);
// Percent-encodes everything but RFC 3986's unreserved characters: safe in a path
// segment and in a query value.
std::string PercentEncode(std::string_view text);

std::optional<std::string> FormValue(const std::vector<std::pair<std::string, std::string>>& form,
                                     std::string_view name);

using sealpost::EscapeHtml;

// Parses one media type: "Multipart/Form-Data; boundary=x" → type "multipart/form-data",
// parameters lower-cased by name, quoted values unquoted.
struct MediaType {
  std::string type;
  std::vector<std::pair<std::string, std::string>> params;
  std::optional<std::string> param(std::string_view name) const;
};
std::optional<MediaType> ParseMediaType(std::string_view value);

}  // namespace sealpost::http
