#include <gtest/gtest.h>

#include "base/csv.h"

namespace sealpost {
namespace {

TEST(Csv, ReadsRecordsWithLines) {
  auto r = ParseCsv("address,question,answer\r\n"
                    "a@b.example,\"Pet, first?\",Rex\n"
                    "\n"
                    "c@d.example,\"Say \"\"hi\"\"\",\"two\nlines\"\n"
                    "e@f.example,Q,A");
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].fields, (std::vector<std::string>{"address", "question", "answer"}));
  EXPECT_EQ(r[1].line, 2u);
  EXPECT_EQ(r[1].fields[1], "Pet, first?");
  EXPECT_EQ(r[2].line, 4u);
  EXPECT_EQ(r[2].fields[1], "Say \"hi\"");
  EXPECT_EQ(r[2].fields[2], "two\nlines");
  EXPECT_EQ(r[3].line, 6u);  // the quoted line break moved the count on
  for (const auto& rec : r) EXPECT_TRUE(rec.error.empty()) << rec.line << ": " << rec.error;
}

TEST(Csv, ReportsMalformedRecordsAndGoesOn) {
  auto r = ParseCsv("\xEF\xBB\xBF" "a,b\nx,\"unclosed\ny,z");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].fields[0], "a");  // BOM dropped
  EXPECT_EQ(r[1].line, 2u);
  EXPECT_EQ(r[1].error, "a quoted field is not closed");
  auto q = ParseCsv("a\"b,c\n\"x\"y,z\nok,1\n");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].error, "a quote inside an unquoted field");
  EXPECT_EQ(q[1].error, "text after a closing quote");
  EXPECT_TRUE(q[2].error.empty());
}

TEST(Csv, EnforcesLimits) {
  auto r = ParseCsv("aaaaaaaaaa,b\nc,d\ne,f\n", {5, 2});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NE(r[0].error.find("longer than 5"), std::string::npos);
  EXPECT_NE(r[1].error.find("too many records"), std::string::npos);
  EXPECT_TRUE(ParseCsv("").empty());
  EXPECT_EQ(ParseCsv("a,").front().fields, (std::vector<std::string>{"a", ""}));
}

TEST(Csv, SpreadsheetCellsAreNeverFormulas) {
  EXPECT_EQ(SpreadsheetCell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(SpreadsheetCell("+1"), "'+1");
  EXPECT_EQ(SpreadsheetCell("@SUM"), "'@SUM");
  EXPECT_EQ(SpreadsheetCell("plain, text"), "\"plain, text\"");
  EXPECT_EQ(SpreadsheetLine({"a", "-2", ""}), "a,'-2,\r\n");
}

}  // namespace
}  // namespace sealpost
