// The Dispatcher over real SQLite and blob files, with plans made by hand: what every
// way in gets from the one road (recipients recorded, queue entries, notices, events,
// one transaction), whichever kinds of recipient a plan mixes.
#include "submission/dispatcher.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "audit/pending.h"
#include "base/temp_dir.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "crypto/signing.h"
#include "escrow/answer_keys.h"
#include "escrow/escrow_service.h"
#include "escrow/escrow_test_world.h"
#include "pki/openpgp.h"
#include "policy/signing_identities.h"
#include "queue/queue_entry.h"
#include "store/sqlite/stores.h"

namespace sealpost::submission {
namespace {

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    answer_store_ = sqlite::NewAnswerKeyStore(*world_.db);
    identities_.emplace(*world_.org, world_.keys->metadata(), clock_);
    answer_keys_.emplace(*answer_store_, world_.keys->metadata(), world_.keys->lookup(), clock_,
                         Argon2Params{1, 8 * 1024});
    DispatchSettings ds;
    ds.organisation = "Clinic";
    ds.notice_from = "notices@clinic.test";
    dispatcher_.emplace(ds, *world_.escrow, *identities_, *world_.blobs, world_.keys->queue(), clock_, &*answer_keys_);
    message_.from = "dr@clinic.test";
    message_.subject = "Results";
    message_.text = "All fine.";
  }

  Dispatch For(policy::RecipientPlan plan) {
    Dispatch d;
    d.submission = &message_;
    d.plan = std::move(plan);
    d.account = "Springfield";
    d.client_address = "192.0.2.9";
    d.draft = world_.escrow->BeginDraft();
    d.message = [this]() -> Result<std::unique_ptr<ByteSource>> {
      ++renders_;
      return ViewSource(rendered_);
    };
    return d;
  }

  static policy::EscrowRecipient Escrow(const std::string& address, const std::string& kept_as) {
    policy::EscrowRecipient r;
    r.address = address;
    r.kind = "to";
    r.question = "Pet?";
    r.answer = "Rex";
    r.trace = "escrow/question: test";
    r.kept_as = kept_as;
    return r;
  }

  std::map<std::string, QueueEntry> QueueByRecipient() {
    std::map<std::string, QueueEntry> out;
    auto due = world_.queue->Due(clock_.NowUnix() + 1, 1000);
    EXPECT_TRUE(due.ok());
    for (auto& q : *due) out[q.recipient_id] = q;
    return out;
  }

  std::size_t BlobFiles() {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(world_.dir.path() + "/blobs")) {
      if (e.is_regular_file() && !IsSpareBlobFile(e.path().string())) ++n;
    }
    return n;
  }

  ManualClock clock_{1'800'000'000};
  EscrowTestWorld world_{clock_};
  std::unique_ptr<AnswerKeyStore> answer_store_;
  std::optional<policy::SigningIdentities> identities_;
  std::optional<AnswerKeys> answer_keys_;
  std::optional<Dispatcher> dispatcher_;
  Submission message_;
  std::string rendered_ = "From: dr@clinic.test\r\nSubject: Results\r\n\r\nAll fine.\r\n";
  int renders_ = 0;
};

// Every kind of recipient in one message: each is recorded with the message, with the
// queue entry of what reaches it, in one commit; a TLS-only copy's fallback waits in
// standby for that copy; two recipients the failure action bounces share one notice.
TEST_F(DispatcherTest, EveryKindOfRecipientIsRecordedWithWhatReachesIt) {
  policy::RecipientPlan plan;
  plan.direct.push_back({"ana@tls.test", "to", "tls-only", "tls-only: offers STARTTLS"});
  plan.recipients.push_back(Escrow("ana@tls.test", ""));
  plan.recipients.back().standby = true;
  plan.direct.push_back({"ben@plain.test", "cc", "standard", "no content rule matched"});
  plan.send_plain.push_back({"cat@old.test", "to", "failure action: send-plain"});
  plan.bounce.push_back({"dan@x.test", "to", "failure action: bounce"});
  plan.bounce.push_back({"eve@x.test", "cc", "failure action: bounce"});
  plan.recipients.push_back(Escrow("fay@home.test", ""));
  Dispatch d = For(std::move(plan));
  const std::string id = d.draft->message_id();
  auto sent = dispatcher_->Send(std::move(d));
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  EXPECT_EQ(sent->message_id, id);  // the draft names the message (SMTP: its 250's id)
  EXPECT_EQ(renders_, 1);

  auto message = *world_.messages->Find(id);
  ASSERT_TRUE(message.has_value());
  std::map<std::string, RecipientRecord> by_address;
  for (const auto& r : message->recipients) by_address[r.address + "/" + r.method] = r;
  ASSERT_EQ(by_address.size(), 7u);
  EXPECT_EQ(by_address["ana@tls.test/tls-only"].status, RecipientStatus::kQueued);
  EXPECT_EQ(by_address["ana@tls.test/escrow"].status, RecipientStatus::kStandby);
  EXPECT_EQ(by_address["ben@plain.test/standard"].kind, "cc");
  EXPECT_EQ(by_address["cat@old.test/send-plain"].status, RecipientStatus::kQueued);
  EXPECT_EQ(by_address["dan@x.test/bounce"].status, RecipientStatus::kBounced);
  EXPECT_EQ(by_address["eve@x.test/bounce"].status, RecipientStatus::kBounced);
  EXPECT_EQ(by_address["fay@home.test/escrow"].status, RecipientStatus::kNoticeQueued);

  auto queue = QueueByRecipient();
  const QueueEntry& tls = queue[by_address["ana@tls.test/tls-only"].id];
  EXPECT_TRUE(tls.tls_required);
  EXPECT_EQ(tls.mail_from, "dr@clinic.test");
  std::size_t standing_by = 0, notices_to_sender = 0;
  auto entries = *world_.queue->ForMessage(id);
  for (auto& q : entries) {
    EXPECT_EQ(q.message_id, id);
    if (q.state == QueueState::kStandby) {
      ++standing_by;
      EXPECT_EQ(q.standby_for, tls.id);
    }
    if (q.rcpt_to == "dr@clinic.test") {
      ++notices_to_sender;
      EXPECT_EQ(q.mail_from, "");  // the null sender: a notice about a failure cannot loop
      auto text = *world_.keys->queue().Open((*world_.queue->Find(q.id))->sealed_content,
                           QueueContentAad(q.id));
      EXPECT_NE(text.find("dan@x.test"), std::string::npos);
      EXPECT_NE(text.find("eve@x.test"), std::string::npos);
      EXPECT_EQ(text.find("All fine"), std::string::npos);
    }
  }
  EXPECT_EQ(standing_by, 1u);
  EXPECT_EQ(notices_to_sender, 1u);
  // ana's copy, ben's, cat's, fay's notice, ana's standby notice, the sender's notice.
  EXPECT_EQ(entries.size(), 6u);

  std::multiset<std::string> types;
  auto events = *world_.events->ForMessage(id);
  for (const auto& e : events) types.insert(e.type);
  for (const char* want : {"accepted", "sent_tls_only", "sent_standard", "sent_plain", "bounced",
                           "notice_queued", "notice_standby"}) {
    EXPECT_EQ(types.count(want) > 0, true) << want;
  }
  EXPECT_EQ(types.count("bounced"), 2u);
}

// Nobody reads it in the portal: the message and its recipients are recorded (the
// sender sees and controls it), but no content is kept for it.
// Messages committed together by one sender's thread (Send's GroupCommit) each name the
// actor they were prepared under in the audit trail, and one prepared under nobody names
// nobody, not the sender whose thread commits the batch.
TEST_F(DispatcherTest, ABatchNamesEachMessagesOwnActorWhicheverThreadCommitsIt) {
  auto prepare = [&](const std::optional<audit::Actor>& actor) {
    auto acting = actor ? std::make_optional<audit::ActingAs>(*actor)
                        : std::make_optional<audit::ActingAs>(std::nullopt);
    policy::RecipientPlan plan;
    plan.recipients.push_back(Escrow("fay@home.test", ""));
    auto prepared = dispatcher_->Prepare(For(std::move(plan)));
    EXPECT_TRUE(prepared.ok()) << prepared.error().ToString();
    return std::move(*prepared);
  };
  PreparedDispatch by_key = prepare(audit::Actor{"api_key", "key-a", "192.0.2.9", "Springfield"});
  PreparedDispatch by_nobody = prepare(std::nullopt);
  {
    audit::ActingAs committer(audit::Actor{"api_key", "key-b", "192.0.2.10", "Springfield"});
    ASSERT_TRUE(dispatcher_->Commit({&by_key, &by_nobody}).ok());
  }
  const std::string keyed = dispatcher_->Finish(by_key).message_id;
  const std::string unnamed = dispatcher_->Finish(by_nobody).message_id;
  auto records = world_.audit->Read(0, 1000);
  ASSERT_TRUE(records.ok()) << records.error().ToString();
  std::map<std::string, std::set<std::string>> actors;  // by message
  for (const auto& r : *records) actors[r.message_id].insert(r.actor_kind + ":" + r.actor);
  ASSERT_FALSE(actors[keyed].empty());
  EXPECT_EQ(actors[keyed], (std::set<std::string>{"api_key:key-a"}));
  ASSERT_FALSE(actors[unnamed].empty());
  for (const auto& actor : actors[unnamed]) {
    EXPECT_EQ(actor.find("api_key"), std::string::npos) << actor;
  }
}

TEST_F(DispatcherTest, WithoutEscrowRecipientsNoContentIsKept) {
  policy::RecipientPlan plan;
  plan.direct.push_back({"ben@plain.test", "to", "standard", "no content rule matched"});
  Dispatch d = For(std::move(plan));
  ASSERT_TRUE(d.draft->StartAttachment("scan.pdf", "application/pdf").ok());
  ASSERT_TRUE(d.draft->AppendAttachment("%PDF-1.7").ok());
  ASSERT_TRUE(d.draft->FinishAttachment().ok());
  ASSERT_EQ(BlobFiles(), 1u);
  auto sent = dispatcher_->Send(std::move(d));
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  auto message = *world_.messages->Find(sent->message_id);
  ASSERT_TRUE(message.has_value());
  EXPECT_TRUE(message->manifest_blob.empty());
  EXPECT_TRUE(message->sealed_manifest.empty());
  EXPECT_TRUE(message->blob_ids.empty());
  ASSERT_EQ(message->recipients.size(), 1u);
  EXPECT_EQ(message->recipients[0].method, "standard");
  EXPECT_EQ(BlobFiles(), 0u);  // the draft's attachment went with it

  // With an escrow recipient the content is sealed, and the message is not opened.
  policy::RecipientPlan escrow_only;
  escrow_only.recipients.push_back(Escrow("fay@home.test", ""));
  renders_ = 0;
  sent = dispatcher_->Send(For(std::move(escrow_only)));
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  EXPECT_EQ(renders_, 0);
  EXPECT_FALSE((*world_.messages->Find(sent->message_id))->sealed_manifest.empty());
  EXPECT_EQ(BlobFiles(), 0u);  // a short manifest is kept in the message's row
}

// A message for many is kept once: twenty recipients of a 10 KiB message share one
// sealed blob, their entries holding its key and no content; listings load neither.
// A short message to one recipient stays in its entry. A dispatch that fails after
// writing a blob removes it.
TEST_F(DispatcherTest, AMessageForManyIsKeptOnceAsOneBlob) {
  rendered_ = "From: dr@clinic.test\r\nSubject: Results\r\n\r\n" + std::string(10 * 1024, 'x') +
              "\r\n";
  policy::RecipientPlan plan;
  for (int i = 0; i < 20; ++i) {
    plan.direct.push_back({"p" + std::to_string(i) + "@plain.test", "to", "standard", "rule"});
  }
  auto sent = dispatcher_->Send(For(std::move(plan)));
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  EXPECT_EQ(BlobFiles(), 1u);
  auto entries = *world_.queue->ForMessage(sent->message_id);
  ASSERT_EQ(entries.size(), 20u);
  std::set<std::string> blobs;
  for (const auto& q : entries) {
    blobs.insert(q.content_blob);
    EXPECT_TRUE(q.sealed_content.empty());
    EXPECT_TRUE(q.content_key.empty());  // a listing loads no key either
  }
  ASSERT_EQ(blobs.size(), 1u);
  ASSERT_FALSE(blobs.begin()->empty());
  const QueueEntry full = **world_.queue->Find(entries[0].id);
  EXPECT_TRUE(full.sealed_content.empty());
  EXPECT_FALSE(full.content_key.empty());
  EXPECT_EQ(*ReadQueueContent(**OpenQueueContent(*world_.blobs, world_.keys->queue(), full)), rendered_);
  QueueEntry other_key = full;  // the key is bound to its blob
  other_key.content_blob = NewId();
  EXPECT_FALSE(OpenQueueContent(*world_.blobs, world_.keys->queue(), other_key).ok());

  rendered_ = "From: dr@clinic.test\r\nSubject: Short\r\n\r\nfine\r\n";
  policy::RecipientPlan one;
  one.direct.push_back({"ben@plain.test", "to", "standard", "rule"});
  sent = dispatcher_->Send(For(std::move(one)));
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  const QueueEntry small = **world_.queue->Find((*world_.queue->ForMessage(sent->message_id))[0].id);
  EXPECT_TRUE(small.content_blob.empty());
  EXPECT_EQ(*ReadQueueContent(**OpenQueueContent(*world_.blobs, world_.keys->queue(), small)), rendered_);
  EXPECT_EQ(BlobFiles(), 1u);

  // The copy for the PGP recipient cannot be made: nothing is recorded, and the blob
  // the plain recipients would have shared is gone again.
  rendered_ = "From: dr@clinic.test\r\nSubject: Big\r\n\r\n" + std::string(100 * 1024, 'y') +
              "\r\n";
  policy::RecipientPlan failing;
  failing.direct.push_back({"ben@plain.test", "to", "standard", "rule"});
  failing.encrypted.push_back({"gil@pgp.test", "to", "pgp", "not an OpenPGP key", false, "k"});
  Dispatch d = For(std::move(failing));
  const std::string failed_id = d.draft->message_id();
  EXPECT_FALSE(dispatcher_->Send(std::move(d)).ok());
  EXPECT_FALSE(world_.messages->Find(failed_id)->has_value());
  EXPECT_EQ(BlobFiles(), 1u);

  // An encrypted copy is never kept in a row, however small.
  auto key = pki::GeneratePgpSigningKey("Pia <pia@pgp.test>", clock_.NowUnix());
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  rendered_ = "From: dr@clinic.test\r\nSubject: Short\r\n\r\nfine\r\n";
  policy::RecipientPlan encrypted;
  encrypted.encrypted.push_back({"pia@pgp.test", "to", "pgp", key->public_armored, false, "key"});
  sent = dispatcher_->Send(For(std::move(encrypted)));
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  const QueueEntry copy = **world_.queue->Find((*world_.queue->ForMessage(sent->message_id))[0].id);
  EXPECT_TRUE(copy.sealed_content.empty());
  EXPECT_FALSE(copy.content_blob.empty());
  auto text = ReadQueueContent(**OpenQueueContent(*world_.blobs, world_.keys->queue(), copy));
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("-----BEGIN PGP MESSAGE-----"), std::string::npos);
  EXPECT_EQ(text->find("fine"), std::string::npos);
  EXPECT_EQ(BlobFiles(), 2u);
}

// An answer the server keeps is stretched once where it is kept, for every message to
// it; a message's own answer is stretched for that message alone.
TEST_F(DispatcherTest, KeptAnswersAreStretchedOnceWhereTheyAreKept) {
  const std::string kept = "book|user:dr@clinic.test:personal|fay@home.test";
  std::vector<std::string> kdfs;
  for (const char* kept_as : {kept.c_str(), kept.c_str(), ""}) {
    policy::RecipientPlan plan;
    plan.recipients.push_back(Escrow("fay@home.test", kept_as));
    auto sent = dispatcher_->Send(For(std::move(plan)));
    ASSERT_TRUE(sent.ok()) << sent.error().ToString();
    kdfs.push_back((*world_.messages->Find(sent->message_id))->recipients[0].answer_kdf);
  }
  EXPECT_EQ(kdfs[0], kdfs[1]);  // one stretched key, named with its own salt
  EXPECT_NE(kdfs[0], kdfs[2]);
  EXPECT_FALSE(kdfs[2].empty());
}

// A way in must answer undecided recipients itself (the API's 422); the dispatcher
// refuses such a plan rather than drop them.
TEST_F(DispatcherTest, APlanWithUndecidedRecipientsIsRefused) {
  policy::RecipientPlan plan;
  plan.need_question.push_back("pat@x.test");
  auto sent = dispatcher_->Send(For(std::move(plan)));
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(world_.queue->Due(clock_.NowUnix() + 1, 10)->empty());
}

}  // namespace
}  // namespace sealpost::submission
