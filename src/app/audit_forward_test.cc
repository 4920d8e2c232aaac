#include "app/audit_forward.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sys/stat.h>

#include "base/temp_dir.h"
#include "store/sqlite/database.h"
#include "store/sqlite/stores.h"

namespace sealpost {
namespace {

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Every record once, in order, across restarts: the position is kept in the database.
TEST(AuditForwarderTest, AppendsEachRecordOnceInOrderAndResumes) {
  TempDir dir;
  auto db = sqlite::Database::Open(dir.path() + "/sealpost.db");
  ASSERT_TRUE(db.ok());
  auto store = sqlite::NewAuditStore(**db);
  auto append = [&](const std::string& action) {
    audit::AuditRecord r;
    r.at = 1790000000;
    r.actor_kind = "system";
    r.action = action;
    r.result = "ok";
    ASSERT_TRUE(store->Append(r).ok());
  };
  const std::string path = dir.path() + "/audit.jsonl";
  const std::string target = "file:" + path;
  append("a");
  append("b");
  append("c");
  {
    auto forwarder = AuditForwarder::Open(target, *store);
    ASSERT_TRUE(forwarder.ok()) << forwarder.error().ToString();
    EXPECT_EQ(*(*forwarder)->RunOnce(2), 2);
    EXPECT_EQ(*(*forwarder)->RunOnce(2), 1);
    EXPECT_EQ(*(*forwarder)->RunOnce(2), 0);
  }
  append("d");
  auto again = AuditForwarder::Open(target, *store);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->RunOnce(), 1);
  auto lines = Lines(path);
  ASSERT_EQ(lines.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NE(lines[i].find("\"seq\":" + std::to_string(i + 1) + ","), std::string::npos) << lines[i];
  }
  EXPECT_NE(lines[3].find(R"("action":"d")"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(AuditForwarderTest, TargetsAreCheckedBeforeUse) {
  for (const char* good : {"", "file:/var/log/a.jsonl", "syslog:udp:127.0.0.1:514",
                           "syslog:udp:[::1]:514", "syslog:unix:/dev/log"}) {
    EXPECT_TRUE(CheckAuditForwardTarget(good).ok()) << good;
  }
  for (const char* bad : {"file:", "syslog:", "syslog:udp:host", "syslog:tcp:h:1", "ftp://x",
                          "/var/log/a"}) {
    auto checked = CheckAuditForwardTarget(bad);
    ASSERT_FALSE(checked.ok()) << bad;
    EXPECT_EQ(checked.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace sealpost
