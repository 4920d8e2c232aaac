#include "base/rate_limit.h"

#include <gtest/gtest.h>

namespace sealpost {
namespace {

TEST(RateLimiterTest, BurstsToTheQuotaThenGoesAtTheRate) {
  RateLimiter limiter;
  std::int64_t now = 1'000'000;
  for (int i = 0; i < 60; ++i) {
    auto d = limiter.Take("a", 60, now);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 59 - i);
    EXPECT_EQ(d.quota, 60);
  }
  auto refused = limiter.Take("a", 60, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1);  // one a second comes back
  EXPECT_EQ(refused.reset, 60);
  EXPECT_EQ(RateLimiter::PolicyField(refused), "\"client\";q=60;w=60");
  EXPECT_EQ(RateLimiter::StateField(refused), "\"client\";r=0;t=60");
  // Another client has its own bucket.
  EXPECT_TRUE(limiter.Take("b", 60, now).allowed);
  now += 999;
  EXPECT_FALSE(limiter.Take("a", 60, now).allowed);
  now += 1;
  EXPECT_TRUE(limiter.Take("a", 60, now).allowed);
  EXPECT_FALSE(limiter.Take("a", 60, now).allowed);
  now += 60'000;
  auto full = limiter.Take("a", 60, now);
  EXPECT_TRUE(full.allowed);
  EXPECT_EQ(full.remaining, 59);  // never more than the quota
}

TEST(RateLimiterTest, SlowQuotasSayHowLongToWait) {
  RateLimiter limiter;
  ASSERT_TRUE(limiter.Take("a", 2, 0).allowed);
  ASSERT_TRUE(limiter.Take("a", 2, 0).allowed);
  auto refused = limiter.Take("a", 2, 0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 30);
}

TEST(RateLimiterTest, MemoryIsBounded) {
  RateLimiter limiter(4);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.Take(std::to_string(i), 10, 0).allowed);
  // A clock going backwards (another thread's earlier reading) takes nothing extra.
  ASSERT_TRUE(limiter.Take("x", 1, 5000).allowed);
  EXPECT_FALSE(limiter.Take("x", 1, 4000).allowed);
}

TEST(RateLimiterTest, AWindowOfAnHourRefillsOverTheHour) {
  RateLimiter limiter;
  std::int64_t now = 5'000'000;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.Take("form", 3, now, 3600).allowed) << i;
  auto refused = limiter.Take("form", 3, now, 3600);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1200);  // one comes back every 20 minutes
  EXPECT_EQ(RateLimiter::PolicyField(refused), "\"client\";q=3;w=3600");
  now += 1'199'000;
  EXPECT_FALSE(limiter.Take("form", 3, now, 3600).allowed);
  now += 2'000;
  EXPECT_TRUE(limiter.Take("form", 3, now, 3600).allowed);
}

}  // namespace
}  // namespace sealpost
