#include "portal/challenges.h"

#include <gtest/gtest.h>

namespace sealpost::portal {
namespace {

TEST(ChallengesTest, EachIsTakenOnceByItsHolderWithinItsLifetime) {
  ManualClock clock(1000);
  Challenges challenges(clock, 300, 10);
  auto a = challenges.Issue("sign-in:browser-a");
  auto b = challenges.Issue("sign-in:browser-b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  EXPECT_FALSE(challenges.Take("sign-in:browser-c").has_value());
  EXPECT_EQ(challenges.Take("sign-in:browser-a"), a);
  EXPECT_FALSE(challenges.Take("sign-in:browser-a").has_value());  // once
  // A new one replaces the holder's last.
  auto b2 = challenges.Issue("sign-in:browser-b");
  EXPECT_NE(b2, b);
  EXPECT_EQ(challenges.Take("sign-in:browser-b"), b2);
  // Five minutes, no more.
  ASSERT_TRUE(challenges.Issue("register:x"));
  clock.Advance(300);
  EXPECT_FALSE(challenges.Take("register:x").has_value());
}

TEST(ChallengesTest, AFullTableMakesRoomFromExpiredOnesOnly) {
  ManualClock clock(1000);
  Challenges challenges(clock, 300, 2);
  ASSERT_TRUE(challenges.Issue("a"));
  ASSERT_TRUE(challenges.Issue("b"));
  EXPECT_FALSE(challenges.Issue("c").has_value());
  EXPECT_TRUE(challenges.Issue("a").has_value());  // a holder's own is replaced
  clock.Advance(301);
  EXPECT_TRUE(challenges.Issue("c").has_value());
  EXPECT_EQ(challenges.size(), 1u);
}

}  // namespace
}  // namespace sealpost::portal
