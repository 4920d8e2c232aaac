#include <gtest/gtest.h>

#include "mime/compose.h"
#include "mime/notice.h"
#include "mime/submitted.h"

namespace sealpost {
namespace {

NoticeContent Sample() {
  return {"Springfield Clinic", "notices@clinic.example", "pat@example.net",
          "dr.hibbert@clinic.example", "You have been sent a secure message",
          "https://portal.example/r/abc.def", "2026-12-22", "clinic.example"};
}

TEST(Notice, CarriesLinkAndHeaders) {
  auto mail = BuildNoticeEmail(Sample());
  ASSERT_TRUE(mail.ok()) << mail.error().ToString();
  EXPECT_NE(mail->find("From: Springfield Clinic <notices@clinic.example>\r\n"), std::string::npos);
  EXPECT_NE(mail->find("To: pat@example.net\r\n"), std::string::npos);
  EXPECT_NE(mail->find("Subject: You have been sent a secure message\r\n"), std::string::npos);
  EXPECT_NE(mail->find("Message-Id: <"), std::string::npos);
  EXPECT_NE(mail->find("multipart/alternative"), std::string::npos);
  EXPECT_NE(mail->find("https://portal.example/r/abc.def"), std::string::npos);
  // Only CRLF line endings.
  for (std::size_t i = 0; i < mail->size(); ++i) {
    if ((*mail)[i] == '\n') {
      ASSERT_TRUE(i > 0 && (*mail)[i - 1] == '\r') << "bare LF at " << i;
    }
  }
}

TEST(Notice, ACampaignsNoticeCarriesItsUnsubscribeFieldsAsGiven) {
  NoticeContent n = Sample();
  const std::string url = "<https://portal.example/u/" + std::string(90, 'a') + ".b.c>";
  n.headers = {{"List-Unsubscribe", url}, {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  auto mail = BuildNoticeEmail(n);
  ASSERT_TRUE(mail.ok()) << mail.error().ToString();
  EXPECT_NE(mail->find("\r\nList-Unsubscribe: " + url + "\r\n"), std::string::npos) << *mail;
  EXPECT_NE(mail->find("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
            std::string::npos);
  n.headers = {{"List-Unsubscribe", "<https://x>\nBcc: all@example.net"}};
  EXPECT_EQ(BuildNoticeEmail(n).error().code, ErrorCode::kInvalidArgument);
}

TEST(Notice, TellsLoginRecipientsTheySignIn) {
  NoticeContent n = Sample();
  EXPECT_NE(BuildNoticeEmail(n)->find("answer a question"), std::string::npos);
  n.login = true;
  auto mail = BuildNoticeEmail(n);
  EXPECT_NE(mail->find("asked to sign in"), std::string::npos);
  EXPECT_EQ(mail->find("answer a question"), std::string::npos);
}

// Issue 18.10: a message the Message Center holds has a second key (the center's), so
// its notice must not claim the link is the only one.
TEST(Notice, SaysTheLinkIsTheOnlyKeyOnlyWhenItIs) {
  NoticeContent n = Sample();
  auto alone = *BuildNoticeEmail(n);
  for (auto soft = alone.find("=\r\n"); soft != std::string::npos; soft = alone.find("=\r\n")) {
    alone.erase(soft, 3);
  }
  EXPECT_NE(alone.find("the only key"), std::string::npos);
  n.in_message_center = true;
  auto held = *BuildNoticeEmail(n);
  for (auto soft = held.find("=\r\n"); soft != std::string::npos; soft = held.find("=\r\n")) {
    held.erase(soft, 3);
  }
  EXPECT_EQ(held.find("only key"), std::string::npos);
  EXPECT_NE(held.find("secure inbox"), std::string::npos);
}

TEST(Notice, CarriesANamespacesColourAndSupportContact) {
  NoticeContent n;
  n.organisation = "North Clinic";
  n.from_address = "notices@north.test";
  n.to_address = "pat@home.test";
  n.sender_address = "dr@north.test";
  n.subject = "You have been sent a secure message";
  n.portal_link = "https://portal.north.test/m/abc";
  n.expires_at = "1 January 2030";
  n.message_id_domain = "north.test";
  n.accent_colour = "#0b5394";
  n.support_contact = "help@north.test, 555-0100";
  auto mail = BuildNoticeEmail(n);
  ASSERT_TRUE(mail.ok());
  std::string flat = *mail;
  for (auto soft = flat.find("=\r\n"); soft != std::string::npos; soft = flat.find("=\r\n")) {
    flat.erase(soft, 3);
  }
  EXPECT_NE(flat.find("background:#0b5394"), std::string::npos);
  EXPECT_NE(flat.find("Contact North Clinic: help@north.test, 555-0100"), std::string::npos);
  n.accent_colour = "red;background:url(x)";  // never into the style attribute
  flat = *BuildNoticeEmail(n);
  for (auto soft = flat.find("=\r\n"); soft != std::string::npos; soft = flat.find("=\r\n")) {
    flat.erase(soft, 3);
  }
  EXPECT_EQ(flat.find("url(x)"), std::string::npos);
  EXPECT_EQ(flat.find("background:"), std::string::npos);
  EXPECT_NE(flat.find("Open the secure message"), std::string::npos);
}

TEST(Notice, SenderNoticesNameTheRecipientOnly) {
  SenderNotice n{"Springfield Clinic", "notices@clinic.example", "dr@clinic.example",
                 "pat@example.net", "sent on 2026-11-22 10:00 UTC (id 1a2b)", "2026-11-23 09:00 UTC",
                 ""};
  auto locked = BuildLockedNotice(n);
  ASSERT_TRUE(locked.ok());
  EXPECT_NE(locked->find("Subject: Locked: your secure message to pat@example.net\r\n"),
            std::string::npos);
  EXPECT_NE(locked->find("Auto-Submitted: auto-generated"), std::string::npos);
  EXPECT_NE(locked->find("@clinic.example>"), std::string::npos);  // Message-Id domain
  EXPECT_NE(BuildReadReceipt(n)->find("Subject: Read: your secure message to pat@example.net"),
            std::string::npos);
  n.recipient = "pat@example.net\r\nBcc: x@example.com";
  EXPECT_EQ(BuildLockedNotice(n).error().code, ErrorCode::kInvalidArgument);
}

TEST(Notice, AFormsReceiptSaysItArrivedAndNothingOfWhatWasSent) {
  FormReceipt r{"Springfield Clinic",
                "notices@clinic.example",
                "lisa@example.net",
                "New patient intake",
                "0123abcd",
                "2026-12-06 10:00 UTC",
                ""};
  auto receipt = BuildFormReceipt(r);
  ASSERT_TRUE(receipt.ok());
  EXPECT_NE(receipt->find("Subject: Received: New patient intake\r\n"), std::string::npos);
  EXPECT_NE(receipt->find("To: lisa@example.net"), std::string::npos);
  EXPECT_NE(receipt->find("Your reference: 0123abcd"), std::string::npos);
  EXPECT_NE(receipt->find("Auto-Submitted: auto-generated"), std::string::npos);
  r.form_title = "Intake\r\nBcc: x@example.com";
  EXPECT_EQ(BuildFormReceipt(r).error().code, ErrorCode::kInvalidArgument);
}

TEST(Notice, AccountMailCarriesItsLink) {
  AccountMail m{AccountMail::Kind::kConfirm, "Springfield Clinic", "notices@clinic.example",
                "pat@example.net", "https://portal.example/account/confirm/abc", "24 hours", ""};
  auto confirm = BuildAccountMail(m);
  ASSERT_TRUE(confirm.ok());
  EXPECT_NE(confirm->find("Subject: Confirm your email address"), std::string::npos);
  EXPECT_NE(confirm->find("https://portal.example/account/confirm/abc"), std::string::npos);
  EXPECT_NE(confirm->find("for 24 hours"), std::string::npos);
  m.kind = AccountMail::Kind::kReset;
  EXPECT_NE(BuildAccountMail(m)->find("Subject: Set a new password"), std::string::npos);
  m.to_address = "a@b\nBcc: c@d";
  EXPECT_FALSE(BuildAccountMail(m).ok());
}

TEST(Notice, RefusesHeaderInjection) {
  NoticeContent n = Sample();
  n.subject = "Hello\r\nBcc: victim@example.com";
  EXPECT_EQ(BuildNoticeEmail(n).error().code, ErrorCode::kInvalidArgument);
}

TEST(Notice, EncodesNonAsciiSubject) {
  NoticeContent n = Sample();
  n.subject = "Résultats d'analyse";
  auto mail = BuildNoticeEmail(n);
  ASSERT_TRUE(mail.ok());
  EXPECT_NE(mail->find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_EQ(mail->find("Résultats"), std::string::npos);  // never raw 8-bit in a header
}

TEST(UndeliveredNotice, NamesEachRecipientAndReason) {
  UndeliveredNotice n;
  n.organisation = "Clinic";
  n.from_address = "notices@clinic.example";
  n.to_address = "dr@clinic.example";
  n.reference = "queued as abc";
  n.recipients = {{"p@example.net", "no default question (bounce)"}};
  n.message_id_domain = "clinic.example";
  auto mail = BuildUndeliveredNotice(n);
  ASSERT_TRUE(mail.ok());
  EXPECT_NE(mail->find("To: dr@clinic.example\r\n"), std::string::npos);
  EXPECT_NE(mail->find("Auto-Submitted: auto-generated"), std::string::npos);
  EXPECT_NE(mail->find("p@example.net"), std::string::npos);
  EXPECT_NE(mail->find("no default question"), std::string::npos);
  EXPECT_NE(mail->find("queued as abc"), std::string::npos);
  n.to_address = "x@y.example\r\nBcc: z@example.net";
  EXPECT_FALSE(BuildUndeliveredNotice(n).ok());
}

}  // namespace
}  // namespace sealpost

namespace sealpost {
namespace {

TEST(ComposedMessage, ReadsBackAsWhatWasComposed) {
  ComposedMessage m;
  m.from = "dr@clinic.example";
  m.to = {"pat@example.org"};
  m.cc = {"nurse@clinic.example"};
  m.subject = "Résultats";
  m.text = "Plain body\n";
  m.html = "<p>HTML body</p>";
  m.attachments.push_back({"scan.bin", "application/octet-stream", std::string("\x00\x01\xff", 3)});
  m.message_id_domain = "clinic.example";
  auto wire = BuildComposedMessage(m);
  ASSERT_TRUE(wire.ok()) << wire.error().ToString();
  EXPECT_EQ(wire->find("\n"), wire->find("\r\n") + 1);  // CRLF line ends
  auto parsed = ParseSubmittedMessage(*wire);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->subject, "Résultats");
  EXPECT_EQ(parsed->to, std::vector<std::string>{"pat@example.org"});
  EXPECT_EQ(parsed->cc, std::vector<std::string>{"nurse@clinic.example"});
  EXPECT_EQ(parsed->text, "Plain body\r\n");
  EXPECT_EQ(parsed->html, "<p>HTML body</p>");
  ASSERT_EQ(parsed->attachments.size(), 1u);
  EXPECT_EQ(parsed->attachments[0].filename, "scan.bin");
  EXPECT_EQ(parsed->attachments[0].content, std::string("\x00\x01\xff", 3));

  m.attachments[0].filename = "evil\r\nBcc: x@y.example";
  auto refused = BuildComposedMessage(m);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
}

// Header fields a way in adds (a campaign's List-Unsubscribe) go out as given, however
// long, and one with a line break or a bad name is refused.
TEST(ComposedMessage, AddedHeaderFieldsGoOutAsGiven) {
  ComposedMessage m;
  m.from = "office@clinic.example";
  m.to = {"pat@example.org"};
  m.subject = "News";
  m.text = "Hello";
  m.message_id_domain = "clinic.example";
  const std::string url = "<https://portal.clinic.example/u/" + std::string(100, 'a') + ">";
  m.headers = {{"List-Unsubscribe", url}, {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  auto wire = BuildComposedMessage(m);
  ASSERT_TRUE(wire.ok()) << wire.error().ToString();
  EXPECT_NE(wire->find("\r\nList-Unsubscribe: " + url + "\r\n"), std::string::npos) << *wire;
  EXPECT_NE(wire->find("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
            std::string::npos);
  m.headers = {{"List-Unsubscribe", "<https://x>\r\nBcc: all@example.net"}};
  EXPECT_EQ(BuildComposedMessage(m).error().code, ErrorCode::kInvalidArgument);
  m.headers = {{"Bad Name", "x"}};
  EXPECT_EQ(BuildComposedMessage(m).error().code, ErrorCode::kInvalidArgument);
}

// Streamed .eml: the pieces around the attachments, with the contents written in as
// base64 lines piece by piece, parse back to the whole message.
TEST(ComposedMessage, LaidOutForStreamingReadsBackWhole) {
  ComposedMessage m;
  m.from = "dr@clinic.example";
  m.to = {"pat@example.org"};
  m.subject = "Scans";
  m.text = "See attached.";
  m.date = 1795000000;
  std::string big(100'000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7919 % 251);
  const std::vector<std::string> contents = {big, "", "tiny"};
  m.attachments = {{"a.bin", "application/octet-stream", ""}, {"empty.txt", "text/plain", ""},
                   {"Übersicht.txt", "text/plain", ""}};
  auto pieces = LayOutComposedMessage(m);
  ASSERT_TRUE(pieces.ok()) << pieces.error().ToString();
  ASSERT_EQ(pieces->size(), 4u);
  std::string wire = (*pieces)[0];
  std::uint64_t expected = (*pieces)[0].size();
  for (std::size_t i = 0; i < contents.size(); ++i) {
    Base64Lines lines;
    std::string encoded;
    for (std::size_t at = 0; at < contents[i].size(); at += 1000) {
      lines.Add(std::string_view(contents[i]).substr(at, 1000), encoded);
    }
    lines.Finish(encoded);
    EXPECT_EQ(encoded.size(), Base64Lines::EncodedSize(contents[i].size()));
    wire += encoded + (*pieces)[i + 1];
    expected += Base64Lines::EncodedSize(contents[i].size()) + (*pieces)[i + 1].size();
  }
  EXPECT_EQ(wire.size(), expected);
  EXPECT_NE(wire.find("Date: "), std::string::npos);
  auto parsed = ParseSubmittedMessage(wire);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ASSERT_EQ(parsed->attachments.size(), 3u);
  EXPECT_EQ(parsed->attachments[0].content, big);
  EXPECT_EQ(parsed->attachments[1].content, "");
  EXPECT_EQ(parsed->attachments[2].content, "tiny");
  EXPECT_EQ(parsed->attachments[2].filename, "Übersicht.txt");
  EXPECT_EQ(parsed->text, "See attached.");
}

// ComposedSource streams the same laid-out message, each attachment opened when its
// place comes, whatever size its pieces.
TEST(ComposedSource, StreamsWhatTheLayOutAndBase64LinesMake) {
  ComposedMessage m;
  m.from = "dr@clinic.example";
  m.to = {"pat@example.org"};
  m.subject = "Scans";
  m.text = "See attached.";
  std::string big(100'000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7919 % 251);
  const std::vector<std::string> contents = {big, "", "tiny"};
  m.attachments = {{"a.bin", "application/octet-stream", ""}, {"empty.txt", "text/plain", ""},
                   {"t.txt", "text/plain", ""}};
  auto pieces = LayOutComposedMessage(m);
  ASSERT_TRUE(pieces.ok());
  std::string expected = (*pieces)[0];
  for (std::size_t i = 0; i < contents.size(); ++i) {
    Base64Lines lines;
    lines.Add(contents[i], expected);
    lines.Finish(expected);
    expected += (*pieces)[i + 1];
  }
  auto shared = std::make_shared<const std::vector<std::string>>(*pieces);
  std::vector<OpenSource> opens;
  for (const auto& c : contents) opens.push_back(OpenView(c));
  auto source = ComposedSource(shared, opens);
  auto streamed = ReadAll(*source, 1 << 20);
  ASSERT_TRUE(streamed.ok());
  EXPECT_EQ(*streamed, expected);
  // An attachment that cannot be opened fails the read with its error.
  opens[1] = []() -> Result<std::unique_ptr<ByteSource>> {
    return MakeError(ErrorCode::kNotFound, "blob gone");
  };
  auto failing = ComposedSource(shared, opens);
  auto refused = ReadAll(*failing, 1 << 20);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace sealpost
