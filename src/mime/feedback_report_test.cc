#include "mime/feedback_report.h"

#include <gtest/gtest.h>

namespace sealpost {
namespace {

// As RFC 5965 §5's example, with the original's List-Unsubscribe folded.
std::string Report(const std::string& third_part_type, const std::string& report_type,
                   const std::string& feedback_fields) {
  return "From: <abusedesk@mailbox.example>\r\n"
         "To: <fbl@clinic.example>\r\n"
         "Subject: FW: Your checkup\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/report; report-type=" +
         report_type +
         ";\r\n"
         "  boundary=\"part1_13d.2e68ed54_boundary\"\r\n"
         "\r\n"
         "--part1_13d.2e68ed54_boundary\r\n"
         "Content-Type: text/plain; charset=\"US-ASCII\"\r\n"
         "\r\n"
         "This is an email abuse report.\r\n"
         "--part1_13d.2e68ed54_boundary\r\n"
         "Content-Type: message/feedback-report\r\n"
         "\r\n" +
         feedback_fields +
         "--part1_13d.2e68ed54_boundary\r\n"
         "Content-Type: " +
         third_part_type +
         "\r\n"
         "\r\n"
         "From: <news@clinic.example>\r\n"
         "To: <pat@mailbox.example>\r\n"
         "Subject: Your checkup\r\n"
         "List-Unsubscribe: <https://mail.clinic.example/u/abc.def.0123456789>,\r\n"
         " <mailto:unsubscribe@clinic.example>\r\n"
         "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
         "\r\n"
         "Dear Pat, the private body.\r\n"
         "--part1_13d.2e68ed54_boundary--\r\n";
}

const std::string kFields =
    "Feedback-Type: Abuse\r\n"
    "User-Agent: SomeGenerator/1.0\r\n"
    "Version: 1\r\n"
    "Original-Rcpt-To: <pat@mailbox.example>\r\n"
    "\r\n";

TEST(FeedbackReportTest, ReadsTheKindAndTheOriginalsUnsubscribeLinks) {
  for (const char* type : {"message/rfc822", "text/rfc822-headers"}) {
    auto r = ParseFeedbackReport(Report(type, "feedback-report", kFields));
    ASSERT_TRUE(r.ok()) << type << ": " << r.error().message;
    EXPECT_EQ(r->feedback_type, "abuse") << type;
    EXPECT_EQ(r->original_rcpt_to, "<pat@mailbox.example>") << type;
    ASSERT_EQ(r->unsubscribe_links.size(), 2u) << type;
    EXPECT_EQ(r->unsubscribe_links[0], "https://mail.clinic.example/u/abc.def.0123456789");
    EXPECT_EQ(r->unsubscribe_links[1], "mailto:unsubscribe@clinic.example");
  }
}

TEST(FeedbackReportTest, RefusesWhatIsNoFeedbackReport) {
  auto delivery = ParseFeedbackReport(Report("message/rfc822", "delivery-status", kFields));
  ASSERT_FALSE(delivery.ok());
  EXPECT_EQ(delivery.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(delivery.error().message.find("RFC 5965"), std::string::npos);

  auto plain = ParseFeedbackReport("From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n");
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code, ErrorCode::kInvalidArgument);

  auto no_type = ParseFeedbackReport(
      Report("message/rfc822", "feedback-report", "User-Agent: x/1\r\nVersion: 1\r\n\r\n"));
  ASSERT_FALSE(no_type.ok());
  EXPECT_NE(no_type.error().message.find("Feedback-Type"), std::string::npos);

  EXPECT_FALSE(ParseFeedbackReport("").ok());
}

}  // namespace
}  // namespace sealpost
