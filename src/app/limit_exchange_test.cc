// Two nodes' guards and rate limits sharing one store of limit events (an in-memory one
// here: the PostgreSQL store has its own test, store/postgres/database_test.cc).
#include "app/limit_exchange.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sealpost {
namespace {

// The table: rows with ids and the time "the database" wrote them.
class MemoryLimitEvents final : public LimitEventStore {
 public:
  Result<std::vector<std::int64_t>> Append(const std::vector<LimitEvent>& events) override {
    std::vector<std::int64_t> ids;
    for (const auto& e : events) ids.push_back(Write(e, now_us));
    return ids;
  }
  Result<Page> WrittenSince(std::int64_t since_us, std::int64_t after_id) override {
    Page page;
    page.now_us = now_us;
    for (const auto& w : rows) {
      if (w.written_us >= since_us && w.id > after_id && page.events.size() < kMaxBatch) {
        page.events.push_back(w);
      }
    }
    return page;
  }
  Result<std::int64_t> PruneBefore(std::int64_t before_us) override {
    return static_cast<std::int64_t>(
        std::erase_if(rows, [&](const Written& w) { return w.written_us < before_us; }));
  }
  // A row stamped at `written_us` that becomes visible only now (its transaction
  // committed after a later-numbered one).
  std::int64_t Write(const LimitEvent& e, std::int64_t written_us) {
    rows.push_back({++last_id, written_us, e});
    return last_id;
  }

  std::vector<Written> rows;
  std::int64_t now_us = 1'790'000'000'000'000;
  std::int64_t last_id = 0;
};

const SecretBytes kLookup("0123456789abcdef0123456789abcdef", 32);
constexpr std::int64_t kNowMs = 50'000'000;  // a steady clock, any origin

GuardOptions Cap(int per_hour) { return {per_hour, /*free_failures=*/100, 30, 1000}; }

// Failures counted on one node count on the other after a pass; the table holds digests,
// not the address; nothing is counted twice (a node reading back its own rows).
TEST(LimitExchange, FailuresOnOneNodeCountOnTheOther) {
  ManualClock clock(1'790'000'000);
  MemoryLimitEvents db;
  FailureGuard guard_a(Cap(5), clock), guard_b(Cap(5), clock);
  LimitExchange a(db, kLookup, clock), b(db, kLookup, clock);
  a.Add("portal.client", guard_a);
  b.Add("portal.client", guard_b);
  for (int i = 0; i < 3; ++i) guard_a.Failed("192.0.2.7");
  guard_b.Failed("192.0.2.7");
  ASSERT_TRUE(a.Pass(kNowMs).ok());
  ASSERT_TRUE(b.Pass(kNowMs).ok());
  ASSERT_TRUE(a.Pass(kNowMs).ok());
  ASSERT_EQ(db.rows.size(), 4u);
  for (const auto& w : db.rows) {
    EXPECT_EQ(w.event.scope, "portal.client");
    EXPECT_EQ(w.event.key.find("192.0.2"), std::string::npos) << w.event.key;
  }
  // Four on each node now: one more try each, then the cap.
  FailureGuard::Verdict v;
  EXPECT_TRUE(guard_a.Begin("192.0.2.7", &v).has_value());
  EXPECT_TRUE(guard_b.Begin("192.0.2.7", &v).has_value());
  guard_a.Failed("192.0.2.7");
  EXPECT_TRUE(guard_a.Check("192.0.2.7").refused);
  EXPECT_FALSE(guard_b.Check("192.0.2.7").refused);  // not heard of yet
  ASSERT_TRUE(a.Pass(kNowMs).ok());
  ASSERT_TRUE(b.Pass(kNowMs).ok());
  EXPECT_TRUE(guard_b.Check("192.0.2.7").refused);
  EXPECT_FALSE(guard_b.Check("192.0.2.8").refused);  // others are not held back
  // Passes with nothing new change nothing (own rows are not counted again).
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.Pass(kNowMs).ok());
  clock.Advance(3600);
  EXPECT_FALSE(guard_a.Check("192.0.2.7").refused);
  EXPECT_FALSE(guard_b.Check("192.0.2.7").refused);
}

// A node starting again reads the last hour back: a restart does not clear a cap.
TEST(LimitExchange, ANodeStartingAgainCountsTheLastHour) {
  ManualClock clock(1'790'000'000);
  MemoryLimitEvents db;
  {
    FailureGuard guard(Cap(3), clock);
    LimitExchange before(db, kLookup, clock);
    before.Add("api.address", guard);
    for (int i = 0; i < 3; ++i) guard.Failed("198.51.100.1");
    ASSERT_TRUE(before.Pass(kNowMs).ok());
  }
  db.now_us += 60'000'000;
  clock.Advance(60);
  FailureGuard guard(Cap(3), clock);
  LimitExchange after(db, kLookup, clock);
  after.Add("api.address", guard);
  ASSERT_TRUE(after.Pass(kNowMs).ok());
  EXPECT_TRUE(guard.Check("198.51.100.1").refused);
  // The same key under another scope is another count.
  FailureGuard other(Cap(3), clock);
  LimitExchange elsewhere(db, kLookup, clock);
  elsewhere.Add("portal.client", other);
  ASSERT_TRUE(elsewhere.Pass(kNowMs).ok());
  EXPECT_FALSE(other.Check("198.51.100.1").refused);
}

// A row written just before a read but committed after it is met by the next read (each
// reads again from a few seconds back) and counted once.
TEST(LimitExchange, ARowThatCommittedLateIsCountedOnce) {
  ManualClock clock(1'790'000'000);
  MemoryLimitEvents db;
  FailureGuard guard_a(Cap(2), clock), guard_b(Cap(2), clock);
  LimitExchange a(db, kLookup, clock), b(db, kLookup, clock);
  a.Add("portal.account", guard_a);
  b.Add("portal.account", guard_b);
  ASSERT_TRUE(b.Pass(kNowMs).ok());  // b has read up to now
  guard_a.Failed("account:x");
  ASSERT_TRUE(a.Pass(kNowMs).ok());
  const LimitEvent late = db.rows.back().event;
  db.rows.pop_back();
  db.now_us += 1'000'000;
  ASSERT_TRUE(b.Pass(kNowMs).ok());       // not visible yet
  db.Write(late, db.now_us - 1'500'000);  // stamped before b's last read
  for (int i = 0; i < 3; ++i) {
    db.now_us += 1'000'000;
    ASSERT_TRUE(b.Pass(kNowMs).ok());
  }
  guard_b.Failed("account:x");
  EXPECT_TRUE(guard_b.Check("account:x").refused);  // 1 + 1: the cap of 2
  FailureGuard alone(Cap(2), clock);
  alone.Failed("account:x");
  EXPECT_FALSE(alone.Check("account:x").refused);  // one is not
}

// Requests one node let through are taken from the other's buckets: together they stay
// near one quota, not one each. Counts older than their window are not taken again.
TEST(LimitExchange, RateLimitsAddUpAcrossNodes) {
  ManualClock clock(1'790'000'000);
  MemoryLimitEvents db;
  RateLimiter rates_a, rates_b;
  LimitExchange a(db, kLookup, clock), b(db, kLookup, clock);
  a.Add("forms.client", rates_a);
  b.Add("forms.client", rates_b);
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(rates_a.Take("client-1", 10, kNowMs).allowed);
  ASSERT_TRUE(a.Pass(kNowMs).ok());
  ASSERT_EQ(db.rows.size(), 1u);  // one row for the eight
  EXPECT_EQ(db.rows[0].event.count, 8);
  EXPECT_EQ(db.rows[0].event.key.find("client"), std::string::npos);  // its digest
  ASSERT_TRUE(b.Pass(kNowMs).ok());
  EXPECT_TRUE(rates_b.Take("client-1", 10, kNowMs).allowed);
  EXPECT_TRUE(rates_b.Take("client-1", 10, kNowMs).allowed);
  const RateLimiter::Decision refused = rates_b.Take("client-1", 10, kNowMs);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 6);  // a token every 6 s
  EXPECT_TRUE(rates_b.Take("client-2", 10, kNowMs).allowed);
  // A node starting a window later finds a full quota.
  db.now_us += 61'000'000;
  RateLimiter rates_c;
  LimitExchange c(db, kLookup, clock);
  c.Add("forms.client", rates_c);
  ASSERT_TRUE(c.Pass(kNowMs).ok());
  EXPECT_EQ(rates_c.Take("client-1", 10, kNowMs).remaining, 9);
}

}  // namespace
}  // namespace sealpost
