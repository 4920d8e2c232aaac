// Issue 25's benchmark: a segment evaluated over N contacts (default 1,000,000), as a
// campaign and `segment count` evaluate it — every member's attributes opened (AES-GCM
// under the metadata key) and judged — and the condition alone over the same attributes
// in memory, to show where the time goes. Contacts are imported through the ContactBook
// (CSV, one transaction) into a fresh SQLite database first.
//   segment_bench [N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/clock.h"
#include "base/temp_dir.h"
#include "campaigns/contacts.h"
#include "campaigns/segment.h"
#include "crypto/key_ring.h"
#include "crypto/random.h"
#include "store/sqlite/database.h"
#include "store/sqlite/stores.h"

using namespace sealpost;

namespace {
double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}
}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 1000000;
  const char* condition = "last_visit < 11 months ago and plan in ('gold', 'silver') and age >= 40";
  TempDir dir;
  auto db = sqlite::Database::Open(dir.path() + "/bench.db");
  if (!db.ok()) return 1;
  auto store = sqlite::NewContactStore(**db);
  PurposeKey key(RandomSecret(32));
  ManualClock clock(1796500000);  // 2026-12-06
  campaigns::ContactBook book(*store, key, clock);
  if (!book.CreateList("Clinic", "patients", "").ok()) return 1;
  std::string csv = "email,last_visit,plan,age\n";
  csv.reserve(static_cast<std::size_t>(n) * 48);
  const char* plans[] = {"gold", "silver", "bronze"};
  for (long i = 0; i < n; ++i) {
    csv += "p" + std::to_string(i) + "@example.net,20" + std::to_string(24 + i % 3) + "-0" +
           std::to_string(1 + i % 9) + "-15," + plans[i % 3] + "," + std::to_string(20 + i % 60) +
           "\n";
  }
  auto began = std::chrono::steady_clock::now();
  auto report = book.ImportCsv("Clinic", "patients", csv, "bench");
  if (!report.ok() || report->added != static_cast<std::size_t>(n)) {
    std::fprintf(stderr, "import failed\n");
    return 1;
  }
  std::printf("import: %ld contacts in %.1f s (%.0f a second)\n", n, Seconds(began),
              n / Seconds(began));
  if (!book.PutSegment("Clinic", "lapsed", "patients", condition).ok()) return 1;

  began = std::chrono::steady_clock::now();
  auto count = book.Count("Clinic", "lapsed");
  if (!count.ok()) return 1;
  const double walked = Seconds(began);
  std::printf("segment count (read, open, judge): %lld of %lld match in %.2f s = %.0f contacts/s\n",
              static_cast<long long>(count->matched), static_cast<long long>(count->members),
              walked, count->members / walked);

  // The condition alone, over attributes already in memory.
  auto parsed = campaigns::Condition::Parse(condition);
  campaigns::Attributes a;
  campaigns::AttributeValue v;
  long matched = 0;
  began = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    v.text = "20" + std::to_string(24 + i % 3) + "-0" + std::to_string(1 + i % 9) + "-15";
    a["last_visit"] = v;
    v.text = plans[i % 3];
    a["plan"] = v;
    v.text = std::to_string(20 + i % 60);
    a["age"] = v;
    campaigns::ContactFacts facts;
    facts.address = "p@example.net";
    facts.attributes = &a;
    matched += parsed->Matches(facts, clock.NowUnix());
  }
  const double judged = Seconds(began);
  std::printf("condition alone: %ld match in %.2f s = %.0f contacts/s\n", matched, judged,
              n / judged);
  return matched == count->matched ? 0 : 1;
}
