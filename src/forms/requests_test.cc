#include "forms/requests.h"

#include <gtest/gtest.h>

#include "base/temp_dir.h"
#include "crypto/key_ring.h"
#include "crypto/random.h"
#include "store/sqlite/stores.h"
#include "store/stores.h"

namespace sealpost::forms {
namespace {

class RequestDeskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*sqlite::Database::OpenInMemory());
    forms_ = sqlite::NewFormStore(*db_);
    queue_ = sqlite::NewQueueStore(*db_);
    desk_.emplace(*forms_, *queue_, metadata_, queue_key_, clock_,
                  RequestSettings{"https://portal.example", "Springfield", "notices@clinic.example",
                                  [this] { ++notified_; }});
  }

  NewRequest Asked() {
    return {"dr@clinic.example", "pat@example.net", "Your MRI report, please.", "Springfield", 7};
  }

  TempDir temp_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<FormStore> forms_;
  std::unique_ptr<QueueStore> queue_;
  PurposeKey metadata_{RandomSecret(32)};
  PurposeKey queue_key_{RandomSecret(32)};
  ManualClock clock_{1'800'000'000};
  int notified_ = 0;
  std::optional<RequestDesk> desk_;
};

TEST_F(RequestDeskTest, ARequestIsCheckedKeptSealedAndItsLinkQueued) {
  for (auto [change, field] : std::vector<std::pair<std::function<void(NewRequest&)>, std::string>>{
           {[](NewRequest& r) { r.recipient = "nobody"; }, "to"},
           {[](NewRequest& r) { r.requester = "x"; }, "from"},
           {[](NewRequest& r) { r.note = "  \n"; }, "message"},
           {[](NewRequest& r) { r.note = std::string(kMaxRequestNote + 1, 'a'); }, "message"},
           {[](NewRequest& r) { r.note = "bell\a"; }, "message"},
           {[](NewRequest& r) { r.days = 0; }, "expires_in_days"},
           {[](NewRequest& r) { r.days = kMaxRequestDays + 1; }, "expires_in_days"}}) {
    NewRequest r = Asked();
    change(r);
    auto refused = desk_->Create(r);
    ASSERT_FALSE(refused.ok()) << field;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(refused.error().field, field);
  }
  EXPECT_EQ(notified_, 0);

  auto made = desk_->Create(Asked());
  ASSERT_TRUE(made.ok()) << made.error().ToString();
  EXPECT_EQ(notified_, 1);
  EXPECT_EQ(made->expires_at, clock_.NowUnix() + 7 * 86400);
  EXPECT_EQ(made->token_hash.size(), 32u);
  EXPECT_EQ(made->sealed_note.find("MRI"), std::string::npos);
  EXPECT_EQ(*desk_->Note(*made), "Your MRI report, please.");
  auto found = desk_->Find(made->id);
  ASSERT_TRUE(found.ok() && found->has_value());
  // A token of the wrong length is looked for nowhere; one of the right length and no
  // request is none.
  EXPECT_FALSE(desk_->FindByToken("short")->has_value());
  EXPECT_FALSE(desk_->FindByToken(std::string(43, 'A'))->has_value());
}

TEST_F(RequestDeskTest, ARequestWaitsThenIsAnsweredOrExpires) {
  FormRequestRecord r;
  r.expires_at = 1000;
  EXPECT_STREQ(RequestDesk::State(r, 999), "waiting");
  EXPECT_STREQ(RequestDesk::State(r, 1000), "expired");
  r.answered_at = 500;
  EXPECT_STREQ(RequestDesk::State(r, 2000), "answered");
  r.id = "q1";
  EXPECT_EQ(RequestDesk::KeptAs(r), "request:q1");
  Definition answer = RequestDesk::AnswerForm();
  ASSERT_EQ(answer.steps.size(), 1u);
  EXPECT_TRUE(answer.steps[0].fields[1].multiple);
  EXPECT_EQ(answer.steps[0].fields[1].max_bytes, kMaxRequestBytes);
}

}  // namespace
}  // namespace sealpost::forms
