#include "portal/held_compositions.h"

#include <gtest/gtest.h>

namespace sealpost::portal {
namespace {

HeldComposition Of(const std::string& owner, const std::string& subject) {
  HeldComposition c;
  c.owner = owner;
  c.message.subject = subject;
  return c;
}

TEST(HeldCompositions, OnlyItsOwnerTakesItAndOnlyOnce) {
  ManualClock clock(1000);
  HeldCompositions held(clock, {});
  auto id = held.Hold(Of("dr@clinic.example", "Results"));
  ASSERT_TRUE(id.ok());
  EXPECT_GE(id->size(), 24u);
  EXPECT_EQ(held.Take(*id, "nurse@clinic.example"), nullptr);
  auto mine = held.Take(*id, "dr@clinic.example");
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->message.subject, "Results");
  EXPECT_EQ(held.Take(*id, "dr@clinic.example"), nullptr);  // a second click finds nothing
  held.Return(*id, std::move(mine));
  EXPECT_NE(held.Take(*id, "dr@clinic.example"), nullptr);
}

TEST(HeldCompositions, WaitsForItsLifetimeOnly) {
  ManualClock clock(1000);
  HeldCompositions held(clock, {60, 5, 100});
  auto id = held.Hold(Of("dr@clinic.example", "a"));
  clock.Advance(59);
  auto c = held.Take(*id, "dr@clinic.example");
  ASSERT_NE(c, nullptr);
  held.Return(*id, std::move(c));
  clock.Advance(1);
  EXPECT_EQ(held.Take(*id, "dr@clinic.example"), nullptr);
  EXPECT_EQ(held.size(), 0u);
}

TEST(HeldCompositions, HoldsAFewPerSenderAndABoundedNumberInAll) {
  ManualClock clock(1000);
  HeldCompositions held(clock, {3600, 2, 3});
  auto first = held.Hold(Of("dr@clinic.example", "1"));
  clock.Advance(1);
  auto second = held.Hold(Of("dr@clinic.example", "2"));
  clock.Advance(1);
  auto third = held.Hold(Of("dr@clinic.example", "3"));  // the oldest makes room
  EXPECT_EQ(held.Take(*first, "dr@clinic.example"), nullptr);
  EXPECT_NE(held.Take(*second, "dr@clinic.example"), nullptr);
  EXPECT_NE(held.Take(*third, "dr@clinic.example"), nullptr);

  ASSERT_TRUE(held.Hold(Of("a@clinic.example", "")).ok());
  ASSERT_TRUE(held.Hold(Of("b@clinic.example", "")).ok());
  ASSERT_TRUE(held.Hold(Of("c@clinic.example", "")).ok());
  auto full = held.Hold(Of("d@clinic.example", ""));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kResourceExhausted);
}

}  // namespace
}  // namespace sealpost::portal
