#include "forms/challenge.h"

#include <gtest/gtest.h>

namespace sealpost::forms {
namespace {

const SecretBytes& Key() {
  static const SecretBytes key("0123456789abcdef0123456789abcdef", 32);
  return key;
}

TEST(FormChallengeTest, ASolvedChallengeHoldsOnceThePersonCouldHaveFilledItIn) {
  const ChallengeRules rules{12, 3, 7200};
  const std::string c = IssueChallenge(Key(), "intake", 1000, rules);
  const std::string nonce = SolveChallenge(c, rules.bits);
  EXPECT_TRUE(CheckChallenge(Key(), "intake", c, nonce, 1010, rules).ok());
  // Too fast, too late.
  auto fast = CheckChallenge(Key(), "intake", c, nonce, 1002, rules);
  ASSERT_FALSE(fast.ok());
  EXPECT_EQ(fast.error().field, "too_fast");
  auto late = CheckChallenge(Key(), "intake", c, nonce, 1000 + 7201, rules);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().field, "expired");
  EXPECT_EQ(ChallengeExpiry(c, rules), 1000 + 7200);
  EXPECT_EQ(ChallengeId(c).size(), 22u);
  EXPECT_NE(ChallengeId(c), ChallengeId(IssueChallenge(Key(), "intake", 1000, rules)));
}

TEST(FormChallengeTest, MadeUpMovedOrUnsolvedChallengesAreRefused) {
  const ChallengeRules rules{12, 3, 7200};
  const std::string c = IssueChallenge(Key(), "intake", 1000, rules);
  const std::string nonce = SolveChallenge(c, rules.bits);
  const auto refused = [&](std::string_view form, std::string_view challenge, std::string_view n,
                           const ChallengeRules& r) {
    auto s = CheckChallenge(Key(), form, challenge, n, 1010, r);
    return !s.ok() && s.error().field == "proof";
  };
  EXPECT_TRUE(refused("other-form", c, nonce, rules));
  const SecretBytes other_key("fedcba9876543210fedcba9876543210", 32);
  EXPECT_FALSE(CheckChallenge(other_key, "intake", c, nonce, 1010, rules).ok());
  // Shown earlier than it says (the time is under the MAC).
  std::string aged = c;
  aged.replace(3, 4, "0999");
  EXPECT_TRUE(refused("intake", aged, nonce, rules));
  // A nonce that does not make the zero bits (20 bits asked: this one was found for 12).
  EXPECT_TRUE(refused("intake", c, nonce, ChallengeRules{20, 3, 7200}));
  EXPECT_TRUE(refused("intake", c, "", rules));
  EXPECT_TRUE(refused("intake", "v1.garbage", nonce, rules));
  EXPECT_TRUE(refused("intake", "", nonce, rules));
  EXPECT_EQ(ChallengeId("v1.x"), "");
}

TEST(FormChallengeTest, WithoutScriptTheTimingAndTheMacStillHold) {
  const ChallengeRules rules{12, 3, 7200};
  const std::string c = IssueChallenge(Key(), "intake", 1000, rules);
  EXPECT_TRUE(CheckChallengeWithoutProof(Key(), "intake", c, 1010, rules).ok());
  EXPECT_EQ(CheckChallengeWithoutProof(Key(), "intake", c, 1001, rules).error().field, "too_fast");
  EXPECT_EQ(CheckChallengeWithoutProof(Key(), "other", c, 1010, rules).error().field, "proof");
  EXPECT_EQ(CheckChallengeWithoutProof(Key(), "intake", c, 9000, rules).error().field, "expired");
}

}  // namespace
}  // namespace sealpost::forms
