#include "app/audit_forward.h"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

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

// syslog over a local datagram socket (/dev/log's kind): one RFC 5424 message a record.
TEST(AuditForwarderTest, SendsSyslogMessagesToALocalSocket) {
  TempDir dir;
  auto db = sqlite::Database::Open(dir.path() + "/sealpost.db");
  ASSERT_TRUE(db.ok());
  auto store = sqlite::NewAuditStore(**db);
  audit::AuditRecord r;
  r.at = 1795370580;
  r.actor_kind = "user";
  r.actor = "dr@clinic.example";
  r.action = "auth.smtp";
  r.result = "refused";
  ASSERT_TRUE(store->Append(r).ok());
  const std::string path = dir.path() + "/log.sock";
  int receiver = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(receiver, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  ASSERT_EQ(::bind(receiver, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  auto forwarder = AuditForwarder::Open("syslog:unix:" + path, *store);
  ASSERT_TRUE(forwarder.ok()) << forwarder.error().ToString();
  EXPECT_EQ(*(*forwarder)->RunOnce(), 1);
  char buf[4096];
  const ssize_t n = ::recv(receiver, buf, sizeof buf, MSG_DONTWAIT);
  ::close(receiver);
  ASSERT_GT(n, 0);
  const std::string message(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(message.rfind("<84>1 2026-11-22T18:03:00Z ", 0), 0u) << message;
  EXPECT_NE(message.find(R"([sealpost@32473 seq="1" action="auth.smtp" result="refused"])"),
            std::string::npos)
      << message;
  // A socket nobody listens on is reported when the forwarder opens.
  auto nowhere = AuditForwarder::Open("syslog:unix:" + dir.path() + "/none.sock", *store);
  ASSERT_FALSE(nowhere.ok());
  EXPECT_EQ(nowhere.error().code, ErrorCode::kUnavailable);
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
