#include "mime/submitted.h"

#include <gtest/gtest.h>

namespace sealpost {
namespace {

const char kMixed[] =
    "From: Alice <alice@clinic.example>\r\n"
    "To: Bob <bob@example.net>, team: carol@example.net, dave@example.net;\r\n"
    "Cc: eve@example.net\r\n"
    "Subject: =?utf-8?q?Befund_f=C3=BCr?= you\r\n"
    "X-Sealpost-Question: Your date\r\n"
    " of birth?\r\n"
    "X-Sealpost-Answer: 1970-01-01\r\n"
    "x-sealpost-tls-only: no\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: multipart/alternative; boundary=\"b2\"\r\n"
    "\r\n"
    "--b2\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Gr=FC=DFe\r\n"
    "--b2\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>hi</p>\r\n"
    "--b2--\r\n"
    "--b1\r\n"
    "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
    "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQK\r\n"
    "--b1--\r\n";

TEST(SubmittedMessage, TakesApartAMultipartMessage) {
  auto m = ParseSubmittedMessage(kMixed);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->from, std::vector<std::string>{"alice@clinic.example"});
  EXPECT_EQ(m->to, (std::vector<std::string>{"bob@example.net", "carol@example.net",
                                              "dave@example.net"}));
  EXPECT_EQ(m->cc, std::vector<std::string>{"eve@example.net"});
  EXPECT_EQ(m->subject, "Befund f\xc3\xbcr you");
  EXPECT_EQ(m->text.substr(0, 7), "Gr\xc3\xbc\xc3\x9f" "e");
  EXPECT_EQ(m->html.substr(0, 9), "<p>hi</p>");
  ASSERT_EQ(m->attachments.size(), 1u);
  EXPECT_EQ(m->attachments[0].filename, "report.pdf");
  EXPECT_EQ(m->attachments[0].content_type, "application/pdf");
  EXPECT_EQ(m->attachments[0].content, "%PDF-1.4\n");
  EXPECT_EQ(m->options.at("question"), "Your date of birth?");
  EXPECT_EQ(m->options.at("answer"), "1970-01-01");
  EXPECT_EQ(m->options.at("tls-only"), "no");
  EXPECT_FALSE(m->already_encrypted);
}

TEST(SubmittedMessage, TheHeaderAloneSaysWhatTheHeaderSectionSays) {
  auto whole = ParseSubmittedMessage(kMixed);
  auto header = ParseSubmittedHeader(kMixed);
  ASSERT_TRUE(whole.ok() && header.ok());
  EXPECT_EQ(header->from, whole->from);
  EXPECT_EQ(header->to, whole->to);
  EXPECT_EQ(header->cc, whole->cc);
  EXPECT_EQ(header->subject, whole->subject);
  EXPECT_EQ(header->options, whole->options);
  EXPECT_EQ(header->read_receipt, whole->read_receipt);
  // The body is not read.
  EXPECT_TRUE(header->text.empty());
  EXPECT_TRUE(header->html.empty());
  EXPECT_TRUE(header->attachments.empty());
  EXPECT_FALSE(header->already_encrypted);
}

TEST(SubmittedMessage, TheHeaderEndsAtTheFirstEmptyLine) {
  // A body line that looks like an option field is the body's (bare LF line ends too).
  auto m = ParseSubmittedHeader(
      "From: a@example.org\nTo: b@example.net\nX-Sealpost-Question: Q?\n\n"
      "X-Sealpost-Answer: from the body\nCc: c@example.net\n");
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->to, std::vector<std::string>{"b@example.net"});
  EXPECT_TRUE(m->cc.empty());
  EXPECT_EQ(m->options.count("question"), 1u);
  EXPECT_EQ(m->options.count("answer"), 0u);
  // A message of header fields only.
  auto bare = ParseSubmittedHeader("From: a@example.org\r\nSubject: only\r\n");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->subject, "only");
}

TEST(SubmittedMessage, NoticesAReadReceiptRequest) {
  auto asked = ParseSubmittedMessage(
      "From: a@example.org\r\nDisposition-Notification-To: <someone@elsewhere.example>\r\n"
      "Subject: x\r\n\r\nbody\r\n");
  ASSERT_TRUE(asked.ok());
  EXPECT_TRUE(asked->read_receipt);
  auto not_asked = ParseSubmittedMessage("From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n");
  ASSERT_TRUE(not_asked.ok());
  EXPECT_FALSE(not_asked->read_receipt);
}

TEST(SubmittedMessage, RecognisesEncryptedMessages) {
  auto m = ParseSubmittedMessage(
      "From: a@example.org\r\nContent-Type: multipart/encrypted; "
      "protocol=\"application/pgp-encrypted\"; boundary=x\r\n\r\n--x\r\n"
      "Content-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--x--\r\n");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->already_encrypted);
  // From the Content-Type field alone, the body unread.
  auto header = ParseSubmittedHeader(
      "From: a@example.org\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
      "\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\r\n");
  ASSERT_TRUE(header.ok());
  EXPECT_TRUE(header->already_encrypted);
}

TEST(SubmittedMessage, StripsEveryOptionFieldAndNothingElse) {
  std::string stripped = StripSealpostHeaders(kMixed);
  EXPECT_EQ(stripped.find("X-Sealpost"), std::string::npos);
  EXPECT_EQ(stripped.find("x-sealpost"), std::string::npos);
  EXPECT_EQ(stripped.find("of birth"), std::string::npos);  // the continuation line too
  EXPECT_EQ(stripped.find("1970-01-01"), std::string::npos);
  EXPECT_NE(stripped.find("Subject: =?utf-8?q?Befund_f=C3=BCr?= you\r\nMIME-Version"),
            std::string::npos);
  // The body is untouched, even a line that looks like an option field.
  std::string body_line = "From: a@b.example\r\n\r\nX-Sealpost-Answer: stays\r\n";
  EXPECT_EQ(StripSealpostHeaders(body_line), body_line);
  // A message of header fields only, its last an option field.
  EXPECT_EQ(StripSealpostHeaders("From: a@b.example\r\nX-Sealpost-Answer: x\r\n"),
            "From: a@b.example\r\n");
  EXPECT_TRUE(HasSealpostHeaders("From: a@b.example\r\nX-Sealpost-Answer: x"));
  EXPECT_FALSE(HasSealpostHeaders(body_line));
  EXPECT_EQ(StripSealpostHeaders(std::string(kMixed)).size(),
            std::string(kMixed).size() - std::string("X-Sealpost-Question: Your date\r\n"
                                                     " of birth?\r\nX-Sealpost-Answer: "
                                                     "1970-01-01\r\nx-sealpost-tls-only: no\r\n")
                                                 .size());
}

TEST(SubmittedMessage, BoundsTheNumberOfParts) {
  std::string many = "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n";
  for (int i = 0; i < 50; ++i) many += "--z\r\nContent-Type: text/plain\r\n\r\nx\r\n";
  many += "--z--\r\n";
  EXPECT_TRUE(ParseSubmittedMessage(many, 100).ok());
  auto refused = ParseSubmittedMessage(many, 10);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("more than 10 parts"), std::string::npos);
  // The header alone builds no parts: no bound to meet.
  EXPECT_TRUE(ParseSubmittedHeader(many).ok());
}

}  // namespace
}  // namespace sealpost
