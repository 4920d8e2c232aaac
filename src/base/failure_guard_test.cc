#include "base/failure_guard.h"

#include <gtest/gtest.h>

namespace sealpost {
namespace {

TEST(FailureGuard, FreeTriesThenGrowingDelaysThenTheHourlyCap) {
  ManualClock clock(1'000'000);
  FailureGuard guard({/*max_per_hour=*/10, /*free_failures=*/3, /*max_delay_seconds=*/8, 100},
                     clock);
  const std::string a = "192.0.2.1";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(guard.Check(a).wait, 0);
    guard.Failed(a);
  }
  EXPECT_EQ(guard.Check(a).wait, 0);  // three free failures
  guard.Failed(a);                 // the fourth: 2 s
  EXPECT_EQ(guard.Check(a).wait, 2);
  EXPECT_FALSE(guard.Check(a).refused);  // slowed down, not refused
  EXPECT_EQ(guard.Check("192.0.2.2").wait, 0);  // others are not held back
  clock.Advance(2);
  EXPECT_EQ(guard.Check(a).wait, 0);
  guard.Failed(a);  // fifth: 4 s
  EXPECT_EQ(guard.Check(a).wait, 4);
  clock.Advance(4);
  guard.Failed(a);  // sixth: 8 s
  EXPECT_EQ(guard.Check(a).wait, 8);
  clock.Advance(8);
  guard.Failed(a);  // seventh: capped at 8 s
  EXPECT_EQ(guard.Check(a).wait, 8);
  for (int i = 0; i < 3; ++i) {
    clock.Advance(8);
    guard.Failed(a);
  }
  // Ten failures within the hour: wait until the first is an hour old.
  clock.Advance(8);
  const std::int64_t first = 1'000'000;
  EXPECT_EQ(guard.Check(a).wait, first + 3600 - clock.NowUnix());
  EXPECT_TRUE(guard.Check(a).refused);
  clock.Advance(first + 3600 - clock.NowUnix());
  EXPECT_EQ(guard.Check(a).wait, 0);
}

// Guesses sent in parallel all pass Check before any has failed; counting each try
// from the moment it is let through keeps them under the cap all the same.
TEST(FailureGuard, TriesInProgressCountAgainstTheCap) {
  ManualClock clock(1'000'000);
  FailureGuard guard({/*max_per_hour=*/3, /*free_failures=*/10, 30, 100}, clock);
  FailureGuard::Verdict v;
  auto a = guard.Begin("x", &v);
  auto b = guard.Begin("x", &v);
  auto c = guard.Begin("x", &v);
  ASSERT_TRUE(a && b && c);
  EXPECT_FALSE(guard.Begin("x", &v).has_value());  // three in progress: the cap
  EXPECT_TRUE(v.refused);
  EXPECT_TRUE(guard.Begin("y", &v).has_value());  // others are not held back
  b.reset();  // ended without failing: released
  auto d = guard.Begin("x", &v);
  ASSERT_TRUE(d.has_value());
  a->Failed();
  c->Failed();
  d->Failed();
  EXPECT_TRUE(guard.Check("x").refused);  // three failures now
  a.reset();  // a try already ended ends once
  EXPECT_FALSE(guard.Begin("x", &v).has_value());
  clock.Advance(3600);
  EXPECT_TRUE(guard.Begin("x", &v).has_value());
}

TEST(FailureGuard, StaysBounded) {
  ManualClock clock(1'000'000);
  FailureGuard guard({30, 0, 60, 2}, clock);
  guard.Failed("a");
  clock.Advance(1);
  guard.Failed("b");
  clock.Advance(1);
  guard.Failed("c");  // "a" is forgotten to make room
  EXPECT_EQ(guard.Check("a").wait, 0);
  EXPECT_GT(guard.Check("b").wait, 0);
  EXPECT_GT(guard.Check("c").wait, 0);
}

}  // namespace
}  // namespace sealpost
