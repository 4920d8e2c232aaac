// One HTTPS request to a server that must prove its name with a certificate from a
// trusted CA (the context's), as MTA-STS policy fetches (RFC 8461 §3.3) and TLS
// report uploads (RFC 8460 §5.4) need. No redirects are followed: a 3xx is an answer.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace boost::asio::ssl {
class context;
}

namespace sealpost::delivery {

struct HttpsRequest {
  std::string method = "GET";  // GET or POST
  // The name the certificate must carry (Host, SNI); or an IP literal, which it must
  // carry as an IP address (and which is sent without SNI, RFC 6066 §3).
  std::string host;
  std::string address;         // IPv4 or IPv6 literal to connect to
  std::uint16_t port = 443;
  std::string target = "/";
  std::string content_type;    // of the body, for POST
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // more fields to send
  std::chrono::seconds timeout{60};
  std::size_t max_response_bytes = 64 * 1024;
};

struct HttpsResponse {
  int status = 0;
  std::string content_type;  // the media type, without parameters
  std::string body;
};

// kIo naming what failed (connection, certificate, a response too large).
boost::asio::awaitable<Result<HttpsResponse>> HttpsExchange(boost::asio::any_io_executor executor,
                                                            boost::asio::ssl::context& https,
                                                            const HttpsRequest& request);

}  // namespace sealpost::delivery
