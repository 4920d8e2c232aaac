// libunbound against DNS servers on loopback: one that answers every A query with
// 127.0.0.7, and one that never answers, to pin the deadline on every lookup. Names are
// under .example: libunbound answers .test and .invalid itself (RFC 6761 zones).
#include "dns/unbound_resolver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace sealpost::dns {
namespace {

// A UDP socket on 127.0.0.1; with `answer`, a thread answers A queries (others get an
// empty answer); without, queries are counted and dropped.
class LoopbackDns {
 public:
  explicit LoopbackDns(bool answer) : answer_(answer) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackDns() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string Forwarder() const { return "127.0.0.1@" + std::to_string(port_); }
  int queries() const { return queries_; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      unsigned char query[512];
      sockaddr_in from{};
      socklen_t from_length = sizeof from;
      const auto n = recvfrom(fd_, query, sizeof query, 0, reinterpret_cast<sockaddr*>(&from),
                              &from_length);
      if (n < 12) continue;
      ++queries_;
      if (!answer_) continue;
      // The question ends after its name's terminating zero, type and class.
      std::size_t end = 12;
      while (end < static_cast<std::size_t>(n) && query[end] != 0) end += query[end] + 1;
      end += 5;
      if (end > static_cast<std::size_t>(n)) continue;
      const bool is_a = query[end - 4] == 0 && query[end - 3] == 1;
      std::vector<unsigned char> reply(query, query + end);
      reply[2] = 0x81;  // a response, recursion desired
      reply[3] = 0x80;  // recursion available, NOERROR
      reply[6] = 0;
      reply[7] = is_a ? 1 : 0;  // answers
      for (int i = 8; i < 12; ++i) reply[i] = 0;  // no authority, no additional
      if (is_a) {
        const unsigned char record[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 7};
        reply.insert(reply.end(), record, record + sizeof record);
      }
      sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_length);
    }
  }

  const bool answer_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

TEST(UnboundResolver, AnswersManyCallersAtOnce) {
  LoopbackDns server(/*answer=*/true);
  UnboundOptions options;
  options.forwarder = server.Forwarder();
  options.timeout = std::chrono::seconds(10);
  auto resolver = NewUnboundResolver(options);
  ASSERT_TRUE(resolver.ok()) << resolver.error().message;
  std::vector<std::future<Result<AddressAnswer>>> lookups;
  for (int i = 0; i < 8; ++i) {
    lookups.push_back(std::async(std::launch::async, [&, i] {
      return (*resolver)->Addresses("host" + std::to_string(i) + ".clinic.example");
    }));
  }
  for (auto& lookup : lookups) {
    auto answer = lookup.get();
    ASSERT_TRUE(answer.ok()) << answer.error().message;
    EXPECT_EQ(answer->addresses, std::vector<std::string>{"127.0.0.7"});
    EXPECT_FALSE(answer->secure);  // no trust anchor: nothing is validated
  }
}

TEST(UnboundResolver, ALookupNobodyAnswersFailsAtItsDeadline) {
  LoopbackDns silent(/*answer=*/false);
  UnboundOptions options;
  options.forwarder = silent.Forwarder();
  options.timeout = std::chrono::milliseconds(300);
  auto resolver = NewUnboundResolver(options);
  ASSERT_TRUE(resolver.ok()) << resolver.error().message;
  const auto start = std::chrono::steady_clock::now();
  auto mx = (*resolver)->Mx("silent.clinic.example");
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(mx.ok());
  EXPECT_EQ(mx.error().code, ErrorCode::kIo);  // may pass: delivery defers
  EXPECT_NE(mx.error().message.find("no answer within 300 ms"), std::string::npos)
      << mx.error().message;
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_GE(silent.queries(), 1);  // it asked, and got nothing
  // The resolver stays usable, and closes with the cancelled query still out.
  EXPECT_EQ((*resolver)->Txt("silent.clinic.example").error().code, ErrorCode::kIo);
}

TEST(UnboundResolver, RefusesANonPositiveTimeout) {
  UnboundOptions options;
  options.forwarder = "127.0.0.1@9";
  options.timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(NewUnboundResolver(options).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace sealpost::dns
