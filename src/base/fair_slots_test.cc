#include "base/fair_slots.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace sealpost {
namespace {

// Waits (bounded) until `slots` has `n` callers waiting.
void AwaitWaiting(const FairSlots& slots, std::uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (slots.waiting() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(slots.waiting(), n);
}

TEST(FairSlotsTest, WaitersGetTheirTurnInTheOrderTheyAsked) {
  FairSlots slots(1);
  slots.Acquire();  // held: everyone else waits
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      FairSlot slot(slots);
      std::lock_guard lock(mu);
      order.push_back(i);
    });
    AwaitWaiting(slots, static_cast<std::uint64_t>(i) + 1);  // i asked before i + 1
  }
  // The holder lets go and asks again at once: it goes after the four, not before.
  std::thread again([&] {
    slots.Release();
    FairSlot slot(slots);
    std::lock_guard lock(mu);
    order.push_back(99);
  });
  for (auto& t : threads) t.join();
  again.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 99}));
  EXPECT_EQ(slots.waiting(), 0u);
}

TEST(FairSlotsTest, AsManyHoldAtOnceAsThereAreSlots) {
  FairSlots slots(2);
  slots.Acquire();
  slots.Acquire();
  EXPECT_EQ(slots.waiting(), 0u);
  std::thread third([&] { FairSlot slot(slots); });
  AwaitWaiting(slots, 1);
  slots.Release();  // one free: the third goes
  third.join();
  EXPECT_EQ(slots.waiting(), 0u);
  slots.Release();
}

}  // namespace
}  // namespace sealpost
