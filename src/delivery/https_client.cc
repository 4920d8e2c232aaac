#include "delivery/https_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "base/text.h"

namespace sealpost::delivery {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

asio::awaitable<Result<HttpsResponse>> HttpsExchange(asio::any_io_executor executor,
                                                     asio::ssl::context& https,
                                                     const HttpsRequest& r) {
  constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
  auto failed = [&](const std::string& what) {
    return MakeError(ErrorCode::kIo, "https://" + r.host + ": " + what);
  };
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(r.address, ec);
  if (ec) co_return failed("not an IP address: " + r.address);

  beast::ssl_stream<beast::tcp_stream> stream(executor, https);
  SSL* ssl = stream.native_handle();
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  asio::ip::make_address(r.host, ec);
  if (!ec) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), r.host.c_str()) != 1) {
      co_return failed("cannot set the server's address");
    }
  } else if (!SSL_set_tlsext_host_name(ssl, r.host.c_str()) ||
             SSL_set1_host(ssl, r.host.c_str()) != 1) {
    co_return failed("cannot set the server name");
  }
  SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);

  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(r.timeout);
  std::tie(ec) = co_await tcp.async_connect(asio::ip::tcp::endpoint(ip, r.port), kTuple);
  if (ec) co_return failed("cannot connect: " + ec.message());
  std::tie(ec) = co_await stream.async_handshake(asio::ssl::stream_base::client, kTuple);
  if (ec) {
    long verify = SSL_get_verify_result(ssl);
    co_return failed(verify != X509_V_OK
                         ? std::string("certificate: ") + X509_verify_cert_error_string(verify)
                         : "TLS handshake failed: " + ec.message());
  }
  http::request<http::string_body> request{
      r.method == "POST" ? http::verb::post : http::verb::get, r.target, 11};
  const std::string host = r.host.find(':') != std::string::npos ? "[" + r.host + "]" : r.host;
  request.set(http::field::host, r.port == 443 ? host : host + ":" + std::to_string(r.port));
  request.set(http::field::user_agent, "sealpost");
  for (const auto& [name, value] : r.headers) request.set(name, value);
  if (r.method == "POST") {
    request.set(http::field::content_type, r.content_type);
    request.body() = r.body;
    request.prepare_payload();
  }
  std::tie(ec, std::ignore) = co_await http::async_write(stream, request, kTuple);
  if (ec) co_return failed("cannot send the request: " + ec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(r.max_response_bytes);
  std::tie(ec, std::ignore) = co_await http::async_read(stream, buffer, parser, kTuple);
  if (ec == http::error::body_limit) {
    co_return failed("answer larger than " + std::to_string(r.max_response_bytes) + " bytes");
  }
  if (ec) co_return failed("no answer: " + ec.message());
  tcp.expires_after(std::chrono::seconds(5));
  std::tie(ec) = co_await stream.async_shutdown(kTuple);  // best effort

  auto& response = parser.get();
  HttpsResponse out;
  out.status = static_cast<int>(response.result_int());
  std::string_view type(response[http::field::content_type]);
  out.content_type = AsciiLower(TrimWhitespace(type.substr(0, type.find(';'))));
  out.body = std::move(response.body());
  co_return out;
}

}  // namespace sealpost::delivery
