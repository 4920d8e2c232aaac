// Issue 21's benchmark: `audit verify` over N records (aim: at least a million a minute
// on one core). Writes N chained records into a fresh SQLite database in large
// transactions (as a busy server's trail would hold them), then times what verify does:
// reading them back in batches through the AuditStore and walking the chain.
//   audit_verify_bench [N]   (default 1000000)
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
        audit::AuditRecord r{seq, 1790000000 + seq, "api_key", "k" + std::to_string(seq % 50),
                             "192.0.2.7", "Clinic", "message.viewed", "m" + std::to_string(seq),
                             "ok", "{\"recipient\":\"r" + std::to_string(seq) + "\"}", prev, ""};
        r.hash = audit::RecordHash(r);
        prev = r.hash;
        auto s = sqlite::Statement(c, "INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
                     .Bind(1, r.seq).Bind(2, r.at).Bind(3, r.actor_kind).Bind(4, r.actor)
                     .Bind(5, r.client_address).Bind(6, r.account).Bind(7, r.action)
                     .Bind(8, r.subject).Bind(9, r.result).Bind(10, r.details)
                     .BindBlob(11, r.prev_hash).BindBlob(12, r.hash).Run();
        if (!s.ok()) return s;
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
  return problem ? 1 : 0;
}
