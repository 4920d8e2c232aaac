#include "submission/group_commit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace sealpost {
namespace {

struct Item {
  int id = 0;
  bool bad = false;  // a batch with it fails
};

// Holds the first commit until the test lets it go, so the others queue behind it.
class Committer {
 public:
  Status Commit(const std::vector<Item*>& batch) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
    for (Item* item : batch) {
      if (item->bad) return MakeError(ErrorCode::kInvalidArgument, "bad item");
    }
    sizes_.push_back(batch.size());
    for (Item* item : batch) ++committed_[item->id];
    return OkStatus();
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  std::vector<std::size_t> sizes_;  // of each batch that committed
  std::map<int, int> committed_;    // times each item was committed

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Runs `n` callers at once; the first commits alone while the rest line up behind it.
std::vector<Status> RunTogether(GroupCommit<Item>& group, Committer& committer,
                                std::vector<Item>& items) {
  std::vector<Status> statuses(items.size(), OkStatus());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < items.size(); ++i) {
    threads.emplace_back([&, i] { statuses[i] = group.Commit(&items[i]); });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (group.waiting() < items.size() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(group.waiting(), items.size());
  committer.Open();
  for (auto& t : threads) t.join();
  return statuses;
}

TEST(GroupCommitTest, CallersWaitingTogetherAreCommittedInOneBatch) {
  Committer committer;
  GroupCommit<Item> group([&](const std::vector<Item*>& b) { return committer.Commit(b); }, 64);
  std::vector<Item> items(16);
  for (int i = 0; i < 16; ++i) items[i].id = i;
  auto statuses = RunTogether(group, committer, items);
  for (const auto& s : statuses) EXPECT_TRUE(s.ok());
  // The first alone (it was committing when the others came), then the fifteen at once.
  EXPECT_EQ(committer.sizes_, (std::vector<std::size_t>{1, 15}));
  EXPECT_EQ(group.batches(), 2u);
  ASSERT_EQ(committer.committed_.size(), 16u);
  for (const auto& [id, times] : committer.committed_) EXPECT_EQ(times, 1) << id;
  EXPECT_EQ(group.waiting(), 0u);
}

TEST(GroupCommitTest, ABatchIsBoundedAndTheRestFollow) {
  Committer committer;
  GroupCommit<Item> group([&](const std::vector<Item*>& b) { return committer.Commit(b); }, 4);
  std::vector<Item> items(10);
  for (int i = 0; i < 10; ++i) items[i].id = i;
  auto statuses = RunTogether(group, committer, items);
  for (const auto& s : statuses) EXPECT_TRUE(s.ok());
  // The first alone, then the nine waiting behind it four at a time.
  EXPECT_EQ(committer.sizes_, (std::vector<std::size_t>{1, 4, 4, 1}));
  EXPECT_EQ(committer.committed_.size(), 10u);
}

TEST(GroupCommitTest, OneBadMemberFailsAloneAndTheOthersCommitOnce) {
  Committer committer;
  GroupCommit<Item> group([&](const std::vector<Item*>& b) { return committer.Commit(b); }, 64);
  std::vector<Item> items(6);
  for (int i = 0; i < 6; ++i) items[i].id = i;
  items[3].bad = true;
  auto statuses = RunTogether(group, committer, items);
  int failed = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].bad) {
      ASSERT_FALSE(statuses[i].ok());
      EXPECT_EQ(statuses[i].error().code, ErrorCode::kInvalidArgument);
      ++failed;
    } else {
      EXPECT_TRUE(statuses[i].ok()) << i;
    }
  }
  EXPECT_EQ(failed, 1);
  // The batch with the bad one wrote nothing; each good one then committed alone, once.
  EXPECT_EQ(committer.committed_.size(), 5u);
  for (const auto& [id, times] : committer.committed_) EXPECT_EQ(times, 1) << id;
  EXPECT_EQ(committer.committed_.count(3), 0u);
}

}  // namespace
}  // namespace sealpost
