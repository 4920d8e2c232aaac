#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "base/byte_stream.h"
#include "base/client_key.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "base/result.h"
#include "base/secret.h"
#include "base/text.h"
#include "base/worker.h"

namespace sealpost {
namespace {

Result<int> Parse(bool good) {
  if (!good) return MakeError(ErrorCode::kInvalidArgument, "bad number", "n");
  return 42;
}

TEST(Result, CarriesValueOrError) {
  auto good = Parse(true);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  auto bad = Parse(false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().ToString(), "invalid argument (n): bad number");
}

TEST(SecretBytes, MoveLeavesSourceEmpty) {
  SecretBytes a("key", 3);
  SecretBytes b = std::move(a);
  EXPECT_EQ(b.view(), "key");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the point of the test
  SecretBytes c = b.Copy();
  EXPECT_EQ(c.view(), "key");
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEqual("", ""));
}

TEST(Encoding, RoundTrips) {
  struct Case { std::string bytes; std::string b64; std::string b64url; std::string hex; };
  const Case cases[] = {
      {"", "", "", ""},
      {"f", "Zg==", "Zg", "66"},
      {std::string("\xfb\xff", 2), "+/8=", "-_8", "fbff"},
      {"hello world", "aGVsbG8gd29ybGQ=", "aGVsbG8gd29ybGQ", "68656c6c6f20776f726c64"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Base64Encode(c.bytes), c.b64);
    EXPECT_EQ(Base64UrlEncode(c.bytes), c.b64url);
    EXPECT_EQ(HexEncode(c.bytes), c.hex);
    EXPECT_EQ(Base64Decode(c.b64).value_or("<none>"), c.bytes);
    EXPECT_EQ(HexDecode(c.hex).value_or("<none>"), c.bytes);
    auto secret = Base64UrlDecodeSecret(c.b64url);
    ASSERT_TRUE(secret.has_value());
    EXPECT_EQ(secret->view(), c.bytes);
    EXPECT_EQ(Base64UrlDecode(c.b64url).value_or("<none>"), c.bytes);
    EXPECT_EQ(Base64DecodedSize(c.b64).value_or(999), c.bytes.size());
  }
}

TEST(Encoding, RejectsMalformed) {
  EXPECT_FALSE(Base64Decode("Zg=").has_value());
  EXPECT_FALSE(Base64Decode("Z g==").has_value());
  EXPECT_FALSE(Base64Decode("Zg==\n").has_value());
  EXPECT_FALSE(Base64Decode("!!!!").has_value());
  EXPECT_FALSE(HexDecode("6").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
  EXPECT_FALSE(Base64UrlDecodeSecret("a+b/").has_value());
  EXPECT_FALSE(Base64UrlDecode("a+b/").has_value());
  EXPECT_FALSE(Base64UrlDecode("-_8=").has_value());  // no padding in this form
  // Bytes of 0x80 and above are no letters of any alphabet (libsodium 1.0.18 takes them;
  // found by fuzzing link tokens): "AAA\xbf" must not decode like "AAA/" or "AAA_".
  EXPECT_FALSE(Base64UrlDecodeSecret("AAA\xbf").has_value());
  EXPECT_FALSE(Base64Decode("AAA\xbf").has_value());
  EXPECT_FALSE(Base64UrlDecodeSecret("AAAAAAAA\xbe\xbe\xbe\xb9").has_value());
  EXPECT_TRUE(Base64UrlDecodeSecret("AAA_").has_value());
}

// A reader hands out a source's pieces in whatever sizes its caller asks, and only
// says 0 at the end; ReadAll refuses past its bound.
TEST(ByteStream, ReaderCutsPiecesToTheCallersBuffer) {
  std::string text(3 * kStreamPiece + 17, 'a');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
  auto source = ViewSource(text);
  SourceReader reader(*source);
  std::string back;
  char buf[1000];
  for (;;) {
    auto n = reader.Read(buf, sizeof buf);
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    back.append(buf, *n);
  }
  EXPECT_EQ(back, text);
  auto again = OpenView(text)();
  ASSERT_TRUE(again.ok());
  auto whole = ReadAll(**again, text.size());
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, text);
  auto over = OpenView(text)();
  auto refused = ReadAll(**over, text.size() - 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  int made = 0;
  OpenSource once = OpenMadeOnce([&]() -> Result<std::string> {
    ++made;
    return std::string("made");
  });
  EXPECT_EQ(*ReadAll(**once(), 10), "made");
  EXPECT_EQ(*ReadAll(**once(), 10), "made");
  EXPECT_EQ(made, 1);
}

TEST(Text, FindLineBreakFindsTheFirstCrOrLfAcrossWindows) {
  EXPECT_EQ(FindLineBreak("abc\r\ndef"), 3u);
  EXPECT_EQ(FindLineBreak("abc\ndef\r"), 3u);
  EXPECT_EQ(FindLineBreak("abc\r\ndef", 4), 4u);
  EXPECT_EQ(FindLineBreak("no break"), std::string_view::npos);
  EXPECT_EQ(FindLineBreak(""), std::string_view::npos);
  const std::string far = std::string(1000, 'a') + "\r" + std::string(300, 'b') + "\n";
  EXPECT_EQ(FindLineBreak(far), 1000u);
  EXPECT_EQ(FindLineBreak(far, 1001), 1301u);
  const std::string lf_first = std::string(600, 'a') + "\n" + std::string(900, 'b') + "\r";
  EXPECT_EQ(FindLineBreak(lf_first), 600u);
}

TEST(Text, SanitizeForLogEscapesAndTruncates) {
  EXPECT_EQ(SanitizeForLog("a\r\nb"), "a\\x0d\\x0ab");
  EXPECT_EQ(SanitizeForLog("abcdef", 3), "abc...");
  EXPECT_EQ(AsciiLower("HeLLo"), "hello");
  EXPECT_EQ(TrimWhitespace("  x y \t"), "x y");
}

TEST(Clock, ParsesDatesAndRfc3339Times) {
  EXPECT_EQ(*ParseRfc3339OrDate("1970-01-02"), 86400);
  EXPECT_EQ(*ParseRfc3339OrDate("9999-12-31T23:59:59Z"), 253402300799);
  EXPECT_EQ(*ParseRfc3339OrDate("2026-11-22T18:03:00Z"), 1795370580);
  EXPECT_EQ(*ParseRfc3339OrDate("2026-11-22T19:03:00.250+01:00"), 1795370580);
  EXPECT_EQ(*ParseRfc3339OrDate("2026-11-22T13:03:00-05:00"), 1795370580);
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2026-11-22T25:00:00Z",
                          "2026-11-22T18:03:00", "2026-11-22 18:03:00Z", "2026-11-22T18:03:00+0100",
                          "2026-11-22T18:03:00.Z", "0026-02-28", "1969-12-31",
                          "1970-01-01T00:00:00+01:00", "9999-12-31T23:59:60Z"}) {
    auto parsed = ParseRfc3339OrDate(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(Clock, FormatsRfc3339) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatHumanDate(1800000000), "2027-01-15 08:00 UTC");
  ManualClock clock(100);
  clock.Advance(5);
  EXPECT_EQ(clock.NowUnix(), 105);
}

TEST(Text, WithHostKeepsSchemePortAndPath) {
  EXPECT_EQ(WithHost("https://localhost:8443", "portal.clinic.test"),
            "https://portal.clinic.test:8443");
  EXPECT_EQ(WithHost("https://gw.test/base", "p.test"), "https://p.test/base");
  EXPECT_EQ(WithHost("https://[::1]:8443/x", "p.test"), "https://p.test:8443/x");
  EXPECT_EQ(WithHost("https://gw.test", ""), "https://gw.test");
  EXPECT_EQ(WithHost("gw.test", "p.test"), "gw.test");
}

TEST(Text, HasEightBitFindsAHighByteAnywhere) {
  EXPECT_FALSE(HasEightBit(""));
  EXPECT_FALSE(HasEightBit(std::string(300, '\x7f')));
  EXPECT_TRUE(HasEightBit("caf\xc3\xa9"));
  EXPECT_TRUE(HasEightBit(std::string(299, 'a') + '\x80'));  // past any vector width
  // Wherever it is: in a word of a 32-byte step, or in the bytes after the last step.
  for (std::size_t at = 0; at < 75; ++at) {
    std::string text(75, 'a');
    text[at] = static_cast<char>(0x80 | at);
    EXPECT_TRUE(HasEightBit(text)) << at;
    EXPECT_FALSE(HasEightBit(std::string_view(text).substr(at + 1))) << at;
  }
}

TEST(Text, ValidUtf8) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("J\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong "/"
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xff"));
  // Made valid: each stray byte becomes U+FFFD, the well-formed rest stays.
  EXPECT_EQ(ValidUtf8("J\xc3\xb6rg"), "J\xc3\xb6rg");
  EXPECT_EQ(ValidUtf8("a\xc0\xaf" "b\xc3"), "a\xEF\xBF\xBD\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_TRUE(IsValidUtf8(ValidUtf8("\xed\xa0\x80\xff\xf4\x90\x80\x80")));
}

TEST(PollingWorker, RunsWhenNotifiedAndRepeatsFullBatches) {
  std::mutex mu;
  std::condition_variable cv;
  int passes = 0;
  int backlog = 0;  // each pass takes one item; "full" while more are left
  PollingWorker worker(
      [&] {
        std::lock_guard lock(mu);
        ++passes;
        if (backlog > 0) --backlog;
        cv.notify_all();
        return backlog > 0;
      },
      std::chrono::hours(1));  // only Notify can start a pass in this test
  worker.Start();
  {
    std::lock_guard lock(mu);
    backlog = 3;
  }
  worker.Notify();
  std::unique_lock lock(mu);
  // One wake-up drains the whole backlog: three passes, the last not full.
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return passes >= 3; }));
  EXPECT_EQ(backlog, 0);
  lock.unlock();
  worker.Stop();
  lock.lock();
  EXPECT_EQ(passes, 3);
}

// Background work (the submission processor, the blob sweeper) runs niced, so that what answers
// clients takes a busy machine's CPU first; a normal worker keeps the nice value it was born with.
TEST(PollingWorker, ABackgroundWorkerRunsNicedAndANormalOneDoesNot) {
  errno = 0;
  const int mine = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
  ASSERT_EQ(errno, 0);
  for (const auto priority : {WorkerPriority::kNormal, WorkerPriority::kBackground}) {
    std::promise<int> seen;
    bool once = false;
    PollingWorker worker(
        [&] {
          if (!once) {
            once = true;
            seen.set_value(::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())));
          }
          return false;
        },
        std::chrono::hours(1), priority);
    worker.Start();
    worker.Notify();
    auto future = seen.get_future();
    ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(future.get(), priority == WorkerPriority::kBackground
                                ? std::min(mine + kBackgroundNice, 19)
                                : mine);
    worker.Stop();
  }
  EXPECT_EQ(::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())), mine);  // its own only
}

// Readiness: a worker is alive while its thread runs and no pass outlasts the bound; a
// pass that hangs says so, and the worker is alive again once it ends.
TEST(PollingWorker, AliveUnlessStoppedOrStuckInAPass) {
  std::mutex mu;
  std::condition_variable cv;
  bool hang = false, hanging = false;
  PollingWorker worker(
      [&] {
        std::unique_lock lock(mu);
        if (hang) {
          hanging = true;
          cv.notify_all();
          cv.wait(lock, [&] { return !hang; });
          hanging = false;
        }
        return false;
      },
      std::chrono::hours(1));
  const auto bound = std::chrono::milliseconds(50);
  EXPECT_EQ(worker.Alive(bound).error().code, ErrorCode::kUnavailable);  // not started
  worker.Start();
  // The thread marks itself running as it starts: wait for that, bounded.
  for (int i = 0; i < 1000 && !worker.Alive(bound).ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(worker.Alive(bound).ok());
  {
    std::unique_lock lock(mu);
    hang = true;
  }
  worker.Notify();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return hanging; }));
  }
  Status stuck = OkStatus();
  for (int i = 0; i < 1000 && stuck.ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    stuck = worker.Alive(bound);
  }
  ASSERT_FALSE(stuck.ok());
  EXPECT_NE(stuck.error().message.find("one pass has run for"), std::string::npos);
  {
    std::unique_lock lock(mu);
    hang = false;
  }
  cv.notify_all();
  Status back = stuck;
  for (int i = 0; i < 1000 && !back.ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    back = worker.Alive(bound);
  }
  EXPECT_TRUE(back.ok());
  worker.Stop();
  EXPECT_EQ(worker.Alive(bound).error().message, "not running");
}

}  // namespace
}  // namespace sealpost

namespace sealpost {
namespace {

TEST(ClientKey, AnIpv6ClientIsItsSlash64) {
  const struct {
    const char* address;
    const char* want;
  } cases[] = {
      {"192.0.2.7", "192.0.2.7"},
      {"2001:db8:1:2:a:b:c:d", "2001:db8:1:2::/64"},
      {"2001:db8:1:2::ffff", "2001:db8:1:2::/64"},
      {"2001:DB8:1:3::1", "2001:db8:1:3::/64"},
      {"::1", "::/64"},
      {"::ffff:192.0.2.7", "192.0.2.7"},
      {"unknown", "unknown"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(ClientKey(c.address), c.want) << c.address;
  // Two addresses of one /64 are one client; of neighbouring /64s, two.
  EXPECT_EQ(ClientKey("2001:db8::1"), ClientKey("2001:db8::dead:beef:1:2"));
  EXPECT_NE(ClientKey("2001:db8:0:0::1"), ClientKey("2001:db8:0:1::1"));
}

}  // namespace
}  // namespace sealpost
