// The one way off the event loop (http::Offload<T>) on a real http::Server: results come
// back typed; past max_waiting_work, or past its deadline before it could start, work is
// refused with kUnavailable (an HTTP 503 with Retry-After) and never runs.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "app/self_signed.h"
#include "base/temp_dir.h"
#include "http/server.h"

namespace sealpost {
namespace {

namespace asio = boost::asio;

class OffloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteSelfSignedCertificate(dir_.path() + "/c.pem", dir_.path() + "/k.pem",
                                           "localhost", 1)
                    .ok());
  }

  std::unique_ptr<http::Server> Server(std::size_t workers, std::size_t max_waiting) {
    http::ServerOptions options;
    options.port = 0;
    options.cert_file = dir_.path() + "/c.pem";
    options.key_file = dir_.path() + "/k.pem";
    options.worker_threads = workers;
    options.max_waiting_work = max_waiting;
    auto server = http::Server::Create(options);
    EXPECT_TRUE(server.ok());
    return std::move(*server);
  }

  // Runs `fn` (a coroutine) to completion on a loop of its own.
  template <typename T, typename Fn>
  T Drive(Fn fn) {
    asio::io_context io;
    std::optional<T> out;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> { out.emplace(co_await fn()); },
                   asio::detached);
    io.run();
    return std::move(*out);
  }

  TempDir dir_;
};

TEST_F(OffloadTest, ResultsComeBackTyped) {
  auto server = Server(2, 8);
  auto got = Drive<Result<int>>([&]() -> asio::awaitable<Result<int>> {
    co_return co_await http::Offload<int>(*server, [] { return Result<int>(42); });
  });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 42);
  auto failed = Drive<Result<int>>([&]() -> asio::awaitable<Result<int>> {
    co_return co_await http::Offload<int>(
        *server, []() -> Result<int> { return MakeError(ErrorCode::kNotFound, "gone"); });
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kNotFound);
}

// One worker, held busy; one more piece may wait; a third is refused at once, and the
// waiting one, once its deadline has passed, never runs.
TEST_F(OffloadTest, FullOrLateWorkIsRefusedAndNeverRuns) {
  auto server = Server(1, 2);
  std::mutex mu;
  std::condition_variable cv;
  bool holding = false, release = false;
  std::atomic<int> ran{0};
  asio::io_context io;
  std::promise<Status> first, second;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto r = co_await http::Offload<void>(*server, [&]() -> sealpost::Status {
      std::unique_lock lock(mu);
      holding = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
      ++ran;
      return OkStatus();
    });
    first.set_value(r);
  }, asio::detached);
  std::thread loop([&] { io.run(); });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return holding; });
  }
  // The second and the third start in this order on one loop: the second is waiting
  // (counted) when the third asks.
  asio::io_context io2;
  asio::co_spawn(io2, [&]() -> asio::awaitable<void> {
    // Waits behind the first, with a deadline that passes while it waits.
    second.set_value(co_await http::Offload<void>(
        *server, [&]() -> sealpost::Status { ++ran; return OkStatus(); },
        std::chrono::seconds(0)));
  }, asio::detached);
  auto refused = asio::co_spawn(io2, [&]() -> asio::awaitable<Status> {
    co_return co_await http::Offload<void>(*server, [&]() -> sealpost::Status {
      ++ran;
      return OkStatus();
    });
  }, asio::use_future);
  std::thread loop2([&] { io2.run(); });
  Status third_result = refused.get();
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  loop.join();
  loop2.join();
  EXPECT_TRUE(first.get_future().get().ok());
  Status late = second.get_future().get();
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kUnavailable);
  ASSERT_FALSE(third_result.ok());
  EXPECT_EQ(third_result.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(ran, 1);  // only the first ran
}

}  // namespace
}  // namespace sealpost
