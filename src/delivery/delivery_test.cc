#include <gtest/gtest.h>

#include "base/temp_dir.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/primitives.h"
#include "crypto/random.h"
#include "delivery/queue_runner.h"
#include "store/sqlite/stores.h"

namespace sealpost {
namespace {

class FailingTarget final : public DeliveryTarget {
 public:
  Status Deliver(const OutboundMessage&) override {
    ++calls;
    return MakeError(ErrorCode::kIo, "connection refused");
  }
  int calls = 0;
};

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*sqlite::Database::Open(dir_ + "/db"));
    queue_ = sqlite::NewQueueStore(*db_);
    messages_ = sqlite::NewMessageStore(*db_);
    ASSERT_TRUE(sqlite::NewSigningKeyStore(*db_)->Insert({"k", "p", "s", 1}).ok());
    MessageRecord m;
    m.id = "m1";
    m.account = "a";
    m.sender = "s@example.org";
    m.signing_key_id = "k";
    m.manifest_blob = "b";
    QueueEntry q;
    q.id = "q1";
    q.message_id = "m1";
    q.recipient_id = "r1";
    q.mail_from = "s@example.org";
    q.rcpt_to = "r@example.net";
    q.sealed_content = *BoxSeal(key_, "Subject: hi\r\n\r\nbody\r\n", QueueContentAad("q1"));
    q.next_attempt_at = 100;
    q.created_at = 100;
    ASSERT_TRUE(messages_->InsertWithNotices(m, {q}, {}, "").ok());
  }

  TempDir temp_;
  const std::string dir_ = temp_.path();
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<QueueStore> queue_;
  std::unique_ptr<MessageStore> messages_;
  SecretBytes key_ = RandomSecret(32);
  ManualClock clock_{100};
};

TEST_F(DeliveryTest, OutboxReceivesMessageAndQueueForgetsContent) {
  auto outbox = NewOutboxTarget(dir_ + "/outbox");
  ASSERT_TRUE(outbox.ok());
  std::vector<std::string> delivered;
  QueueRunner runner(*queue_, **outbox, key_, clock_,
                     [&](const QueueEntry& e) { delivered.push_back(e.id); });
  EXPECT_EQ(runner.RunOnce(), 1);
  EXPECT_EQ(delivered, std::vector<std::string>{"q1"});
  std::vector<std::filesystem::path> files;
  for (auto& e : std::filesystem::directory_iterator(dir_ + "/outbox")) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  std::ifstream f(files[0]);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(),
            "X-Sealpost-Envelope-From: <s@example.org>\r\nX-Sealpost-Envelope-To: "
            "<r@example.net>\r\nSubject: hi\r\n\r\nbody\r\n");
  auto entry = *queue_->Find("q1");
  EXPECT_EQ((*entry).state, QueueState::kDelivered);
  EXPECT_TRUE((*entry).sealed_content.empty());
  EXPECT_EQ(runner.RunOnce(), 0);
}

TEST_F(DeliveryTest, FailureDefersWithBackoff) {
  FailingTarget target;
  QueueRunner runner(*queue_, target, key_, clock_, nullptr);
  runner.RunOnce();
  EXPECT_EQ(target.calls, 1);
  auto entry = **queue_->Find("q1");
  EXPECT_EQ(entry.state, QueueState::kDeferred);
  EXPECT_EQ(entry.attempts, 1);
  EXPECT_EQ(entry.next_attempt_at, 160);
  EXPECT_NE(entry.last_error.find("connection refused"), std::string::npos);
  runner.RunOnce();  // not due yet
  EXPECT_EQ(target.calls, 1);
  clock_.Advance(60);
  runner.RunOnce();
  EXPECT_EQ(target.calls, 2);
  EXPECT_EQ((**queue_->Find("q1")).next_attempt_at, 160 + 120);
}

TEST_F(DeliveryTest, WrongQueueKeyNeverDeliversGarbage) {
  auto outbox = NewOutboxTarget(dir_ + "/outbox");
  SecretBytes other = RandomSecret(32);
  QueueRunner runner(*queue_, **outbox, other, clock_, nullptr);
  runner.RunOnce();
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/outbox"));
  EXPECT_EQ((**queue_->Find("q1")).state, QueueState::kDeferred);
}

}  // namespace
}  // namespace sealpost
