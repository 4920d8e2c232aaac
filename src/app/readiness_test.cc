// /readyz's answer: every part's verdict, the failing ones named in a 503, and the checks
// run at most once a clock second however often it is asked.
#include <gtest/gtest.h>

#include "app/readiness.h"
#include "base/clock.h"

namespace sealpost {
namespace {

TEST(Readiness, NamesWhatIsNotReadyAndChecksAtMostOnceASecond) {
  ManualClock clock(1'800'000'000);
  int runs = 0;
  bool blobs_ok = true;
  Readiness readiness({{"database", [&] { ++runs; return OkStatus(); }},
                       {"blobs", [&]() -> Status {
                          if (blobs_ok) return OkStatus();
                          return MakeError(ErrorCode::kUnavailable, "cannot write");
                        }}},
                      clock);
  auto first = readiness.Answer();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, R"({"status":"ready","checks":{"database":"ok","blobs":"ok"}})");
  EXPECT_EQ(runs, 1);
  blobs_ok = false;
  // Asked again in the same second: the same answer, no new run.
  EXPECT_EQ(readiness.Answer().status, 200);
  EXPECT_EQ(runs, 1);
  clock.Advance(1);
  auto failing = readiness.Answer();
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(failing.status, 503);
  EXPECT_NE(failing.body.find(R"("detail":"blobs: cannot write")"), std::string::npos);
  EXPECT_NE(failing.body.find(R"("checks":{"database":"ok","blobs":"cannot write"})"),
            std::string::npos);
}

}  // namespace
}  // namespace sealpost
