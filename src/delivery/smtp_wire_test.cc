#include <gtest/gtest.h>

#include "delivery/dsn.h"
#include "delivery/smtp_wire.h"

namespace sealpost::delivery {
namespace {

TEST(ReplyReader, ReadsMultiLineRepliesAcrossReads) {
  ReplyReader reader;
  std::string input = "250-mx.example.net hello\r\n250-PIPE";
  auto first = reader.Feed(input);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  input += "LINING\r\n250 SIZE 1000\r\n220 next";
  auto reply = reader.Feed(input);
  ASSERT_TRUE(reply.ok() && reply->has_value());
  EXPECT_EQ((*reply)->code, 250);
  EXPECT_EQ((*reply)->text, "mx.example.net hello\nPIPELINING\nSIZE 1000");
  EXPECT_EQ(input, "220 next");  // the rest waits for the next reply
  auto caps = ParseEhlo(**reply);
  EXPECT_TRUE(caps.pipelining);
  EXPECT_FALSE(caps.starttls);
  EXPECT_EQ(caps.size, 1000u);
}

TEST(ReplyReader, AcceptsBareCodeAndBareLf) {
  ReplyReader reader;
  std::string input = "354\n";
  auto reply = reader.Feed(input);
  ASSERT_TRUE(reply.ok() && reply->has_value());
  EXPECT_EQ((*reply)->code, 354);
  EXPECT_EQ((*reply)->text, "");
}

TEST(ReplyReader, RefusesMalformedAndEndlessReplies) {
  for (std::string bad : {"hello\r\n", "25 x\r\n", "250x\r\n", "650 no\r\n", "250-a\r\n251 b\r\n"}) {
    ReplyReader reader;
    auto reply = reader.Feed(bad);
    EXPECT_FALSE(reply.ok()) << bad;
  }
  ReplyReader reader;
  std::string endless;
  for (int i = 0; i < 2000; ++i) endless += "250-0123456789\r\n";
  EXPECT_FALSE(reader.Feed(endless).ok());
  ReplyReader one_line;
  std::string no_end(20000, 'a');
  EXPECT_FALSE(one_line.Feed(no_end).ok());
}

TEST(ParseEhlo, ReadsTheExtensionsWeUse) {
  SmtpReply reply{250, "mx\nSTARTTLS\n8BITMIME\nsmtputf8\nDSN\nSIZE\nENHANCEDSTATUSCODES"};
  auto caps = ParseEhlo(reply);
  EXPECT_TRUE(caps.starttls);
  EXPECT_TRUE(caps.eight_bit_mime);
  EXPECT_TRUE(caps.smtputf8);
  EXPECT_TRUE(caps.dsn);
  EXPECT_EQ(caps.size, 0u);
  // The greeting line is the server's name, even when it reads like an extension.
  EXPECT_FALSE(ParseEhlo({250, "STARTTLS"}).starttls);
}

TEST(DataPayload, NoMalformedEndOfDataCanLeave) {
  EXPECT_EQ(DataPayload("a\r\nb\r\n"), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(DataPayload("a\nb"), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(DataPayload("a\rb\r"), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(DataPayload(".hidden\r\n..two\r\n"), "..hidden\r\n...two\r\n.\r\n");
  // Every smuggling shape becomes a dot-stuffed line, never an end of data.
  EXPECT_EQ(DataPayload("x\n.\nMAIL FROM:<evil>\r\n"), "x\r\n..\r\nMAIL FROM:<evil>\r\n.\r\n");
  EXPECT_EQ(DataPayload("x\r.\rRCPT"), "x\r\n..\r\nRCPT\r\n.\r\n");
  EXPECT_EQ(DataPayload("x\r\n.\r\n"), "x\r\n..\r\n.\r\n");
  EXPECT_EQ(DataPayload(""), ".\r\n");
  EXPECT_EQ(DataPayload("."), "..\r\n.\r\n");
}

// However the content is cut into pieces (a CRLF split between two, a dot at the
// start of a piece), the stuffed output is the same as for the whole.
TEST(DataPayload, PiecesStuffAsTheWholeDoes) {
  const std::string alphabet = ".\r\nab ";
  std::uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  for (int round = 0; round < 2000; ++round) {
    std::string content;
    for (std::size_t n = next() % 40; n > 0; --n) content += alphabet[next() % alphabet.size()];
    std::string pieces;
    DataStuffer stuffer;
    for (std::size_t pos = 0; pos < content.size();) {
      std::size_t len = std::min<std::size_t>(next() % 5, content.size() - pos);
      stuffer.Add(std::string_view(content).substr(pos, len), pieces);
      pos += len;
    }
    stuffer.Finish(pieces);
    ASSERT_EQ(pieces, DataPayload(content)) << "content: " << content;
  }
}

// The stuffer copies whole runs of a line at once; what it makes is what the rule says
// byte by byte: every line break CRLF, a dot that starts a line doubled, CRLF.CRLF last.
TEST(DataPayload, RunsStuffAsByteByByteRulesSay) {
  auto by_bytes = [](std::string_view in) {
    std::string out;
    bool line_start = true, after_cr = false;
    for (char c : in) {
      const bool lf_of_crlf = after_cr && c == '\n';
      after_cr = c == '\r';
      if (lf_of_crlf) continue;
      if (c == '\r' || c == '\n') {
        out += "\r\n";
        line_start = true;
        continue;
      }
      if (line_start && c == '.') out += '.';
      out += c;
      line_start = false;
    }
    if (!line_start) out += "\r\n";
    return out + ".\r\n";
  };
  const std::string alphabet = ".\r\nabcdefgh ";
  std::uint32_t seed = 777;
  auto next = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  for (int round = 0; round < 500; ++round) {
    std::string content;
    // Long runs too, past the 256-byte windows the line-break search works in.
    for (std::size_t n = next() % 1200; n > 0; --n) {
      content += next() % 8 == 0 ? alphabet[next() % 3] : alphabet[3 + next() % 9];
    }
    ASSERT_EQ(DataPayload(content), by_bytes(content)) << "content: " << content;
  }
  EXPECT_EQ(DataPayload(std::string(1000, 'x') + "\n." + std::string(700, 'y')),
            by_bytes(std::string(1000, 'x') + "\n." + std::string(700, 'y')));
}

TEST(Wire, DomainsAndXText) {
  EXPECT_EQ(DomainOf("Pat@Example.NET"), "example.net");
  EXPECT_EQ(DomainOf("\"a@b\"@c.test"), "c.test");
  EXPECT_EQ(DomainOf("nobody"), "");
  EXPECT_EQ(XText("a+b=c d"), "a+2Bb+3Dc+20d");
}

TEST(Dsn, StatusCodes) {
  EXPECT_EQ(StatusOfReply("550 5.1.1 no such user"), "5.1.1");
  EXPECT_EQ(StatusOfReply("554 5.7.1234 policy"), "5.0.0");  // detail has at most 3 digits
  EXPECT_EQ(StatusOfReply("550 no such user"), "5.0.0");
  EXPECT_EQ(StatusOfReply("452 4.2.2 mailbox full"), "4.2.2");
  EXPECT_EQ(StatusOfReply("550 4.2.2 mixed"), "5.0.0");  // the classes must agree
}

TEST(Dsn, IsAMultipartReportWithTheHeaderOnly) {
  DsnInput in;
  in.reporting_mta = "gw.clinic.example";
  in.organisation = "Clinic";
  in.to = "doctor@clinic.example";
  in.envelope_id = "env1";
  in.arrival = 1795000000;
  in.now = 1795000100;
  in.recipients.push_back({"pat@home.test", "rfc822;Pat@home.test", false,
                           "550 5.1.1 no such user", "", "mx.home.test", 1795000100});
  in.recipients.push_back({"x@gone.test", "", false, "", "5.1.2 domain gone.test does not exist",
                           "", 1795000100});
  in.original = "Subject: results\r\nFrom: doctor@clinic.example\r\n\r\nsecret link\r\n";
  auto dsn = BuildDsn(in);
  ASSERT_TRUE(dsn.ok());
  EXPECT_NE(dsn->find("Content-Type: multipart/report; report-type=delivery-status;"),
            std::string::npos);
  EXPECT_NE(dsn->find("Original-Envelope-Id: env1\r\n"), std::string::npos);
  EXPECT_NE(dsn->find("Original-Recipient: rfc822;Pat@home.test\r\n"), std::string::npos);
  EXPECT_NE(dsn->find("Status: 5.1.1\r\n"), std::string::npos);
  EXPECT_NE(dsn->find("Status: 5.1.2\r\n"), std::string::npos);
  EXPECT_NE(dsn->find("Subject: results\r\nFrom: doctor@clinic.example\r\n"), std::string::npos);
  EXPECT_EQ(dsn->find("secret link"), std::string::npos);
  EXPECT_EQ(dsn->find("\n\n"), std::string::npos);
  for (std::size_t i = 0; i < dsn->size(); ++i) {
    if ((*dsn)[i] == '\n') {
      EXPECT_EQ((*dsn)[i - 1], '\r');
    }
  }
  in.to = "a@b\r\nBcc: x@y";
  EXPECT_FALSE(BuildDsn(in).ok());
}

}  // namespace
}  // namespace sealpost::delivery
