// The body of POST /api/v1/messages, parsed and checked without I/O. Every problem
// is reported at once, each naming its field ("to[1]", "attachments[0].filename"),
// so a client can fix a request in one go.
// Untrusted input: the whole JSON document.
#pragma once

#include <string_view>
#include <vector>

#include "http/message.h"
#include "submission/submission.h"

namespace sealpost::api {

struct ParsedRequest {
  submission::Submission request;
  std::vector<http::InvalidParam> problems;  // empty when the request is good
};

ParsedRequest ParseMessageRequest(std::string_view json, const submission::RequestLimits& limits);

}  // namespace sealpost::api
