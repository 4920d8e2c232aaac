#include <gtest/gtest.h>

#include "base/temp_dir.h"

#include <filesystem>

#include "crypto/primitives.h"
#include "crypto/random.h"
#include "crypto/signing.h"
#include "escrow/escrow_service.h"
#include "escrow/escrow_test_world.h"
#include "escrow/message_center.h"
#include "store/sqlite/stores.h"

namespace sealpost {
namespace {

class EscrowServiceTest : public ::testing::Test {
 protected:
  SubmitResult Send(bool read_receipt = false, bool login = false, std::string attachment = "") {
    SealInput in;
    in.read_receipt = read_receipt;
    in.account = "default";
    in.from = "dr@clinic.test";
    in.subject = "Results";
    in.text = "All fine.";
    in.expires_at = clock_.NowUnix() + 86400;
    in.recipients.push_back({"pat@home.test", "to", "Pet's name?", "Rex", "why", false, ""});
    if (login) in.recipients.back() = {"Pat@Home.test", "to", "", "", "why", false, "", true};
    auto draft = world_.escrow->BeginDraft();
    if (!attachment.empty()) {
      EXPECT_TRUE(draft->StartAttachment("scan.pdf", "application/pdf").ok());
      EXPECT_TRUE(draft->AppendAttachment(attachment).ok());
      EXPECT_TRUE(draft->FinishAttachment().ok());
    }
    auto result = world_.escrow->Submit(std::move(draft), in, "192.0.2.1");
    EXPECT_TRUE(result.ok()) << result.error().ToString();
    return *result;
  }

  // The link secret, recovered from the queued notice as the recipient would.
  LinkToken LinkFromNotice(const std::string& recipient_id) {
    auto due = world_.queue->Due(clock_.NowUnix(), 100);
    EXPECT_TRUE(due.ok());
    for (const auto& q : *due) {
      if (q.recipient_id != recipient_id) continue;
      auto mail = *world_.keys->queue().Open(q.sealed_content, QueueContentAad(q.id));
      // The text part is quoted-printable: undo its soft line breaks.
      for (auto soft = mail.find("=\r\n"); soft != std::string::npos; soft = mail.find("=\r\n")) {
        mail.erase(soft, 3);
      }
      auto at = mail.find("https://portal.test/m/");
      EXPECT_NE(at, std::string::npos);
      std::string token = mail.substr(at + 22, 32 + 1 + 43);
      return std::move(*ParseLinkToken(token));
    }
    ADD_FAILURE() << "no notice queued";
    return {};
  }

  ManualClock clock_{1'700'000'000};
  int notified_ = 0;
  sqlite::Faults faults_;  // the disk fails when a test says (outlives world_)
  EscrowTestWorld world_{clock_, [this] { ++notified_; }, &faults_};
};

TEST_F(EscrowServiceTest, SubmitQueuesNoticeAndAnswerOpens) {
  SubmitResult sent = Send();
  EXPECT_EQ(notified_, 1);
  ASSERT_EQ(sent.recipients.size(), 1u);
  LinkToken link = LinkFromNotice(sent.recipients[0].id);
  auto state = world_.escrow->CheckLink(link.recipient_id, link.secret, "198.51.100.7", true);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->question, "Pet's name?");
  auto key = world_.escrow->Answer(*state, link.secret, "  REX ", "198.51.100.7");
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  auto manifest = world_.escrow->Read(*state, *key, "198.51.100.7");
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(manifest->manifest.text, "All fine.");
  auto status = world_.escrow->Status(sent.message_id, "default");
  EXPECT_EQ(ReportedStatus(status->message.recipients[0], *status), "viewed");
  EXPECT_EQ(world_.escrow->Status(sent.message_id, "other-account").error().code, ErrorCode::kNotFound);

  std::vector<std::string> types;
  auto events = world_.escrow->Events(sent.message_id);
  ASSERT_TRUE(events.ok());
  for (const auto& e : *events) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<std::string>{"accepted", "notice_queued", "link_opened",
                                              "verified", "viewed"}));
}

TEST_F(EscrowServiceTest, FiveWrongAnswersLock) {
  SubmitResult sent = Send();
  LinkToken link = LinkFromNotice(sent.recipients[0].id);
  auto state = *world_.escrow->CheckLink(link.recipient_id, link.secret, "203.0.113.9", true);
  for (int i = 1; i <= 4; ++i) {
    auto r = world_.escrow->Answer(state, link.secret, "Fido", "203.0.113.9");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(r.error().message, std::to_string(5 - i));  // attempts left
  }
  auto fifth = world_.escrow->Answer(state, link.secret, "Fido", "203.0.113.9");
  EXPECT_EQ(fifth.error().code, ErrorCode::kFailedPrecondition);
  // Now even the right answer is refused.
  auto right = world_.escrow->Answer(state, link.secret, "Rex", "203.0.113.9");
  EXPECT_EQ(right.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(right.error().message, "locked");
  auto status = *world_.escrow->Status(sent.message_id, "default");
  EXPECT_EQ(ReportedStatus(status.message.recipients[0], status), "locked");
  // The sender is told, once, from the null sender, with nothing of the content.
  int lock_notices = 0;
  auto queued = world_.queue->ForMessage(sent.message_id);
  ASSERT_TRUE(queued.ok());
  for (const auto& q : *queued) {
    if (q.recipient_id == sent.recipients[0].id) continue;  // the notice itself
    auto content = (*world_.queue->Find(q.id))->sealed_content;  // listings carry none
    auto mail = *world_.keys->queue().Open(content, QueueContentAad(q.id));
    EXPECT_EQ(q.mail_from, "");
    EXPECT_EQ(q.rcpt_to, "dr@clinic.test");
    EXPECT_NE(mail.find("Subject: Locked: your secure message to pat@home.test"), std::string::npos);
    EXPECT_EQ(mail.find("All fine"), std::string::npos);
    ++lock_notices;
  }
  EXPECT_EQ(lock_notices, 1);
}

// The portal's answer path on a disk that fails (issue 23): a right answer and a wrong
// one meet the same error, so a failing disk neither lets guesses go uncounted nor tells
// right from wrong; once it works again, the count is as it was and the right answer
// opens the copy.
TEST_F(EscrowServiceTest, OnAFailingDiskRightAndWrongAnswersFailAlikeAndNothingIsLost) {
  SubmitResult sent = Send();
  LinkToken link = LinkFromNotice(sent.recipients[0].id);
  auto state = *world_.escrow->CheckLink(link.recipient_id, link.secret, "203.0.113.9", true);
  auto counted = world_.escrow->Answer(state, link.secret, "Fido", "203.0.113.9");
  ASSERT_EQ(counted.error().message, "4");
  for (bool full : {true, false}) {
    for (const char* answer : {"Rex", "Fido"}) {
      if (full) {
        faults_.DiskFull(true);
      } else {
        faults_.FailWrite(0);
      }
      auto r = world_.escrow->Answer(state, link.secret, answer, "203.0.113.9");
      faults_.Clear();
      ASSERT_FALSE(r.ok()) << answer;
      EXPECT_EQ(r.error().code, full ? ErrorCode::kResourceExhausted : ErrorCode::kIo) << answer;
    }
  }
  EXPECT_EQ((*world_.messages->FindRecipient(sent.recipients[0].id))->failures, 1);
  auto key = world_.escrow->Answer(state, link.secret, "Rex", "203.0.113.9");
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(world_.escrow->Read(state, *key, "203.0.113.9")->manifest.text, "All fine.");
}

TEST_F(EscrowServiceTest, LoginRecipientOpensOnlyForTheirOwnAccount) {
  SubmitResult sent = Send(false, true);
  auto stored = *world_.messages->FindRecipient(sent.recipients[0].id);
  EXPECT_EQ(stored->verification, "login");
  EXPECT_TRUE(stored->answer_hash.empty());
  LinkToken link = LinkFromNotice(sent.recipients[0].id);
  auto state = *world_.escrow->CheckLink(link.recipient_id, link.secret, "203.0.113.9", true);
  EXPECT_EQ(state.question, "");
  // No answer opens it, not even an empty one.
  EXPECT_EQ(world_.escrow->Answer(state, link.secret, "", "x").error().message, "login");
  EXPECT_EQ(world_.escrow->OpenByLogin(state, link.secret, "mallory@home.test", "x").error().code,
            ErrorCode::kPermissionDenied);
  // The key is still in the link: a forged secret unwraps nothing.
  EXPECT_FALSE(world_.escrow->OpenByLogin(state, RandomSecret(32), "pat@home.test", "x").ok());
  auto key = world_.escrow->OpenByLogin(state, link.secret, "PAT@home.test", "203.0.113.9");
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(world_.escrow->Read(state, *key, "203.0.113.9")->manifest.text, "All fine.");
  // Wrong passwords count toward the same lock as wrong answers.
  for (int left = 4; left >= 1; --left) {
    EXPECT_EQ(*world_.escrow->CountFailure(state, "x", "login_failed"), left);
  }
  EXPECT_EQ(world_.escrow->CountFailure(state, "x", "login_failed").error().message, "locked");
  EXPECT_EQ(world_.escrow->OpenByLogin(state, link.secret, "pat@home.test", "x").error().message,
            "locked");
}

TEST_F(EscrowServiceTest, ForgedAndExpiredLinks) {
  SubmitResult sent = Send();
  LinkToken link = LinkFromNotice(sent.recipients[0].id);
  EXPECT_EQ(world_.escrow->CheckLink(link.recipient_id, RandomSecret(32), "x", true).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(world_.escrow->CheckLink(std::string(32, 'a'), link.secret, "x", true).error().code,
            ErrorCode::kNotFound);
  EXPECT_FALSE(ParseLinkToken("nonsense").ok());
  EXPECT_FALSE(ParseLinkToken(std::string(32, 'a') + ".short").ok());

  auto state = *world_.escrow->CheckLink(link.recipient_id, link.secret, "x", true);
  clock_.Advance(86400);
  auto r = world_.escrow->Answer(state, link.secret, "Rex", "x");
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().message, "expired");
  auto status = *world_.escrow->Status(sent.message_id, "default");
  EXPECT_EQ(ReportedStatus(status.message.recipients[0], status), "expired");
}

TEST_F(EscrowServiceTest, RetractDestroysKeysAndBlobsAtOnce) {
  SubmitResult sent = Send(false, false, "%PDF scan");
  LinkToken link = LinkFromNotice(sent.recipients[0].id);
  auto before = *world_.escrow->CheckLink(link.recipient_id, link.secret, "x", true);
  auto blobs = before.message.blob_ids;
  ASSERT_FALSE(blobs.empty());
  ASSERT_EQ(world_.queue->ForMessage(sent.message_id)->size(), 1u);  // the notice, not yet sent
  EXPECT_EQ(world_.escrow->Retract(sent.message_id, "other-account", "x").error().code,
            ErrorCode::kNotFound);  // not theirs: as if it did not exist
  // A colleague in the same account (a user's credentials) reaches only their own mail.
  const MessageOwner colleague{"default", "nurse@clinic.test"};
  EXPECT_EQ(world_.escrow->Retract(sent.message_id, colleague, "x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(world_.escrow->SetExpiry(sent.message_id, colleague, 3, "x").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(world_.escrow->Status(sent.message_id, colleague).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(world_.escrow->Status(sent.message_id, MessageOwner{"default", "DR@clinic.test"}).ok());
  ASSERT_TRUE(world_.escrow->Retract(sent.message_id, "default", "192.0.2.5").ok());
  // Its recipients read "retracted": withdrawn, not merely expired.
  auto withdrawn = *world_.escrow->Status(sent.message_id, "default");
  EXPECT_EQ(ReportedStatus(withdrawn.message.recipients[0], withdrawn), "retracted");
  // The unsent notice is never sent.
  auto entries = *world_.queue->ForMessage(sent.message_id);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].state, QueueState::kSuperseded);
  EXPECT_TRUE(world_.queue->Due(clock_.NowUnix() + 86400, 100)->empty());
  // The right answer on a link checked before: refused, and not counted as wrong.
  auto r = world_.escrow->Answer(before, link.secret, "Rex", "x");
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().message, "retracted");
  auto after = *world_.escrow->CheckLink(link.recipient_id, link.secret, "x", false);
  EXPECT_TRUE(after.expired);
  EXPECT_TRUE(after.retracted);
  EXPECT_EQ(after.recipient.failures, 0);
  EXPECT_TRUE(after.recipient.wrapped_key.empty());
  EXPECT_TRUE(after.recipient.answer_hash.empty());
  for (const auto& b : blobs) EXPECT_FALSE(world_.blobs->Open(b).ok()) << b;
  EXPECT_FALSE(before.message.sealed_manifest.empty());
  EXPECT_TRUE((*world_.messages->Find(sent.message_id))->sealed_manifest.empty());
  EXPECT_EQ(world_.escrow->Retract(sent.message_id, "default", "x").error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(world_.escrow->SetExpiry(sent.message_id, "default", 5, "x").error().code,
            ErrorCode::kFailedPrecondition);
  auto events = *world_.escrow->Events(sent.message_id);
  EXPECT_EQ(events.back().type, "retracted");
  EXPECT_EQ(events.back().client_address, "192.0.2.5");
}

TEST_F(EscrowServiceTest, ExpiryMovesBothWaysAndTheSweepDestroysExpiredMessages) {
  SubmitResult sent = Send();  // expires in a day
  EXPECT_EQ(world_.escrow->SetExpiry(sent.message_id, "default", 0, "x").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(world_.escrow->SetExpiry(sent.message_id, "default", 3651, "x").error().code,
            ErrorCode::kInvalidArgument);
  auto later = world_.escrow->SetExpiry(sent.message_id, "default", 3, "x");
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(*later, clock_.NowUnix() + 3 * 86400);
  clock_.Advance(2 * 86400);  // past the first expiry, before the new one
  EXPECT_EQ(*world_.escrow->DestroyExpired(10), 0);
  LinkToken link = LinkFromNotice(sent.recipients[0].id);
  auto state = *world_.escrow->CheckLink(link.recipient_id, link.secret, "x", true);
  EXPECT_FALSE(state.expired);
  ASSERT_TRUE(world_.escrow->Answer(state, link.secret, "Rex", "x").ok());
  // Shortened to a day from now, then past it: the sweep destroys it.
  ASSERT_TRUE(world_.escrow->SetExpiry(sent.message_id, "default", 1, "x").ok());
  clock_.Advance(86400);
  EXPECT_EQ(*world_.escrow->DestroyExpired(10), 1);
  EXPECT_EQ(*world_.escrow->DestroyExpired(10), 0);
  auto gone = *world_.escrow->CheckLink(link.recipient_id, link.secret, "x", false);
  EXPECT_TRUE(gone.expired);
  EXPECT_FALSE(gone.retracted);
  EXPECT_TRUE(gone.recipient.wrapped_key.empty());
  for (const auto& b : gone.message.blob_ids) EXPECT_FALSE(world_.blobs->Open(b).ok()) << b;
  auto events = *world_.escrow->Events(sent.message_id);
  EXPECT_EQ(events.back().type, "expired");
  EXPECT_EQ(events.back().detail, "keys destroyed");
}

TEST_F(EscrowServiceTest, ReadReceiptGoesToTheSenderOnTheFirstViewOnly) {
  SubmitResult sent = Send(/*read_receipt=*/true);
  LinkToken link = LinkFromNotice(sent.recipients[0].id);
  auto state = *world_.escrow->CheckLink(link.recipient_id, link.secret, "x", true);
  auto key = *world_.escrow->Answer(state, link.secret, "Rex", "x");
  auto receipts = [&] {
    std::vector<std::string> out;
    auto due = world_.queue->Due(clock_.NowUnix(), 100);
    for (const auto& q : *due) {
      if (q.recipient_id.empty() && q.rcpt_to == "dr@clinic.test") {
        EXPECT_EQ(q.mail_from, "");  // the null sender: nothing comes back
        EXPECT_EQ(q.message_id, sent.message_id);
        out.push_back(*world_.keys->queue().Open(q.sealed_content, QueueContentAad(q.id)));
      }
    }
    return out;
  };
  EXPECT_TRUE(receipts().empty());  // verified is not viewed
  const int before = notified_;
  ASSERT_TRUE(world_.escrow->Read(state, key, "x").ok());
  auto first = receipts();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_NE(first[0].find("Subject: Read: your secure message to pat@home.test"), std::string::npos);
  EXPECT_EQ(first[0].find("All fine."), std::string::npos);  // nothing of the content
  EXPECT_EQ(notified_, before + 1);
  ASSERT_TRUE(world_.escrow->Read(state, key, "x").ok());
  EXPECT_EQ(receipts().size(), 1u);
  auto status = *world_.escrow->Status(sent.message_id, "default");
  EXPECT_EQ(ReportedStatus(status.message.recipients[0], status), "viewed");

  // Without the request, no receipt.
  SubmitResult plain = Send();
  LinkToken plain_link = LinkFromNotice(plain.recipients[0].id);
  auto plain_state = *world_.escrow->CheckLink(plain_link.recipient_id, plain_link.secret, "x", true);
  auto plain_key = *world_.escrow->Answer(plain_state, plain_link.secret, "Rex", "x");
  ASSERT_TRUE(world_.escrow->Read(plain_state, plain_key, "x").ok());
  EXPECT_EQ(receipts().size(), 1u);
}

TEST_F(EscrowServiceTest, SendersFixedSubjectReplacesTheServers) {
  SealInput in;
  in.account = "default";
  in.from = "dr@clinic.test";
  in.subject = "Results";
  in.text = "x";
  in.expires_at = clock_.NowUnix() + 86400;
  in.notice_subject = "Springfield Clinic: a secure message";
  in.recipients.push_back({"pat@home.test", "to", "Q?", "A", "", false, ""});
  ASSERT_TRUE(world_.escrow->Submit(world_.escrow->BeginDraft(), in, "x").ok());
  auto due = *world_.queue->Due(clock_.NowUnix(), 10);
  ASSERT_EQ(due.size(), 1u);
  auto mail = *world_.keys->queue().Open(due[0].sealed_content, QueueContentAad(due[0].id));
  EXPECT_NE(mail.find("Subject: Springfield Clinic: a secure message"), std::string::npos);
}

TEST_F(EscrowServiceTest, NoticeHidesSubjectByDefault) {
  SubmitResult sent = Send();
  auto due = *world_.queue->Due(clock_.NowUnix(), 10);
  ASSERT_EQ(due.size(), 1u);
  auto mail = *world_.keys->queue().Open(due[0].sealed_content, QueueContentAad(due[0].id));
  EXPECT_NE(mail.find("Subject: You have been sent a secure message"), std::string::npos);
  EXPECT_EQ(mail.find("Results"), std::string::npos);
  EXPECT_EQ(mail.find("All fine"), std::string::npos);
}

TEST_F(EscrowServiceTest, MessageCenterHoldsKeysOnlyForMessagesSealedWhileOn) {
  auto org = sqlite::NewOrgStore(*world_.db);
  NamespaceRecord north;
  north.name = "north";
  north.display_name = "North Clinic";
  north.colour = "#0b5394";
  ASSERT_TRUE(org->CreateNamespace(north).ok());
  CenterKeys center(*org, *world_.keys);
  EscrowSettings settings;
  settings.public_url = "https://portal.test";
  settings.notice_from = "notices@clinic.test";
  settings.find_namespace = [&org](const std::string& name) { return *org->FindNamespace(name); };
  settings.center = &center;
  world_.escrow.emplace(settings, *world_.sealer, *world_.opener, *world_.messages, *world_.events, *world_.keys, clock_, [] {});
  MessageCenter message_center(*world_.escrow, *world_.opener, *world_.messages, &center, clock_);
  auto send = [&](const std::string& subject) {
    SealInput in;
    in.account = "default";
    in.from = "dr@clinic.test";
    in.subject = subject;
    in.text = "Body of " + subject;
    in.expires_at = clock_.NowUnix() + 86400;
    in.namespace_name = "north";
    in.recipients.push_back({"Pat@Home.test", "to", "", "", "why", false, "", true});
    auto result = world_.escrow->Submit(world_.escrow->BeginDraft(), in, "192.0.2.1");
    EXPECT_TRUE(result.ok()) << result.error().ToString();
    return *result;
  };

  SubmitResult before = send("Before");  // the center is off
  EXPECT_TRUE(world_.messages->FindRecipient(before.recipients[0].id)->value().center_key.empty());
  EXPECT_TRUE(message_center.Center("north", "pat@home.test", 100)->empty());

  north.message_center = true;
  ASSERT_TRUE(org->UpdateNamespace(north).ok());
  SubmitResult held = send("Held");
  const std::string rid = held.recipients[0].id;
  EXPECT_FALSE(world_.messages->FindRecipient(rid)->value().center_key.empty());
  // The namespace key is made once, kept sealed, and the same for every reader.
  auto key = *center.KeyOf("north");
  EXPECT_EQ(CenterKeys(*org, *world_.keys).KeyOf("north")->view(), key.view());
  EXPECT_EQ(org->FindNamespace("north")->value().sealed_key.find(std::string(key.view())),
            std::string::npos);
  EXPECT_EQ(center.KeyOf("south").error().code, ErrorCode::kNotFound);

  auto entries = *message_center.Center("north", "pat@home.test", 100);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].subject, "Held");
  EXPECT_EQ(entries[0].item.recipient_id, rid);
  EXPECT_TRUE(message_center.Center("", "pat@home.test", 100)->empty());
  EXPECT_TRUE(message_center.Center("north", "sam@home.test", 100)->empty());

  // Opened without the link, for the account of that address in that namespace only.
  auto state = *world_.escrow->RecipientState(rid);
  auto data_key = message_center.OpenFromCenter(state, "north", "PAT@home.test", std::nullopt, "192.0.2.9");
  ASSERT_TRUE(data_key.ok()) << data_key.error().ToString();
  EXPECT_EQ(world_.escrow->Read(state, *data_key, "192.0.2.9")->manifest.text, "Body of Held");
  EXPECT_EQ(message_center.OpenFromCenter(state, "", "pat@home.test", std::nullopt, "x").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(message_center.OpenFromCenter(state, "south", "pat@home.test", std::nullopt, "x").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(message_center.OpenFromCenter(state, "north", "sam@home.test", std::nullopt, "x").error().code,
            ErrorCode::kNotFound);
  auto before_state = *world_.escrow->RecipientState(before.recipients[0].id);
  EXPECT_EQ(message_center.OpenFromCenter(before_state, "north", "pat@home.test", std::nullopt, "x").error().code,
            ErrorCode::kNotFound);

  // A copy the sender protected with a question (issue 18.1): the center asks it too,
  // and the center's wrapped key needs the answer — the namespace key alone is not enough.
  SealInput asked;
  asked.account = "default";
  asked.from = "dr@clinic.test";
  asked.subject = "Asked";
  asked.text = "Body of Asked";
  asked.expires_at = clock_.NowUnix() + 86400;
  asked.namespace_name = "north";
  asked.recipients.push_back({"pat@home.test", "to", "Pet's name?", "Rex", "why", false, ""});
  auto asked_sent = world_.escrow->Submit(world_.escrow->BeginDraft(), asked, "192.0.2.1");
  ASSERT_TRUE(asked_sent.ok()) << asked_sent.error().ToString();
  const std::string asked_rid = asked_sent->recipients[0].id;
  auto asked_copy = world_.messages->FindRecipient(asked_rid)->value();
  ASSERT_FALSE(asked_copy.center_key.empty());
  EXPECT_TRUE(asked_copy.answer_hash.empty());  // nothing faster than Argon2id to test
  EXPECT_EQ(CenterUnwrap(key, asked_copy.center_key, asked_sent->message_id, asked_rid)
                .error()
                .code,
            ErrorCode::kIntegrity);
  auto asked_state = *world_.escrow->RecipientState(asked_rid);
  EXPECT_EQ(world_.escrow->QuestionOf(asked_state).value(), "Pet's name?");
  auto unasked = message_center.OpenFromCenter(asked_state, "north", "pat@home.test", std::nullopt, "x");
  EXPECT_EQ(unasked.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(unasked.error().message, "question");
  auto wrong = message_center.OpenFromCenter(asked_state, "north", "pat@home.test", "Fido", "x");
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.error().message, "4");  // attempts left: it counts toward the lock
  auto right = message_center.OpenFromCenter(asked_state, "north", "pat@home.test", " REX", "x");
  ASSERT_TRUE(right.ok()) << right.error().ToString();
  EXPECT_EQ(world_.escrow->Read(asked_state, *right, "x")->manifest.text, "Body of Asked");
  EXPECT_EQ(world_.messages->FindRecipient(asked_rid)->value().failures, 0);
  ASSERT_TRUE(world_.escrow->Retract(asked_sent->message_id, "default", "x").ok());

  // New messages go only to someone who has written to the account; the sender keeps
  // a copy for their own list.
  EXPECT_EQ(message_center.ComposeTo("north", "pat@home.test", "eve@evil.test", "Hi").error().code,
            ErrorCode::kPermissionDenied);
  auto to = message_center.ComposeTo("north", "pat@home.test", "DR@clinic.test", "A question");
  ASSERT_TRUE(to.ok()) << to.error().ToString();
  EXPECT_EQ(to->from, "pat@home.test");
  EXPECT_EQ(to->namespace_name, "north");
  // Sent down the one road (submission::Dispatcher) as written in the portal.
  SealInput written;
  written.account = to->account;
  written.from = to->from;
  written.subject = to->subject;
  written.text = "Must I fast?";
  written.expires_at = clock_.NowUnix() + 30 * 86400;
  written.namespace_name = to->namespace_name;
  written.sent_from_portal = true;
  EscrowRecipientInput doctor;
  doctor.address = to->to;
  doctor.kind = "to";
  doctor.login = true;
  written.recipients.push_back(doctor);
  auto submitted = world_.escrow->Submit(world_.escrow->BeginDraft(), written, "192.0.2.9");
  ASSERT_TRUE(submitted.ok()) << submitted.error().ToString();
  const std::string* composed = &submitted->message_id;
  EXPECT_EQ(message_center.ReadSent("north", "pat@home.test", *composed)->manifest.text, "Must I fast?");
  EXPECT_EQ(message_center.ReadSent("north", "sam@home.test", *composed).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(message_center.ReadSent("south", "pat@home.test", *composed).error().code,
            ErrorCode::kNotFound);
  entries = *message_center.Center("north", "pat@home.test", 100);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[0].item.sent || entries[1].item.sent);

  // Retracted: the center's copies go with every other key.
  ASSERT_TRUE(world_.escrow->Retract(held.message_id, "default", "x").ok());
  EXPECT_TRUE(world_.messages->FindRecipient(rid)->value().center_key.empty());
  entries = *message_center.Center("north", "pat@home.test", 100);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].item.sent);
}

}  // namespace
}  // namespace sealpost
