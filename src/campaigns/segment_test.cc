#include "campaigns/segment.h"

#include <gtest/gtest.h>

#include "base/clock.h"

namespace sealpost::campaigns {
namespace {

AttributeValue Text(std::string s) {
  AttributeValue v;
  v.text = std::move(s);
  return v;
}
AttributeValue Number(double n) {
  AttributeValue v;
  v.kind = AttributeValue::Kind::kNumber;
  v.number = n;
  return v;
}
AttributeValue Flag(bool b) {
  AttributeValue v;
  v.kind = AttributeValue::Kind::kBool;
  v.flag = b;
  return v;
}

std::int64_t At(const char* moment) { return *ParseRfc3339OrDate(moment); }

// 2026-12-06 10:00 UTC, a Sunday.
const std::int64_t kNow = At("2026-12-06T10:00:00Z");

class SegmentTest : public ::testing::Test {
 protected:
  SegmentTest() {
    attributes_ = {{"first_name", Text("Homer")},
                   {"last_visit", Text("2025-12-20")},
                   {"appointment", Text("2026-12-08T09:30:00Z")},
                   {"age", Text("39")},
                   {"visits", Number(12)},
                   {"smoker", Text("yes")},
                   {"diabetic", Flag(false)},
                   {"plan", Text("Gold")},
                   {"empty", Text("")}};
    contact_.address = "Homer@Springfield.example";
    contact_.attributes = &attributes_;
    contact_.added_at = At("2026-01-10T08:00:00Z");
    contact_.last_sent = At("2026-12-01T08:00:00Z");
    contact_.last_opened = At("2026-10-01T08:00:00Z");
  }

  bool Matches(const std::string& text) {
    auto c = Condition::Parse(text);
    EXPECT_TRUE(c.ok()) << text << ": " << (c.ok() ? "" : c.error().message);
    return c.ok() && c->Matches(contact_, kNow);
  }

  Attributes attributes_;
  ContactFacts contact_;
};

TEST_F(SegmentTest, ComparesTextNumbersYesNoAndMomentsAsEachIs) {
  struct Case {
    const char* condition;
    bool matches;
  };
  const Case cases[] = {
      {"", true},
      {"   ", true},
      {"first_name = \"homer\"", true},  // text without regard to case
      {"first_name = 'Marge'", false},
      {"first_name != 'Marge'", true},
      {"age > 30", true},  // a number in text is compared as a number
      {"age > 100", false},
      {"age >= 39 and age <= 39", true},
      {"visits >= 10", true},
      {"visits < 10", false},
      {"smoker = true", true},  // "yes" is yes
      {"diabetic = false", true},
      {"plan in ('silver', 'gold')", true},
      {"plan not in ('silver', 'gold')", false},
      {"plan contains 'OL'", true},
      {"first_name starts with 'ho'", true},
      {"first_name starts with 'om'", false},
      {"@address = 'homer@springfield.example'", true},
      {"@domain = 'springfield.example'", true},
      {"@domain in ('shelbyville.example')", false},
      // Moments: "11 months ago" is 2026-01-06; the last visit was before it.
      {"last_visit < 11 months ago", true},
      {"last_visit < 12 months ago", false},
      {"last_visit < 2026-01-01", true},
      // Days compare by day: the appointment is the day after tomorrow.
      {"appointment = 2 days from now", true},
      {"appointment = 1 day from now", false},
      {"appointment > today and appointment < 1 week from now", true},
      {"appointment > now", true},
      {"@added < 2026-02-01", true},
      {"@last_sent > 7 days ago", true},
      {"@last_opened > 30 days ago", false},
      {"not @last_opened > 30 days ago", true},
      {"@last_clicked is set", false},  // never clicked
      {"@last_clicked is not set", true},
      // Missing or empty values satisfy no comparison, and 'not' turns that round.
      {"no_such > 1", false},
      {"no_such != 'x'", false},
      {"not no_such = 'x'", true},
      {"empty is set", false},
      {"first_name is set", true},
      // Kinds that cannot be compared are not equal, nor unequal.
      {"first_name > 3", false},
      {"first_name < 3", false},
      {"first_name = 2026-01-01", false},
      // and binds tighter than or; brackets as written.
      {"plan = 'gold' or age > 100 and visits < 0", true},
      {"(plan = 'gold' or age > 100) and visits < 0", false},
      {"not (plan = 'silver' or plan = 'bronze')", true},
      {"NOT Plan = 'gold'", false},  // keywords and names without regard to case
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Matches(c.condition), c.matches) << c.condition;
  }
}

TEST_F(SegmentTest, MonthsAreCalendarMonths) {
  // 2027-03-31 less one month is the last day of February.
  attributes_["renewal"] = Text("2027-02-28");
  auto c = Condition::Parse("renewal = 1 month ago");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->Matches(contact_, At("2027-03-31T12:00:00Z")));
  EXPECT_FALSE(c->Matches(contact_, At("2027-03-27T12:00:00Z")));
  auto year = Condition::Parse("renewal = 1 year from now");
  ASSERT_TRUE(year.ok());
  EXPECT_TRUE(year->Matches(contact_, At("2026-02-28T00:00:00Z")));
}

TEST_F(SegmentTest, TheSameConditionAnswersForAnotherMomentAsAManualClockMoves) {
  ManualClock clock(At("2026-12-06T10:00:00Z"));
  auto c = Condition::Parse("appointment = 2 days from now");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->Matches(contact_, clock.NowUnix()));
  clock.Advance(86400);
  EXPECT_FALSE(c->Matches(contact_, clock.NowUnix()));
}

TEST(SegmentParse, RefusalsSayWhereAndWhat) {
  struct Case {
    const char* condition;
    const char* message;
  };
  const Case cases[] = {
      {"diabetic", "at character 9: the condition ends too soon"},
      {"age >", "at character 6: the condition ends where a value was expected"},
      {"age > 3 and", "at character 12: the condition ends where a value was expected"},
      {"age ! 3", "at character 5: '!' must be '!='"},
      {"age = 3 plan = 'x'", "at character 9: expected 'and', 'or' or the end, not 'plan'"},
      {"(age = 3", "at character 9: expected ')'"},
      {"name = \"Homer", "at character 8: this text has no closing quote"},
      {"@mood = 'x'", "at character 1: '@mood' is not a fact sealpost keeps"},
      {"age # 3", "at character 5: '#' has no meaning here"},
      {"seen > 3 days", "at character 14: expected 'ago' or 'from now'"},
      {"seen > 3 days from then", "at character 20: expected 'now'"},
      {"seen > 1.5 days ago", "at character 8: a time is a whole number"},
      {"plan in 'gold'", "at character 9: expected '(' after 'in'"},
      {"plan in ('gold' 'silver')", "at character 17: expected ',' or ')'"},
      {"plan not 'gold'", "at character 10: expected 'in' after 'not'"},
      {"plan contains gold", "at character 15: expected a quoted text"},
      {"plan starts 'g'", "at character 13: expected 'with'"},
      {"plan is 'gold'", "at character 9: expected 'set'"},
      {"and = 3", "at character 1: expected a value or an attribute, not 'and'"},
      {"age = 1.2.3", "at character 7: '1.2.3' is not a number"},
      {"seen = 2026-13-45", "at character 8: '2026-13-45' is not a date"},
  };
  for (const auto& c : cases) {
    auto parsed = Condition::Parse(c.condition);
    ASSERT_FALSE(parsed.ok()) << c.condition;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().field, "condition");
    EXPECT_EQ(parsed.error().message.rfind(c.message, 0), 0u)
        << c.condition << " → " << parsed.error().message;
  }
}

TEST(SegmentParse, LimitsHold) {
  EXPECT_FALSE(Condition::Parse(std::string(kMaxConditionBytes + 1, ' ')).ok());
  std::string deep;
  for (int i = 0; i < kMaxConditionDepth + 1; ++i) deep += "(";
  deep += "a = 1";
  for (int i = 0; i < kMaxConditionDepth + 1; ++i) deep += ")";
  auto parsed = Condition::Parse(deep);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("nested too deeply"), std::string::npos);
  std::string many = "a = 1";
  for (int i = 0; i < 300; ++i) many += " or a = 1";
  parsed = Condition::Parse(many);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("too long"), std::string::npos);
  std::string list = "a in (1";
  for (std::size_t i = 0; i < kMaxInValues; ++i) list += ", 1";
  parsed = Condition::Parse(list + ")");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("at most 100 values"), std::string::npos);
}

TEST(SegmentParse, NamesTheAttributesItReads) {
  auto c = Condition::Parse("plan = 'gold' and (age > 3 or plan is set) and @added < today");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Attributes(), (std::vector<std::string>{"age", "plan"}));
  EXPECT_EQ(c->text(), "plan = 'gold' and (age > 3 or plan is set) and @added < today");
}

TEST(SegmentParse, AttributeNames) {
  EXPECT_TRUE(IsAttributeName("last_visit"));
  EXPECT_TRUE(IsAttributeName("a1"));
  EXPECT_FALSE(IsAttributeName(""));
  EXPECT_FALSE(IsAttributeName("1a"));
  EXPECT_FALSE(IsAttributeName("_a"));
  EXPECT_FALSE(IsAttributeName("Last"));
  EXPECT_FALSE(IsAttributeName("a-b"));
  EXPECT_FALSE(IsAttributeName(std::string(65, 'a')));
}

}  // namespace
}  // namespace sealpost::campaigns
