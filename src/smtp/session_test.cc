// Transcript tests of the SMTP state machine over an in-memory "connection": a tiny
// driver plays the network, the TLS handshake, the password check and the queue.
#include "smtp/session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <utility>

#include "base/encoding.h"

namespace sealpost::smtp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Committed {
  Envelope envelope;
  std::string message;
};

class Transcript {
 public:
  explicit Transcript(SessionOptions options = {}, SessionLimits limits = {})
      : session_(std::move(options), limits) {
    session_.Start();
    Run();
    greeting_ = std::exchange(said_, {});
  }

  // Sends bytes as one read (or byte by byte) and returns everything the server said.
  std::string Send(std::string_view bytes, bool byte_by_byte = false) {
    if (byte_by_byte) {
      for (char c : bytes) {
        session_.Receive(std::string_view(&c, 1));
        Run();
      }
    } else {
      session_.Receive(bytes);
      Run();
    }
    return std::exchange(said_, {});
  }

  std::string Said() { return std::exchange(said_, {}); }

  // Greets, starts TLS and logs in as alice.
  void LogIn() {
    Send("EHLO client.example\r\nSTARTTLS\r\n");
    Send("EHLO client.example\r\n");
    Send("AUTH PLAIN " + Base64Encode(std::string("\0alice@example.org\0secret", 25)) + "\r\n");
  }

  bool closed() const { return closed_; }
  const std::string& greeting() const { return greeting_; }
  int tls_starts() const { return tls_starts_; }
  const std::vector<Committed>& messages() const { return messages_; }
  Session& session() { return session_; }

 private:
  void Run() {
    for (;;) {
      Session::Step step = session_.Next();
      said_ += session_.TakeOutput();
      switch (step) {
        case Session::Step::kNeedInput:
          return;
        case Session::Step::kClose:
          closed_ = true;
          return;
        case Session::Step::kStartTls:
          ++tls_starts_;
          session_.TlsStarted();
          break;
        case Session::Step::kAuthenticate: {
          bool ok = session_.AuthUser() == "alice@example.org" &&
                    session_.AuthPassword().view() == "secret";
          session_.AuthResult(ok, {"alice@example.org", "billing@example.org"});
          break;
        }
        case Session::Step::kMessage:
          messages_.push_back({session_.envelope(), session_.TakeMessage()});
          session_.Committed("Q" + std::to_string(messages_.size()));
          break;
      }
    }
  }

  Session session_;
  std::string said_;
  std::string greeting_;
  bool closed_ = false;
  int tls_starts_ = 0;
  std::vector<Committed> messages_;
};

const char kMail[] =
    "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n";

TEST(SmtpSession, GreetsAndAdvertisesStartTlsButNotAuthBeforeTls) {
  Transcript t;
  EXPECT_EQ(t.greeting(), "220 localhost ESMTP sealpost\r\n");
  std::string ehlo = t.Send("EHLO client.example\r\n");
  EXPECT_THAT(ehlo, HasSubstr("250 STARTTLS\r\n"));
  EXPECT_THAT(ehlo, HasSubstr("250-PIPELINING\r\n"));
  EXPECT_THAT(ehlo, HasSubstr("250-SIZE 26214400\r\n"));
  EXPECT_THAT(ehlo, HasSubstr("250-8BITMIME\r\n"));
  EXPECT_THAT(ehlo, HasSubstr("250-ENHANCEDSTATUSCODES\r\n"));
  EXPECT_THAT(ehlo, HasSubstr("250-SMTPUTF8\r\n"));
  EXPECT_THAT(ehlo, HasSubstr("250-DSN\r\n"));
  EXPECT_THAT(ehlo, Not(HasSubstr("AUTH")));
}

TEST(SmtpSession, GreetingLine) {
  Session s({}, {});
  s.Start();
  EXPECT_EQ(s.TakeOutput(), "220 localhost ESMTP sealpost\r\n");
}

TEST(SmtpSession, AuthIsRefusedBeforeTls) {
  Transcript t;
  t.Send("EHLO c\r\n");
  std::string reply =
      t.Send("AUTH PLAIN " + Base64Encode(std::string("\0alice@example.org\0secret", 25)) + "\r\n");
  EXPECT_EQ(reply, "530 5.7.0 Must issue a STARTTLS command first\r\n");
  EXPECT_FALSE(t.session().authenticated());
  EXPECT_EQ(t.Send("MAIL FROM:<alice@example.org>\r\n"),
            "530 5.7.0 Must issue a STARTTLS command first\r\n");
}

TEST(SmtpSession, AuthIsOfferedAndAcceptedInsideTls) {
  Transcript t;
  t.Send("EHLO c\r\n");
  EXPECT_EQ(t.Send("STARTTLS\r\n"), "220 2.0.0 Ready to start TLS\r\n");
  EXPECT_EQ(t.tls_starts(), 1);
  std::string ehlo = t.Send("EHLO c\r\n");
  EXPECT_THAT(ehlo, HasSubstr("AUTH PLAIN LOGIN"));
  EXPECT_THAT(ehlo, Not(HasSubstr("STARTTLS")));
  EXPECT_EQ(t.Send("AUTH PLAIN " +
                   Base64Encode(std::string("\0alice@example.org\0secret", 25)) + "\r\n"),
            "235 2.7.0 Authentication successful\r\n");
  EXPECT_TRUE(t.session().authenticated());
}

TEST(SmtpSession, AuthLoginAndPlainWithoutInitialResponse) {
  Transcript t;
  t.Send("EHLO c\r\nSTARTTLS\r\n");
  t.Send("EHLO c\r\n");
  EXPECT_EQ(t.Send("AUTH LOGIN\r\n"), "334 VXNlcm5hbWU6\r\n");
  EXPECT_EQ(t.Send(Base64Encode("alice@example.org") + "\r\n"), "334 UGFzc3dvcmQ6\r\n");
  EXPECT_EQ(t.Send(Base64Encode("secret") + "\r\n"), "235 2.7.0 Authentication successful\r\n");

  Transcript p;
  p.Send("EHLO c\r\nSTARTTLS\r\n");
  p.Send("EHLO c\r\n");
  EXPECT_EQ(p.Send("AUTH PLAIN\r\n"), "334 \r\n");
  EXPECT_EQ(p.Send(Base64Encode(std::string("\0alice@example.org\0secret", 25)) + "\r\n"),
            "235 2.7.0 Authentication successful\r\n");
}

TEST(SmtpSession, UserNamesWithControlCharactersAreRefused) {
  // Found by the fuzzer: a user name is echoed in replies, so CR/LF in it could split one.
  Transcript t;
  t.Send("EHLO c\r\nSTARTTLS\r\n");
  t.Send("EHLO c\r\n");
  EXPECT_EQ(t.Send("AUTH PLAIN " + Base64Encode(std::string("\0a@b\r\n250 x\0secret", 18)) + "\r\n"),
            "501 5.5.2 Malformed user name\r\n");
  t.Send("AUTH LOGIN\r\n");
  EXPECT_EQ(t.Send(Base64Encode("a\rb") + "\r\n"), "501 5.5.2 Malformed user name\r\n");
}

TEST(SmtpSession, WrongPasswordsCloseAfterThree) {
  Transcript t;
  t.Send("EHLO c\r\nSTARTTLS\r\n");
  t.Send("EHLO c\r\n");
  std::string bad = "AUTH PLAIN " + Base64Encode(std::string("\0alice@example.org\0nope", 23)) + "\r\n";
  EXPECT_EQ(t.Send(bad), "535 5.7.8 Authentication credentials invalid\r\n");
  EXPECT_EQ(t.Send(bad), "535 5.7.8 Authentication credentials invalid\r\n");
  EXPECT_THAT(t.Send(bad), HasSubstr("421 4.7.0 localhost Too many failed logins"));
  EXPECT_TRUE(t.closed());
}

TEST(SmtpSession, AuthCancelAndGarbage) {
  Transcript t;
  t.Send("EHLO c\r\nSTARTTLS\r\n");
  t.Send("EHLO c\r\n");
  t.Send("AUTH LOGIN\r\n");
  EXPECT_EQ(t.Send("*\r\n"), "501 5.0.0 Authentication cancelled\r\n");
  EXPECT_EQ(t.Send("AUTH PLAIN !!!\r\n"), "501 5.5.2 Cannot decode the response\r\n");
  EXPECT_EQ(t.Send("AUTH CRAM-MD5\r\n"),
            "504 5.5.4 Unrecognised authentication type; use PLAIN or LOGIN\r\n");
  EXPECT_EQ(t.Send("AUTH PLAIN " + Base64Encode(std::string("bob\0alice@example.org\0secret", 28)) +
                   "\r\n"),
            "535 5.7.8 Acting for another user is not allowed\r\n");
}

TEST(SmtpSession, AcceptsAMessageWithDotStuffing) {
  Transcript t;
  t.LogIn();
  EXPECT_EQ(t.Send(kMail),
            "250 2.1.0 Sender ok\r\n250 2.1.5 Recipient ok\r\n"
            "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(t.Send("Subject: hi\r\n\r\n..leading dot\r\n.\r\n"),
            "250 2.0.0 Ok: queued as Q1\r\n");
  ASSERT_EQ(t.messages().size(), 1u);
  EXPECT_EQ(t.messages()[0].message, "Subject: hi\r\n\r\n.leading dot\r\n");
  EXPECT_EQ(t.messages()[0].envelope.mail_from, "alice@example.org");
  EXPECT_EQ(t.messages()[0].envelope.auth_user, "alice@example.org");
  ASSERT_EQ(t.messages()[0].envelope.recipients.size(), 1u);
  EXPECT_EQ(t.messages()[0].envelope.recipients[0].address, "bob@example.net");
}

TEST(SmtpSession, SameResultWhenBytesArriveOneByOne) {
  Transcript t;
  t.LogIn();
  std::string all = t.Send(std::string(kMail) + "a\r\n.\r\nQUIT\r\n", true);
  EXPECT_THAT(all, HasSubstr("250 2.0.0 Ok: queued as Q1\r\n221 2.0.0 Bye\r\n"));
  ASSERT_EQ(t.messages().size(), 1u);
  EXPECT_EQ(t.messages()[0].message, "a\r\n");
}

TEST(SmtpSession, PipelinedCommandsGetTheirRepliesInOrder) {
  Transcript t;
  t.LogIn();
  std::string reply = t.Send(
      "MAIL FROM:<alice@example.org> BODY=8BITMIME SIZE=100\r\n"
      "RCPT TO:<a@example.net>\r\nRCPT TO:<bad address>\r\nRCPT TO:<b@example.net>\r\n"
      "DATA\r\nhello\r\n.\r\nRSET\r\nNOOP\r\n");
  EXPECT_EQ(reply,
            "250 2.1.0 Sender ok\r\n"
            "250 2.1.5 Recipient ok\r\n"
            "501 5.5.4 Syntax: RCPT TO:<address> [parameters]\r\n"
            "250 2.1.5 Recipient ok\r\n"
            "354 End data with <CR><LF>.<CR><LF>\r\n"
            "250 2.0.0 Ok: queued as Q1\r\n"
            "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n");
  ASSERT_EQ(t.messages().size(), 1u);
  EXPECT_EQ(t.messages()[0].envelope.recipients.size(), 2u);
  EXPECT_EQ(t.messages()[0].envelope.body, "8BITMIME");
}

TEST(SmtpSession, StartTlsInjectionIsDiscarded) {
  // CVE-2011-0411: commands sent in clear behind STARTTLS must not run inside TLS.
  Transcript t;
  t.Send("EHLO c\r\n");
  std::string reply = t.Send("STARTTLS\r\nRSET\r\nMAIL FROM:<alice@example.org>\r\n");
  EXPECT_EQ(reply, "220 2.0.0 Ready to start TLS\r\n");
  EXPECT_EQ(t.tls_starts(), 1);
  // Nothing of the injected commands ran: the session is not even greeted.
  EXPECT_EQ(t.Send("MAIL FROM:<alice@example.org>\r\n"), "503 5.5.1 Send EHLO first\r\n");
}

TEST(SmtpSession, SenderMustBeAllowedForTheUser) {
  Transcript t;
  t.LogIn();
  EXPECT_EQ(t.Send("MAIL FROM:<mallory@example.org>\r\n"),
            "553 5.7.1 Sender address <mallory@example.org> is not allowed for "
            "alice@example.org\r\n");
  EXPECT_EQ(t.Send("MAIL FROM:<billing@EXAMPLE.org>\r\n"), "250 2.1.0 Sender ok\r\n");
}

TEST(SmtpSession, TrustedClientNeedsNoAuth) {
  SessionOptions options;
  options.trusted_client = true;
  Transcript t(options);
  t.Send("EHLO device\r\n");
  EXPECT_EQ(t.Send("MAIL FROM:<scanner@example.org>\r\n"), "250 2.1.0 Sender ok\r\n");
}

TEST(SmtpSession, NullSenderAndBadParameters) {
  Transcript t;
  t.LogIn();
  EXPECT_THAT(t.Send("MAIL FROM:<>\r\n"), HasSubstr("553 5.7.1"));
  EXPECT_THAT(t.Send("MAIL FROM:<alice@example.org> SIZE=999999999999\r\n"),
              HasSubstr("552 5.3.4"));
  EXPECT_THAT(t.Send("MAIL FROM:<alice@example.org> FOO=1\r\n"),
              HasSubstr("555 5.5.4 Unsupported parameter FOO"));
  EXPECT_THAT(t.Send("MAIL FROM:<alice@example.org> BODY=BINARYMIME\r\n"), HasSubstr("501"));
  EXPECT_EQ(t.Send("MAIL FROM:<alice@example.org> RET=HDRS ENVID=abc+2B1\r\n"),
            "250 2.1.0 Sender ok\r\n");
  EXPECT_EQ(t.Send("RCPT TO:<b@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.net\r\n"),
            "250 2.1.5 Recipient ok\r\n");
  EXPECT_THAT(t.Send("RCPT TO:<c@example.net> NOTIFY=SOMETIMES\r\n"), HasSubstr("501"));
  EXPECT_EQ(t.session().envelope().ret, "HDRS");
  EXPECT_EQ(t.session().envelope().envid, "abc+2B1");
  EXPECT_EQ(t.session().envelope().recipients[0].notify, "SUCCESS,FAILURE");
  EXPECT_EQ(t.session().envelope().recipients[0].orcpt, "rfc822;b@example.net");
}

TEST(SmtpSession, Smtputf8AddressesNeedTheParameter) {
  Transcript t;
  SessionOptions options;
  options.trusted_client = true;
  Transcript u(options);
  u.Send("EHLO c\r\n");
  EXPECT_THAT(u.Send("MAIL FROM:<scanner@example.org>\r\nRCPT TO:<j\xc3\xb6rg@example.de>\r\n"),
              HasSubstr("553 5.1.3 Bad recipient address: non-ASCII address needs the SMTPUTF8"));
  u.Send("RSET\r\n");
  EXPECT_EQ(u.Send("MAIL FROM:<scanner@example.org> SMTPUTF8\r\nRCPT TO:<j\xc3\xb6rg@example.de>\r\n"),
            "250 2.1.0 Sender ok\r\n250 2.1.5 Recipient ok\r\n");
  EXPECT_THAT(u.Send("RCPT TO:<j\xc3rg@example.de>\r\n"), HasSubstr("not valid UTF-8"));
}

TEST(SmtpSession, RecipientLimit) {
  SessionLimits limits;
  limits.max_recipients = 100;
  limits.max_errors = 1000;
  Transcript t({}, limits);
  t.LogIn();
  std::string cmds = "MAIL FROM:<alice@example.org>\r\n";
  for (int i = 0; i < 101; ++i) cmds += "RCPT TO:<r" + std::to_string(i) + "@example.net>\r\n";
  std::string reply = t.Send(cmds);
  std::size_t ok = 0, pos = 0;
  while ((pos = reply.find("250 2.1.5", pos)) != std::string::npos) ++ok, ++pos;
  EXPECT_EQ(ok, 100u);
  EXPECT_THAT(reply, HasSubstr("452 4.5.3 Too many recipients"));
}

TEST(SmtpSession, OverlongCommandLineClosesWithoutBuffering) {
  Transcript t;
  std::string reply = t.Send(std::string(600, 'A'));
  EXPECT_EQ(reply, "500 5.5.2 Line too long\r\n");
  EXPECT_TRUE(t.closed());
  // A line of exactly 512 octets with CRLF is fine.
  Transcript u;
  EXPECT_EQ(u.Send("NOOP " + std::string(505, 'x') + "\r\n"), "250 2.0.0 Ok\r\n");
  Transcript v;
  EXPECT_EQ(v.Send("NOOP " + std::string(506, 'x') + "\r\n"), "500 5.5.2 Line too long\r\n");
}

TEST(SmtpSession, OverlongTextLineRefusesTheMessageButKeepsTheSession) {
  Transcript t;
  t.LogIn();
  t.Send(kMail);
  std::string reply = t.Send(std::string(5000, 'x'));  // no line end yet: not kept
  EXPECT_EQ(reply, "");
  reply = t.Send("\r\nnext\r\n.\r\nNOOP\r\n");
  EXPECT_EQ(reply, "554 5.6.0 Message has a line longer than 1000 octets\r\n250 2.0.0 Ok\r\n");
  EXPECT_TRUE(t.messages().empty());
  EXPECT_FALSE(t.closed());
}

TEST(SmtpSession, SizeIsEnforcedWhileReading) {
  SessionLimits limits;
  limits.max_message_bytes = 1000;
  Transcript t({}, limits);
  t.LogIn();
  t.Send(kMail);
  for (int i = 0; i < 100; ++i) t.Send(std::string(98, 'y') + "\r\n");
  EXPECT_EQ(t.Send(".\r\n"), "552 5.3.4 Message size exceeds the maximum of 1000 bytes\r\n");
  EXPECT_TRUE(t.messages().empty());
  EXPECT_EQ(t.session().TakeMessage(), "");  // nothing of it was kept
}

TEST(SmtpSession, NulInDataRefusesTheMessage) {
  Transcript t;
  t.LogIn();
  t.Send(kMail);
  EXPECT_EQ(t.Send(std::string("a\0b\r\n.\r\n", 8)), "554 5.6.0 Message contains a NUL character\r\n");
  EXPECT_TRUE(t.messages().empty());
}

TEST(SmtpSession, BareLineEndsInCommandsClose) {
  for (std::string cmd : {"EHLO c\n", "EHLO c\rX", "NOOP\n\r\n"}) {
    Transcript t;
    std::string reply = t.Send(cmd);
    EXPECT_THAT(reply, HasSubstr("500 5.5.2 Bare")) << cmd;
    EXPECT_TRUE(t.closed()) << cmd;
  }
}

// Every end-of-data variant of the SMTP smuggling family. After the fake end, the
// attacker's second message follows, then a real end. Either the session closes on the
// bare CR/LF (nothing accepted), or the fake end is ordinary data: never two messages.
TEST(SmtpSession, NoSmugglingVariantMakesTwoMessages) {
  const std::vector<std::string> fake_ends = {
      "\n.\n",       "\n.\r\n",     "\r.\r",       "\r.\n",       "\r.\r\n",
      "\n.\r",       "\r\n.\n",     "\r\n.\r",     "\r\n.\r\r\n", "\r\r\n.\r\r\n",
      std::string("\r\n\0.\r\n", 6), std::string("\r\n.\0\r\n", 6), "\n\n.\r\n",
  };
  const std::string smuggled =
      "MAIL FROM:<alice@example.org>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\n"
      "From: ceo@example.org\r\n\r\nsmuggled\r\n";
  for (const auto& fake : fake_ends) {
    for (bool byte_by_byte : {false, true}) {
      Transcript t;
      t.LogIn();
      t.Send(kMail);
      std::string reply =
          t.Send("Subject: first\r\n\r\nbody" + fake + smuggled + ".\r\n", byte_by_byte);
      EXPECT_LE(t.messages().size(), 1u) << testing::PrintToString(fake);
      for (const auto& m : t.messages()) {
        EXPECT_EQ(m.envelope.recipients.size(), 1u);
        EXPECT_EQ(m.envelope.recipients[0].address, "bob@example.net");
      }
      EXPECT_THAT(reply, Not(HasSubstr("queued as Q2"))) << testing::PrintToString(fake);
    }
  }
}

TEST(SmtpSession, OrderingErrorsAndTooManyErrors) {
  Transcript t;
  EXPECT_EQ(t.Send("MAIL FROM:<a@example.org>\r\n"), "503 5.5.1 Send EHLO first\r\n");
  t.Send("EHLO c\r\n");
  EXPECT_EQ(t.Send("RCPT TO:<a@example.org>\r\n"), "503 5.5.1 Need MAIL command first\r\n");
  EXPECT_EQ(t.Send("DATA\r\n"), "503 5.5.1 Need MAIL command first\r\n");
  EXPECT_EQ(t.Send("BDAT 10\r\n"), "502 5.5.1 BDAT is not implemented\r\n");
  EXPECT_EQ(t.Send("WHAT\r\n"), "500 5.5.2 Command not recognised\r\n");
  EXPECT_EQ(t.Send("HELO\r\n"), "501 5.5.4 Syntax: HELO hostname\r\n");
  EXPECT_EQ(t.Send(std::string("NO\x01OP\r\n")), "500 5.5.2 Invalid character in command\r\n");
  std::string last;
  for (int i = 0; i < 5 && !t.closed(); ++i) last = t.Send("WHAT\r\n");
  EXPECT_TRUE(t.closed());
  EXPECT_THAT(last, HasSubstr("421 4.7.0 localhost Too many errors"));
}

TEST(SmtpSession, DataWithoutRecipientsAndCommitFailure) {
  Transcript t;
  t.LogIn();
  t.Send("MAIL FROM:<alice@example.org>\r\n");
  EXPECT_EQ(t.Send("DATA\r\n"), "554 5.5.1 No valid recipients\r\n");
  SessionOptions trusted;
  trusted.trusted_client = true;
  Session d(trusted, {});
  d.Receive("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nx\r\n.\r\n");
  ASSERT_EQ(d.Next(), Session::Step::kMessage);
  d.NotCommitted("451 4.3.0 Could not store the message; try again later");
  ASSERT_EQ(d.Next(), Session::Step::kNeedInput);
  EXPECT_THAT(d.TakeOutput(), HasSubstr("354 End data with <CR><LF>.<CR><LF>\r\n"
                                        "451 4.3.0 Could not store the message"));
  // The transaction is over: DATA again needs a new MAIL.
  d.Receive("DATA\r\n");
  d.Next();
  EXPECT_EQ(d.TakeOutput(), "503 5.5.1 Need MAIL command first\r\n");
}

}  // namespace
}  // namespace sealpost::smtp
