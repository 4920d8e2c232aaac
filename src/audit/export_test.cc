#include "audit/export.h"

#include <gtest/gtest.h>

#include "base/csv.h"

namespace sealpost::audit {
namespace {

AuditRecord Sample() {
  AuditRecord r;
  r.seq = 12;
  r.at = 1795370580;
  r.actor_kind = "portal_account";
  r.actor = "=HYPERLINK(\"http://evil.example\")";
  r.client_address = "192.0.2.9";
  r.action = "auth.portal.password";
  r.subject = "pat@home.test, \"Pat\"";
  r.result = "refused";
  r.details = R"({"outcome":"wrong"})";
  r.hash = std::string(32, '\x01');
  return r;
}

TEST(AuditExportTest, JsonLinesKeepDetailsAsJson) {
  const std::string line = RecordJson(Sample());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find(R"("details":{"outcome":"wrong"})"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("at":"2026-11-22T18:03:00Z")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("hash":"0101)"), std::string::npos) << line;
  AuditRecord odd = Sample();
  odd.details = "not json";
  EXPECT_NE(RecordJson(odd).find(R"("details":"not json")"), std::string::npos);
  // Bytes that are not UTF-8 (a remote server's reply) become U+FFFD: the line stays JSON.
  odd.subject = std::string("caf\xe9 \xc3\xa9");
  EXPECT_NE(RecordJson(odd).find("\"subject\":\"caf\xEF\xBF\xBD \xc3\xa9\""), std::string::npos)
      << RecordJson(odd);
  // A number too large for a double (found by audit_export_fuzz) stays text, and the line
  // stays JSON that parses again.
  odd.details = R"({"n":[40523333333e33333]})";
  EXPECT_NE(RecordJson(odd).find(R"("details":"{\"n\":[40523333333e33333]}")"), std::string::npos)
      << RecordJson(odd);
}

TEST(AuditExportTest, CsvReadsBackAndDisarmsFormulas) {
  const std::string csv = CsvHeader() + RecordCsv(Sample());
  auto rows = ParseCsv(csv);
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_EQ(rows[1].fields.size(), rows[0].fields.size());
  EXPECT_EQ(rows[0].fields[3], "actor");
  EXPECT_EQ(rows[1].fields[0], "12");
  EXPECT_EQ(rows[1].fields[3], "'=HYPERLINK(\"http://evil.example\")");
  EXPECT_EQ(rows[1].fields[7], "pat@home.test, \"Pat\"");
  EXPECT_EQ(rows[1].fields[11], R"({"outcome":"wrong"})");
}

TEST(AuditExportTest, SyslogMessagesFollowRfc5424) {
  AuditRecord r = Sample();
  r.action = "odd]\"action\\";
  const std::string line = SyslogMessage(r, "gw 1.example", 4242);
  EXPECT_EQ(line.rfind(R"(<84>1 2026-11-22T18:03:00Z gw_1.example sealpost 4242 audit )"
                       R"([sealpost@32473 seq="12" action="odd\]\"action\\" result="refused"] {)",
                       0),
            0u)
      << line;
  r.result = "ok";
  EXPECT_EQ(SyslogMessage(r, "", 1).rfind("<86>1 2026-11-22T18:03:00Z - sealpost 1 audit ", 0), 0u);
}

}  // namespace
}  // namespace sealpost::audit
