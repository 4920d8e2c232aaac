// The backlog over real SQLite: what counts as waiting, and the pressure it puts on
// acceptance at each limit.
#include <gtest/gtest.h>

#include "base/temp_dir.h"
#include "queue/backlog.h"
#include "store/sqlite/stores.h"

namespace sealpost {
namespace {

class BacklogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*sqlite::Database::Open(dir_.path() + "/db"));
    inbound_ = sqlite::NewInboundStore(*db_);
    queue_ = sqlite::NewQueueStore(*db_);
  }

  void Submissions(int n) {
    std::vector<InboundRecord> records;
    for (int i = 0; i < n; ++i) {
      InboundRecord r;
      r.id = "in" + std::to_string(next_++);
      r.received_at = r.next_attempt_at = 100;
      r.envelope_json = "{}";
      r.sealed_content = "x";
      records.push_back(r);
    }
    ASSERT_TRUE(inbound_->InsertBatch(records).ok());
  }

  void Entry(QueueState state, std::int64_t next_attempt_at) {
    QueueEntry q;
    q.id = "q" + std::to_string(next_++);
    q.mail_from = "a@example.org";
    q.rcpt_to = "b@example.net";
    q.sealed_content = "x";
    q.state = state;
    q.next_attempt_at = next_attempt_at;
    q.created_at = 100;
    ASSERT_TRUE(queue_->Record({}, {q}, {}).ok());
  }

  TempDir dir_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<InboundStore> inbound_;
  std::unique_ptr<QueueStore> queue_;
  ManualClock clock_{100};
  int next_ = 0;
};

// Submissions not yet processed and entries waiting to leave count; entries deferred
// to later, ended, or standing by do not, nor do dead letters.
TEST_F(BacklogTest, CountsWhatWaitsNow) {
  Backlog backlog({3, 5, std::chrono::milliseconds(1)}, *inbound_, *queue_, clock_);
  EXPECT_EQ(backlog.Refresh().total(), 0);
  EXPECT_EQ(backlog.pressure(), Backlog::Pressure::kNone);

  Submissions(2);
  Entry(QueueState::kQueued, 100);
  Entry(QueueState::kInFlight, 400);
  Entry(QueueState::kDeferred, 160);   // not due yet
  Entry(QueueState::kDelivered, 100);  // ended
  Entry(QueueState::kStandby, 100);    // needed only if its TLS-only copy fails
  BacklogCount count = backlog.Refresh();
  EXPECT_EQ(count.submissions, 2);
  EXPECT_EQ(count.outbound, 2);
  EXPECT_EQ(backlog.pressure(), Backlog::Pressure::kSlowDown);  // 4 >= 3

  clock_.Advance(60);  // the deferred entry is due
  EXPECT_EQ(backlog.Refresh().outbound, 3);
  EXPECT_EQ(backlog.pressure(), Backlog::Pressure::kRefuse);  // 5 >= 5

  auto due = *inbound_->Due(clock_.NowUnix(), 1);
  ASSERT_TRUE(inbound_->Bury(due[0].id, clock_.NowUnix(), "broken", {}, {}).ok());
  EXPECT_EQ(backlog.Refresh().submissions, 1);
  EXPECT_EQ(backlog.pressure(), Backlog::Pressure::kSlowDown);
  // Callers read the last count without counting again.
  Submissions(5);
  EXPECT_EQ(backlog.last().submissions, 1);
  EXPECT_EQ(backlog.Refresh().submissions, 6);
}

}  // namespace
}  // namespace sealpost
