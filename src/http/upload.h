// A multipart body streamed into its parser, a piece at a time, each piece fed on the
// worker pool: what a sink does with it (encrypting, writing, a blob's fsync when a file
// ends) must not stall every other connection. The one loop the API's multipart
// messages, the portal's replies and compose, and the secure forms share.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "base/result.h"

namespace sealpost::http {

class BodyStream;
class MultipartParser;
class Offloader;

// Reads `body` to its end into `parser`: the first error — the body's (its limit
// passed: kResourceExhausted), the parser's or its sink's, or kUnavailable when the
// worker pool was too busy to take a piece within 30 s.
boost::asio::awaitable<Status> StreamMultipart(BodyStream& body, MultipartParser& parser,
                                               Offloader& offloader);

}  // namespace sealpost::http
