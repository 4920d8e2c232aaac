#include <gtest/gtest.h>

#include "api/message_request.h"

namespace sealpost::api {
namespace {

std::vector<std::string> Names(const ParsedRequest& p) {
  std::vector<std::string> out;
  for (const auto& x : p.problems) out.push_back(x.name);
  return out;
}

TEST(MessageRequest, ParsesAGoodRequest) {
  auto p = ParseMessageRequest(R"({
    "from": "dr@clinic.example", "to": ["pat@example.net"], "cc": ["nurse@clinic.example"],
    "bcc": ["records@clinic.example"], "subject": "Results", "text": "Hello", "html": "<p>Hello</p>",
    "attachments": [{"filename": "a.txt", "content_type": "text/plain", "content_base64": "aGk="}],
    "options": {"escrow": {"question": "Q?", "answer": "A"}, "expires_in_days": 7}})",
                               {});
  ASSERT_TRUE(p.problems.empty()) << p.problems[0].name << ": " << p.problems[0].reason;
  EXPECT_EQ(p.request.from, "dr@clinic.example");
  EXPECT_EQ(p.request.to, std::vector<std::string>{"pat@example.net"});
  EXPECT_EQ(p.request.cc, std::vector<std::string>{"nurse@clinic.example"});
  EXPECT_EQ(p.request.bcc, std::vector<std::string>{"records@clinic.example"});
  ASSERT_EQ(p.request.attachments.size(), 1u);
  EXPECT_EQ(p.request.question.value_or(""), "Q?");
  EXPECT_EQ(p.request.expires_in_days.value_or(0), 7);
}

TEST(MessageRequest, NamesEveryBadField) {
  auto p = ParseMessageRequest(R"({
    "from": "not-an-address", "to": ["ok@example.net", "bad address", 3],
    "subject": "two\r\nlines", "attachments": [{"filename": "../etc/passwd", "content_base64": "!!"}],
    "options": {"expires_in_days": 0, "escrow": {"question": "Q?"}}, "bogus": 1})",
                               {});
  auto names = Names(p);
  for (const char* want : {"from", "to[1]", "to[2]", "subject", "attachments[0].filename",
                           "attachments[0].content_base64", "options.expires_in_days",
                           "options.escrow", "bogus"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

TEST(MessageRequest, RefusesMalformedJson) {
  struct { const char* body; const char* field; } cases[] = {
      {"", "body"},
      {"{\"from\": ", "body"},
      {"[1,2]", "body"},
      {"{} trailing", "body"},
      {"{\"to\": []}", "from"},
      {"{\"from\": null, \"to\": [\"c@d.example\"], \"text\": \"x\"}", "from"},
      {"{\"from\": \"a@b.example\", \"to\": [], \"text\": \"x\"}", "to"},
      {"{\"from\": \"a@b.example\", \"to\": [\"c@d.example\"]}", "text"},
  };
  for (const auto& c : cases) {
    auto p = ParseMessageRequest(c.body, {});
    auto names = Names(p);
    EXPECT_NE(std::find(names.begin(), names.end(), c.field), names.end()) << c.body;
  }
  std::string deep(100, '[');
  EXPECT_EQ(Names(ParseMessageRequest(deep, {})), std::vector<std::string>{"body"});
}

TEST(MessageRequest, SaveNeedsAQuestion) {
  auto ok = ParseMessageRequest(R"({"from": "a@b.example", "to": ["c@d.example"], "text": "x",
    "options": {"escrow": {"question": "Q", "answer": "A", "save": true}}})", {});
  ASSERT_TRUE(ok.problems.empty());
  EXPECT_TRUE(ok.request.save_answer);
  auto bad = ParseMessageRequest(R"({"from": "a@b.example", "to": ["c@d.example"], "text": "x",
    "options": {"escrow": {"save": "yes", "colour": 1}}})", {});
  auto names = Names(bad);
  EXPECT_NE(std::find(names.begin(), names.end(), "options.escrow.save"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "options.escrow.colour"), names.end());
}

TEST(MessageRequest, TlsOnlyOptOut) {
  auto out = ParseMessageRequest(R"({"from": "a@b.example", "to": ["c@d.example"], "text": "x",
    "options": {"tls_only": false}})", {});
  ASSERT_TRUE(out.problems.empty());
  EXPECT_TRUE(out.request.tls_only_opt_out);
  auto in = ParseMessageRequest(R"({"from": "a@b.example", "to": ["c@d.example"], "text": "x",
    "options": {"tls_only": true}})", {});
  EXPECT_FALSE(in.request.tls_only_opt_out);
  auto bad = ParseMessageRequest(R"({"from": "a@b.example", "to": ["c@d.example"], "text": "x",
    "options": {"tls_only": "no"}})", {});
  EXPECT_EQ(Names(bad), std::vector<std::string>{"options.tls_only"});
}

TEST(MessageRequest, ReadReceipt) {
  auto yes = ParseMessageRequest(R"({"from": "a@b.example", "to": ["c@d.example"], "text": "x",
    "options": {"read_receipt": true}})", {});
  ASSERT_TRUE(yes.problems.empty());
  EXPECT_TRUE(yes.request.read_receipt);
  auto no = ParseMessageRequest(R"({"from": "a@b.example", "to": ["c@d.example"], "text": "x"})", {});
  EXPECT_FALSE(no.request.read_receipt);
  auto bad = ParseMessageRequest(R"({"from": "a@b.example", "to": ["c@d.example"], "text": "x",
    "options": {"read_receipt": "yes"}})", {});
  EXPECT_EQ(Names(bad), std::vector<std::string>{"options.read_receipt"});
}

TEST(MessageRequest, EnforcesLimits) {
  submission::RequestLimits limits;
  limits.max_recipients = 2;
  limits.max_attachment_bytes = 3;
  auto p = ParseMessageRequest(R"({"from": "a@b.example", "to": ["c@d.example", "e@f.example"],
    "cc": ["g@h.example"], "text": "x",
    "attachments": [{"filename": "a", "content_base64": "aGVsbG8="}]})", limits);
  auto names = Names(p);
  EXPECT_NE(std::find(names.begin(), names.end(), "to"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "attachments"), names.end());
}

// The options are checked by the rules SMTP's X-Sealpost-* fields are checked by
// (submission.h), with the same wording after the field's name.
TEST(MessageRequest, OptionsAreCheckedAsSmtpChecksThem) {
  auto p = ParseMessageRequest(R"({"from": "a@b.example", "to": ["c@d.example"], "text": "x",
    "options": {"escrow": {"question": "Pet?", "answer": "   "}, "expires_in_days": 4000}})", {});
  ASSERT_EQ(p.problems.size(), 2u);
  EXPECT_EQ(p.problems[0].name, "options.expires_in_days");
  EXPECT_EQ(p.problems[0].reason, submission::ExpiryProblem(4000, {}));
  EXPECT_EQ(p.problems[1].name, "options.escrow.answer");
  EXPECT_EQ(p.problems[1].reason, submission::AnswerProblem("   ", {}));
  EXPECT_NE(p.problems[1].reason.find("not only spaces"), std::string::npos);
}

}  // namespace
}  // namespace sealpost::api
