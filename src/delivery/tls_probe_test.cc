// The TLS probe stops at the planning's deadline: a mail server that accepts the
// connection and never greets cannot hold a sender's request for its 5-minute timeout.
#include "delivery/tls_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "dns/fake_resolver.h"

namespace sealpost::delivery {
namespace {

TEST(TlsProbe, AServerThatNeverGreetsIsGivenUpAtTheDeadline) {
  // Listening, never accepting: the kernel completes the handshake, nobody speaks.
  const int silent = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(silent, 8), 0);
  socklen_t length = sizeof address;
  getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);

  RouteOptions route;
  route.transports.push_back(
      *ParseTransportRule("slow.example = 127.0.0.1:" + std::to_string(port)));
  dns::FakeResolver dns;  // an address literal: nothing is looked up
  TlsProbe probe(route, ClientOptions{}, dns);  // greeting timeout: 300 s
  const auto start = std::chrono::steady_clock::now();
  auto result = probe.Probe("slow.example", start + std::chrono::milliseconds(300));
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kIo);
  EXPECT_NE(result.error().message.find("took longer than planning may"), std::string::npos)
      << result.error().message;
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_LT(waited, std::chrono::seconds(10));
  // Out of time before it starts: nobody is asked.
  auto late = probe.Probe("slow.example", std::chrono::steady_clock::now());
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().message.find("no time left"), std::string::npos);
  close(silent);
}

}  // namespace
}  // namespace sealpost::delivery
