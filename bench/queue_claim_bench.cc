// Issue 23's queue benchmark: 100,000 queue entries in PostgreSQL, claimed and recorded
// delivered by three node processes at once (each its own pool, as three sealpost nodes
// have), as the queue runner does: Claim a batch with a lease, "deliver", Record the
// results. Afterwards each entry must have been claimed exactly once and be delivered:
// not one double delivery. Prints entries a second and each node's share.
// Usage: queue_claim_bench CONNINFO [entries] [nodes] [batch]   (bench/queue_claim_bench.py
// makes the cluster and runs it).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "store/postgres/schema.h"
#include "store/postgres/stores.h"

using namespace sealpost;

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::unique_ptr<pg::Database> Open(const std::string& conninfo) {
  pg::Database::Options options;
  options.conninfo = conninfo;
  auto db = pg::Database::Open(options, pg::Migrations());
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.error().ToString().c_str());
    std::exit(1);
  }
  return std::move(*db);
}

// One node: claims until the queue is empty, writing each id it took to `out`.
int Node(const std::string& conninfo, int node, int batch, const std::string& out) {
  auto db = Open(conninfo);
  auto queue = pg::NewQueueStore(*db, "node-" + std::to_string(node));
  std::ofstream ids(out);
  const std::int64_t now = 2'000'000'000;
  for (int empty = 0; empty < 3;) {
    auto claimed = queue->Claim(now, batch, now + 3600);
    if (!claimed.ok()) {
      std::fprintf(stderr, "node %d: claim: %s\n", node, claimed.error().ToString().c_str());
      return 1;
    }
    if (claimed->empty()) {
      ++empty;
      continue;
    }
    std::vector<QueueUpdate> delivered;
    for (const auto& q : *claimed) {
      ids << q.id << '\n';
      delivered.push_back({q.id, QueueState::kDelivered, now, "250 2.0.0 ok", "{}"});
    }
    if (auto recorded = queue->Record(delivered, {}, {}); !recorded.ok()) {
      std::fprintf(stderr, "node %d: record: %s\n", node, recorded.error().ToString().c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CONNINFO [entries] [nodes] [batch]\n", argv[0]);
    return 2;
  }
  const std::string conninfo = argv[1];
  const int entries = argc > 2 ? std::atoi(argv[2]) : 100000;
  const int nodes = argc > 3 ? std::atoi(argv[3]) : 3;
  const int batch = argc > 4 ? std::atoi(argv[4]) : 50;
  {
    auto db = Open(conninfo);
    auto keys = pg::NewSigningKeyStore(*db);
    auto audit = pg::NewAuditStore(*db);
    auto messages = pg::NewMessageStore(*db);
    if (!keys->Insert({"key1", "pub", "sealed", 1}).ok()) return 1;
    const auto filling = std::chrono::steady_clock::now();
    constexpr int kPerMessage = 1000;  // one message's entries in one transaction
    for (int first = 0; first < entries; first += kPerMessage) {
      MessageRecord m;
      m.id = "m" + std::to_string(first);
      m.account = "default";
      m.sender = "lab@clinic.example";
      m.created_at = 1'900'000'000;
      m.expires_at = 2'100'000'000;
      m.signing_key_id = "key1";
      std::vector<QueueEntry> queued;
      for (int i = first; i < std::min(entries, first + kPerMessage); ++i) {
        QueueEntry q;
        q.id = "q" + std::to_string(i);
        q.message_id = m.id;
        q.mail_from = m.sender;
        q.rcpt_to = "p" + std::to_string(i) + "@example.net";
        q.sealed_content = std::string(512, 'x');
        q.next_attempt_at = q.created_at = 1'900'000'000;
        queued.push_back(std::move(q));
      }
      if (auto in = messages->InsertWithNotices(m, queued, {}, ""); !in.ok()) {
        std::fprintf(stderr, "fill: %s\n", in.error().ToString().c_str());
        return 1;
      }
    }
    std::printf("queue_claim_bench: %d entries queued in %.1f s\n", entries, Seconds(filling));
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<pid_t> children;
  for (int n = 0; n < nodes; ++n) {
    const pid_t pid = fork();
    if (pid == 0) _exit(Node(conninfo, n, batch, "/tmp/queue_claim_bench." + std::to_string(n)));
    children.push_back(pid);
  }
  bool failed = false;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    failed = failed || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  }
  const double seconds = Seconds(start);
  std::multiset<std::string> taken;
  std::vector<std::size_t> shares;
  for (int n = 0; n < nodes; ++n) {
    const std::string path = "/tmp/queue_claim_bench." + std::to_string(n);
    std::ifstream in(path);
    std::size_t share = 0;
    for (std::string id; std::getline(in, id); ++share) taken.insert(id);
    shares.push_back(share);
    std::remove(path.c_str());
  }
  const std::set<std::string> once(taken.begin(), taken.end());
  auto db = Open(conninfo);
  std::int64_t delivered = -1;
  (void)db->Read([&](pg::Connection& c) -> Status {
    pg::Statement s(c, "SELECT count(*) FROM queue WHERE state = 'delivered'");
    auto row = s.Step();
    if (row.ok() && *row) delivered = s.Int(0);
    return OkStatus();
  });
  std::printf(
      "queue_claim_bench: %d nodes claimed %zu entries (batches of %d) in %.1f s: "
      "%.0f entries/s; shares",
      nodes, taken.size(), batch, seconds, taken.size() / seconds);
  for (std::size_t s : shares) std::printf(" %zu", s);
  std::printf("; claimed twice: %zu; delivered in the table: %lld of %d\n",
              taken.size() - once.size(), static_cast<long long>(delivered), entries);
  const bool right = !failed && once.size() == static_cast<std::size_t>(entries) &&
                     taken.size() == once.size() && delivered == entries;
  std::printf("queue_claim_bench: %s\n",
              right ? "every entry claimed once and delivered" : "WRONG: see the figures above");
  return right ? 0 : 1;
}
