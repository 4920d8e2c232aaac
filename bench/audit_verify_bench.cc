// Issue 21's benchmarks: `audit verify` over N records (aim: at least a million a minute
// on one core), and searches over them (aim: a search by message or by time range over
// ten million records in under 100 ms). Writes N chained records into a fresh SQLite
// database in large transactions (as a busy server's trail would hold them; every tenth
// names a message and a recipient), then times what verify does — reading them back in
// batches through the AuditStore and walking the chain — and a page of each search.
//   audit_verify_bench [N]   (default 1000000)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "audit/chain.h"
#include "base/temp_dir.h"
#include "store/sqlite/database.h"
#include "store/sqlite/stores.h"

using namespace sealpost;

int main(int argc, char** argv) {
  const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 1000000;
  TempDir dir;
  auto db = sqlite::Database::Open(dir.path() + "/bench.db");
  if (!db.ok()) return 1;
  auto store = sqlite::NewAuditStore(**db);
  std::string prev = audit::GenesisHash();
  auto began = std::chrono::steady_clock::now();
  constexpr std::int64_t kPerTransaction = 10000;
  for (std::int64_t start = 1; start <= n; start += kPerTransaction) {
    auto status = (*db)->Transaction([&](sqlite::Connection& c) -> Status {
      for (std::int64_t seq = start; seq < start + kPerTransaction && seq <= n; ++seq) {
        audit::AuditRecord r;
        r.seq = seq;
        r.at = 1790000000 + seq / 10;  // ten records a second
        r.actor_kind = "api_key";
        r.actor = "k" + std::to_string(seq % 50);
        r.client_address = "192.0.2.7";
        r.account = "Clinic";
        r.action = seq % 10 == 0 ? "message.viewed" : "auth.smtp";
        r.subject = "s" + std::to_string(seq);
        r.result = "ok";
        r.details = "{\"n\":" + std::to_string(seq) + "}";
        if (seq % 10 == 0) {
          r.message_id = "m" + std::to_string(seq / 100);  // ten records a message
          r.recipient = "r" + std::to_string(seq % 1000) + "@example.net";
        }
        r.prev_hash = prev;
        r.hash = audit::RecordHash(r);
        prev = r.hash;
        if (auto s = sqlite::AppendAuditIn(c, r); !s.ok()) return s;
      }
      return OkStatus();
    });
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.error().ToString().c_str());
      return 1;
    }
  }
  const double wrote = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();

  began = std::chrono::steady_clock::now();
  audit::ChainVerifier verifier([](const std::string&) { return std::string(); }, std::nullopt);
  std::int64_t after = 0;
  for (;;) {
    auto batch = store->Read(after, 5000);
    if (!batch.ok() || batch->empty()) break;
    for (const auto& r : *batch) {
      after = r.seq;
      verifier.Add(r);
    }
  }
  auto problem = verifier.Finish();
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::printf("wrote %lld records in %.1f s; verified %lld in %.2f s: %.0f records/minute%s\n",
              static_cast<long long>(n), wrote, static_cast<long long>(verifier.records()), took,
              verifier.records() / took * 60, problem ? (" PROBLEM: " + *problem).c_str() : "");

  // A page (100, newest first) of each search, the slowest of five runs.
  auto time_search = [&](const char* what, const AuditQuery& q) {
    double worst = 0;
    std::size_t found = 0;
    for (int i = 0; i < 5; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      auto page = store->Search(q);
      worst = std::max(
          worst, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      found = page.ok() ? page->size() : 0;
    }
    std::printf("search by %-22s %3zu records in %.2f ms\n", what, found, worst * 1000);
  };
  AuditQuery by_message;
  by_message.message_id = "m" + std::to_string(n / 200);  // in the middle
  time_search("message:", by_message);
  AuditQuery by_recipient;
  by_recipient.recipient = "r500@example.net";
  time_search("recipient:", by_recipient);
  AuditQuery old_hour;  // an hour in the middle of the trail
  old_hour.from = 1790000000 + n / 20;
  old_hour.to = old_hour.from + 3600;
  time_search("time (an hour, middle):", old_hour);
  AuditQuery action_and_time = old_hour;
  action_and_time.action = "message.*";
  time_search("action within that hour:", action_and_time);
  return problem ? 1 : 0;
}
