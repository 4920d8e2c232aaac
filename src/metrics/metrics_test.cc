#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "metrics/exporter.h"
#include "metrics/registry.h"

namespace sealpost::metrics {
namespace {

TEST(Registry, RendersCountersGaugesAndHistogramsInTheTextFormat) {
  Registry r;
  r.DeclareCounter("sealpost_smtp_refusals_total", "SMTP replies refusing a command.");
  r.DeclareGauge("sealpost_backlog", "Waiting \\ to be\nprocessed.");
  r.DeclareHistogram("sealpost_http_request_duration_seconds", "Latency.", {0.1, 1});
  r.Add("sealpost_smtp_refusals_total", {{"code", "535"}, {"status", "5.7.8"}});
  r.Add("sealpost_smtp_refusals_total", {{"code", "535"}, {"status", "5.7.8"}}, 2);
  r.Add("sealpost_smtp_refusals_total", {{"code", "535"}}, -1);  // a counter only grows
  r.Add("sealpost_smtp_refusals_total", {{"code", "421"}}, 0);   // a series at zero
  r.Set("sealpost_backlog", {{"kind", "a \"quoted\\ \nvalue"}}, 7.5);
  r.Observe("sealpost_http_request_duration_seconds", {{"route", "/api"}}, 0.05);
  r.Observe("sealpost_http_request_duration_seconds", {{"route", "/api"}}, 0.5);
  r.Observe("sealpost_http_request_duration_seconds", {{"route", "/api"}}, 3);
  r.Add("undeclared_total", {});                                 // ignored
  r.Set("sealpost_smtp_refusals_total", {{"code", "1"}}, 5);     // wrong type: ignored
  EXPECT_EQ(r.Render(),
            "# HELP sealpost_backlog Waiting \\\\ to be\\nprocessed.\n"
            "# TYPE sealpost_backlog gauge\n"
            "sealpost_backlog{kind=\"a \\\"quoted\\\\ \\nvalue\"} 7.5\n"
            "# HELP sealpost_http_request_duration_seconds Latency.\n"
            "# TYPE sealpost_http_request_duration_seconds histogram\n"
            "sealpost_http_request_duration_seconds_bucket{route=\"/api\",le=\"0.1\"} 1\n"
            "sealpost_http_request_duration_seconds_bucket{route=\"/api\",le=\"1\"} 2\n"
            "sealpost_http_request_duration_seconds_bucket{route=\"/api\",le=\"+Inf\"} 3\n"
            "sealpost_http_request_duration_seconds_sum{route=\"/api\"} 3.55\n"
            "sealpost_http_request_duration_seconds_count{route=\"/api\"} 3\n"
            "# HELP sealpost_smtp_refusals_total SMTP replies refusing a command.\n"
            "# TYPE sealpost_smtp_refusals_total counter\n"
            "sealpost_smtp_refusals_total{code=\"421\"} 0\n"
            "sealpost_smtp_refusals_total{code=\"535\",status=\"5.7.8\"} 3\n");
}

TEST(Registry, CollectorsSetTheirGaugesAfreshAtEachRendering) {
  Registry r;
  r.DeclareGauge("sealpost_queue_entries", "Entries by state.");
  int pass = 0;
  r.OnCollect({"sealpost_queue_entries"}, [&pass](Registry& reg) {
    ++pass;
    reg.Set("sealpost_queue_entries", {{"state", pass == 1 ? "queued" : "deferred"}}, pass);
  });
  EXPECT_NE(r.Render().find("sealpost_queue_entries{state=\"queued\"} 1\n"), std::string::npos);
  const std::string second = r.Render();
  EXPECT_EQ(second.find("queued"), std::string::npos) << second;
  EXPECT_NE(second.find("sealpost_queue_entries{state=\"deferred\"} 2\n"), std::string::npos);
}

// One HTTP exchange with the exporter, as a scraper would: the whole response.
std::string Scrape(std::uint16_t port, const std::string& request) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(request));
  std::string response;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(response), ec);  // until the server closes
  return response;
}

TEST(Exporter, ServesMetricsOnlyAndAsksForItsToken) {
  Registry r;
  r.DeclareCounter("sealpost_test_total", "A test counter.");
  r.Add("sealpost_test_total", {});
  auto exporter = Exporter::Start({"127.0.0.1", 0, "s3cret-token"}, r);
  ASSERT_TRUE(exporter.ok()) << exporter.error().ToString();
  const auto port = (*exporter)->port();
  auto ok = Scrape(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n"
                         "Authorization: Bearer s3cret-token\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ok;
  EXPECT_NE(ok.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(ok.find("\r\n\r\n# HELP sealpost_test_total A test counter.\n"), std::string::npos);
  EXPECT_NE(ok.find("sealpost_test_total 1\n"), std::string::npos);

  auto wrong = Scrape(port,
                      "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\r\n");
  EXPECT_EQ(wrong.rfind("HTTP/1.1 401", 0), 0u) << wrong;
  EXPECT_EQ(wrong.find("sealpost_test_total"), std::string::npos);
  auto none = Scrape(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(none.rfind("HTTP/1.1 401", 0), 0u) << none;
  auto elsewhere = Scrape(port, "GET /api/v1/messages HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(elsewhere.rfind("HTTP/1.1 404", 0), 0u) << elsewhere;
  auto post = Scrape(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
  auto garbage = Scrape(port, "\x16\x03\x01 not http\r\n\r\n");
  EXPECT_EQ(garbage.find("200 OK"), std::string::npos);
}

TEST(Exporter, NamesTheAddressItCannotListenOn) {
  Registry r;
  auto bad = Exporter::Start({"not-an-address", 0, ""}, r);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("not-an-address"), std::string::npos);
}

}  // namespace
}  // namespace sealpost::metrics
