// The submission pipeline over real SQLite and blob files: spool (group commit) →
// processor → escrow message, plain copies and notices to the sender, in the queue.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/temp_dir.h"
#include "crypto/password_hash.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "crypto/signing.h"
#include "escrow/escrow_service.h"
#include "escrow/escrow_test_world.h"
#include "mime/submitted.h"
#include "policy/signing_identities.h"
#include "queue/backlog.h"
#include "smtp/server.h"
#include "store/sqlite/database.h"
#include "store/sqlite/faults.h"
#include "store/sqlite/stores.h"
#include "submission/envelope_json.h"
#include "submission/processor.h"
#include "submission/spool.h"
#include "submission/user_authenticator.h"

namespace sealpost::submission {
namespace {

// An unauthenticated submission from the clinic to one patient, as the spool is handed it.
smtp::Submission ToPatient(std::string content) {
  smtp::Submission s;
  s.envelope.mail_from = "dr@clinic.test";
  s.envelope.recipients = {{"pat@home.test", "", ""}};
  s.content = std::move(content);
  return s;
}

class SubmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    inbound_ = sqlite::NewInboundStore(*world_.db);
    book_store_ = sqlite::NewAddressBookStore(*world_.db);
    directory_.emplace(*world_.org, world_.keys->metadata(), clock_);
    books_.emplace(*book_store_, world_.keys->metadata(), clock_);
    view_.emplace(*book_store_);
    tls_.emplace(*world_.org);
    planner_.emplace(*directory_, *books_, *view_, *tls_, no_accounts_, 30);
    ProcessorSettings ps;
    ps.organisation = "Clinic";
    ps.notice_from = "notices@clinic.test";
    identities_.emplace(*world_.org, world_.keys->metadata(), clock_);
    DispatchSettings ds;
    ds.organisation = "Clinic";
    ds.notice_from = "notices@clinic.test";
    dispatcher_.emplace(ds, *world_.escrow, *identities_, *world_.blobs, world_.keys->queue(), clock_, nullptr);
    processor_.emplace(ps, *inbound_, *world_.blobs, *world_.escrow, *planner_, *dispatcher_,
                       *directory_,
                       world_.keys->queue(), clock_, nullptr);
    spool_.emplace(*inbound_, *world_.blobs, world_.keys->queue(), clock_, nullptr);
    spool_->Start();
    ASSERT_TRUE(directory_->CreateAccount("Springfield").ok());
    ASSERT_TRUE(directory_->CreateDomain("clinic.test", "Springfield").ok());
    ASSERT_TRUE(directory_->CreateUser("dr@clinic.test").ok());
  }

  // Commits through the spool as an SMTP session would, and waits for the queue id.
  std::string Submit(const std::string& message, std::vector<std::string> rcpts) {
    auto result = TrySubmit(message, std::move(rcpts));
    EXPECT_TRUE(result.ok()) << result.error().ToString();
    return result.ok() ? *result : "";
  }
  Result<std::string> TrySubmit(const std::string& message, std::vector<std::string> rcpts) {
    smtp::Submission s;
    s.envelope.mail_from = "dr@clinic.test";
    s.envelope.auth_user = "dr@clinic.test";
    for (auto& r : rcpts) s.envelope.recipients.push_back({r, "", ""});
    s.content = message;
    s.client_address = "192.0.2.9";
    std::promise<Result<std::string>> promise;
    spool_->Commit(std::move(s), [&](Result<std::string> r) { promise.set_value(std::move(r)); });
    return promise.get_future().get();
  }

  // The submissions on disk, as another process opening the file finds them.
  std::set<std::string> Stored() {
    std::set<std::string> ids;
    auto other = sqlite::Database::Open(world_.dir.path() + "/db");
    EXPECT_TRUE(other.ok());
    EXPECT_TRUE((*other)
                    ->spool()
                    .Read([&](sqlite::Connection& c) -> Status {
                      sqlite::Statement st(c, "SELECT id FROM inbound");
                      for (;;) {
                        auto row = st.Step();
                        if (!row.ok()) return std::move(row).error();
                        if (!*row) return OkStatus();
                        ids.insert(st.Text(0));
                      }
                    })
                    .ok());
    return ids;
  }

  // Every queued mail, opened: rcpt_to → content.
  std::vector<std::pair<QueueEntry, std::string>> Queued() {
    std::vector<std::pair<QueueEntry, std::string>> out;
    auto due = world_.queue->Due(clock_.NowUnix() + 1, 1000);
    EXPECT_TRUE(due.ok());
    for (auto& q : *due) {
      auto content = OpenQueueContent(*world_.blobs, world_.keys->queue(), q);
      EXPECT_TRUE(content.ok());
      out.emplace_back(q, content.ok() ? *ReadQueueContent(**content) : "");
    }
    return out;
  }

  // The blob files on disk, with what they hold.
  std::map<std::string, std::string> BlobFiles() {
    std::map<std::string, std::string> out;
    const std::string root = world_.dir.path() + "/blobs";
    for (const auto& f : std::filesystem::recursive_directory_iterator(root)) {
      if (!f.is_regular_file() || IsSpareBlobFile(f.path().string())) continue;
      std::ifstream in(f.path(), std::ios::binary);
      out[f.path().filename()] = std::string(std::istreambuf_iterator<char>(in), {});
    }
    return out;
  }

  ManualClock clock_{1'800'000'000};
  sqlite::Faults faults_;  // the disk fails when a test says (before world_: it outlives it)
  EscrowTestWorld world_{clock_, nullptr, &faults_};
  std::unique_ptr<InboundStore> inbound_;
  std::unique_ptr<AddressBookStore> book_store_;
  std::optional<policy::OrgDirectory> directory_;
  std::optional<policy::AddressBookDirectory> books_;
  std::optional<policy::StoredAddressBooks> view_;
  std::optional<policy::StoredTlsKnowledge> tls_;
  struct NoAccounts final : policy::PortalRegistry {
    bool HasAccount(std::string_view, std::string_view) const override { return false; }
  } no_accounts_;
  std::optional<policy::RecipientPlanner> planner_;
  std::optional<policy::SigningIdentities> identities_;
  std::optional<Dispatcher> dispatcher_;
  std::optional<SubmissionProcessor> processor_;
  std::optional<Spool> spool_;
};

const char kWithQuestion[] =
    "From: dr@clinic.test\r\nTo: pat@home.test\r\nSubject: Results\r\n"
    "X-Sealpost-Question: Pet's name?\r\nX-Sealpost-Answer: Rex\r\nX-Sealpost-Expires: 7\r\n"
    "\r\nAll fine.\r\n";

TEST_F(SubmissionTest, EnvelopeJsonRoundTrip) {
  smtp::Envelope e;
  e.mail_from = "a@example.org";
  e.recipients = {{"b@example.net", "SUCCESS,FAILURE", "rfc822;b@example.net"}};
  e.body = "8BITMIME";
  e.smtputf8 = true;
  e.ret = "HDRS";
  e.envid = "x+2B";
  e.auth_user = "a@example.org";
  auto back = EnvelopeFromJson(EnvelopeToJson(e));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->mail_from, e.mail_from);
  EXPECT_EQ(back->recipients[0].notify, "SUCCESS,FAILURE");
  EXPECT_EQ(back->recipients[0].orcpt, "rfc822;b@example.net");
  EXPECT_TRUE(back->smtputf8);
  EXPECT_EQ(back->envid, "x+2B");
  EXPECT_FALSE(EnvelopeFromJson("nope").ok());
}

// Back-pressure at the spool: past the slow-down limit a commit waits the in-flow delay
// and goes through; past the refusal limit nothing is stored and the client is told to
// come back (kResourceExhausted: SMTP 452 4.3.1).
TEST_F(SubmissionTest, SpoolSlowsDownThenRefusesWhenTooMuchWaits) {
  Backlog backlog({2, 3, std::chrono::milliseconds(300)}, *inbound_, *world_.queue, clock_);
  Spool spool(*inbound_, *world_.blobs, world_.keys->queue(), clock_, nullptr, &backlog);
  spool.Start();
  auto commit = [&spool] {
    std::promise<Result<std::string>> promise;
    spool.Commit(ToPatient("Subject: x\r\n\r\nbody\r\n"),
                 [&](Result<std::string> r) { promise.set_value(std::move(r)); });
    return promise.get_future().get();
  };
  ASSERT_TRUE(commit().ok());
  EXPECT_EQ(backlog.Refresh().submissions, 1);
  EXPECT_EQ(backlog.pressure(), Backlog::Pressure::kNone);
  ASSERT_TRUE(commit().ok());
  EXPECT_EQ(backlog.Refresh().submissions, 2);
  ASSERT_EQ(backlog.pressure(), Backlog::Pressure::kSlowDown);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(commit().ok());  // slowed, not refused
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));
  EXPECT_EQ(backlog.Refresh().submissions, 3);
  ASSERT_EQ(backlog.pressure(), Backlog::Pressure::kRefuse);
  auto refused = commit();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(*inbound_->Count(), 3);  // nothing of it stored
  spool.Stop();
}

TEST_F(SubmissionTest, SpoolCommitsContentSealedAndGroupsParallelCommits) {
  std::vector<std::thread> senders;
  std::atomic<int> ok{0};
  for (int i = 0; i < 40; ++i) {
    senders.emplace_back([&] {
      if (!Submit(kWithQuestion, {"pat@home.test"}).empty()) ++ok;
    });
  }
  for (auto& t : senders) t.join();
  EXPECT_EQ(ok, 40);
  EXPECT_EQ(*inbound_->Count(), 40);
  EXPECT_EQ(spool_->committed(), 40u);  // batching itself: SpoolSharesOneCommitAmongWaitingMessages
  // Nothing of the content is stored readable.
  auto due = *inbound_->Due(clock_.NowUnix(), 100);
  ASSERT_EQ(due.size(), 40u);
  EXPECT_EQ(due[0].sealed_content.find("Rex"), std::string::npos);
  EXPECT_EQ(due[0].sealed_content.find("All fine"), std::string::npos);
  EXPECT_NE(due[0].envelope_json.find("pat@home.test"), std::string::npos);
}

// An InboundStore that holds its first commit until released, so a test can line up
// messages behind it, and records the size of every batch.
class GatedInboundStore final : public InboundStore {
 public:
  // `refuse`: every commit fails instead, as a full disk would make it.
  explicit GatedInboundStore(InboundStore& inner, bool refuse = false)
      : inner_(inner), refuse_(refuse) {}
  Status InsertBatch(const std::vector<InboundRecord>& records) override {
    if (refuse_) return MakeError(ErrorCode::kIo, "disk full");
    {
      std::unique_lock lock(mu_);
      sizes_.push_back(records.size());
      ++entered_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
    }
    return inner_.InsertBatch(records);
  }
  Result<std::vector<InboundRecord>> Due(std::int64_t now, int limit) override {
    return inner_.Due(now, limit);
  }
  Result<std::vector<InboundRecord>> Claim(std::int64_t now, int limit,
                                           std::int64_t lease_until) override {
    return inner_.Claim(now, limit, lease_until);
  }
  Status Defer(const std::string& id, std::int64_t at, const std::string& error) override {
    return inner_.Defer(id, at, error);
  }
  Status Complete(const std::string& id, const std::vector<QueueEntry>& queue,
                  const std::vector<EventRecord>& events) override {
    return inner_.Complete(id, queue, events);
  }
  Result<std::int64_t> Count() override { return inner_.Count(); }
  Result<std::int64_t> Waiting() override { return inner_.Waiting(); }
  Status Bury(const std::string& id, std::int64_t now, const std::string& error,
              const std::vector<QueueEntry>& notices,
              const std::vector<EventRecord>& events) override {
    return inner_.Bury(id, now, error, notices, events);
  }
  Result<std::vector<InboundRecord>> DeadLetters(int limit) override {
    return inner_.DeadLetters(limit);
  }
  Status Revive(const std::string& id, std::int64_t now) override { return inner_.Revive(id, now); }

  // Until `commits` have begun (each then waits for Release).
  void WaitUntilEntered(std::size_t commits) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_ >= commits; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::vector<std::size_t> sizes() {
    std::lock_guard lock(mu_);
    return sizes_;
  }

 private:
  InboundStore& inner_;
  const bool refuse_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t entered_ = 0;
  bool released_ = false;
  std::vector<std::size_t> sizes_;
};

TEST_F(SubmissionTest, SpoolSharesOneCommitAmongWaitingMessages) {
  GatedInboundStore gated(*inbound_);
  Spool spool(gated, *world_.blobs, world_.keys->queue(), clock_, nullptr);
  EXPECT_EQ(spool.Alive(std::chrono::minutes(1)).error().message, "not running");
  spool.Start();
  EXPECT_TRUE(spool.Alive(std::chrono::minutes(1)).ok());
  std::atomic<int> acknowledged{0};
  std::promise<void> all_done;
  auto commit = [&] {
    spool.Commit(ToPatient(kWithQuestion), [&](Result<std::string> r) {
      EXPECT_TRUE(r.ok());
      if (++acknowledged == 40) all_done.set_value();
    });
  };
  commit();
  gated.WaitUntilEntered(1);  // the first message's commit is in progress ...
  commit();
  gated.WaitUntilEntered(2);              // ... and the second's, on the other committer ...
  for (int i = 0; i < 38; ++i) commit();  // ... while 38 more arrive
  EXPECT_EQ(acknowledged, 0);  // nothing is acknowledged before its commit
  // /readyz: a commit under way longer than the bound is a stuck spool.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(spool.Alive(std::chrono::milliseconds(1)).error().message,
            "a commit has not finished");
  EXPECT_TRUE(spool.Alive(std::chrono::minutes(1)).ok());
  gated.Release();
  all_done.get_future().wait();
  EXPECT_EQ(gated.sizes(), (std::vector<std::size_t>{1, 1, 38}));  // one commit for all 38
  EXPECT_EQ(spool.batches(), 3u);
  EXPECT_EQ(*inbound_->Count(), 40);
  spool.Stop();
  EXPECT_EQ(spool.Alive(std::chrono::minutes(1)).error().message, "not running");
}

// Stopping loses nothing: what was handed over before Stop is committed and answered
// (the committers drain it), what comes after is refused at once.
TEST_F(SubmissionTest, SpoolStopCommitsWhatItWasHandedAndRefusesWhatComesAfter) {
  GatedInboundStore gated(*inbound_);
  Spool spool(gated, *world_.blobs, world_.keys->queue(), clock_, nullptr);
  spool.Start();
  std::mutex mu;
  std::vector<Result<std::string>> answers;
  auto commit = [&] {
    spool.Commit(ToPatient(kWithQuestion), [&](Result<std::string> r) {
      std::lock_guard lock(mu);
      answers.push_back(std::move(r));
    });
  };
  commit();
  gated.WaitUntilEntered(1);
  commit();
  gated.WaitUntilEntered(2);              // both committers hold a batch ...
  for (int i = 0; i < 10; ++i) commit();  // ... and ten wait behind them
  std::thread stopper([&] { spool.Stop(); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (spool.Alive(std::chrono::minutes(1)).ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(spool.Alive(std::chrono::minutes(1)).error().message, "not running");
  commit();  // after Stop began: refused at once
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].error().code, ErrorCode::kFailedPrecondition);
  }
  gated.Release();
  stopper.join();
  std::lock_guard lock(mu);
  ASSERT_EQ(answers.size(), 13u);
  EXPECT_EQ(std::count_if(answers.begin(), answers.end(), [](const auto& r) { return r.ok(); }),
            12);
  EXPECT_EQ(*inbound_->Count(), 12);
}

TEST_F(SubmissionTest, HeaderQuestionSealsForEscrowAndRemovesTheSubmission) {
  std::string id = Submit(kWithQuestion, {"pat@home.test"});
  EXPECT_EQ(processor_->RunOnce(), 1);
  EXPECT_EQ(*inbound_->Count(), 0);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].first.rcpt_to, "pat@home.test");
  EXPECT_NE(queued[0].second.find("https://portal.test/m/"), std::string::npos);
  // The notice carries neither content nor answer.
  EXPECT_EQ(queued[0].second.find("All fine"), std::string::npos);
  EXPECT_EQ(queued[0].second.find("Rex"), std::string::npos);
  auto message = *world_.messages->Find(queued[0].first.message_id);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->account, "Springfield");
  EXPECT_EQ(message->expires_at, clock_.NowUnix() + 7 * 86400);  // X-Sealpost-Expires
  EXPECT_NE(message->recipients[0].trace.find("escrow/question"), std::string::npos);
  EXPECT_EQ(message->id, id);  // the id the SMTP client was given in the 250
  // Processing again finds nothing: exactly once.
  EXPECT_EQ(processor_->RunOnce(), 0);
}

// A recipient of the envelope whom no header field names is a blind copy: recorded as
// one, so no other recipient's view of the message names them.
TEST_F(SubmissionTest, EnvelopeRecipientsInNoHeaderFieldAreBlindCopies) {
  Submit(kWithQuestion, {"pat@home.test", "records@clinic.test"});
  EXPECT_EQ(processor_->RunOnce(), 1);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 2u);
  auto message = *world_.messages->Find(queued[0].first.message_id);
  ASSERT_TRUE(message.has_value());
  std::map<std::string, std::string> kinds;
  for (const auto& r : message->recipients) kinds[r.address] = r.kind;
  EXPECT_EQ(kinds["pat@home.test"], "to");
  EXPECT_EQ(kinds["records@clinic.test"], "bcc");
}

TEST_F(SubmissionTest, WithoutAQuestionTheFailureActionBouncesToTheSender) {
  Submit("From: dr@clinic.test\r\nTo: pat@home.test\r\nSubject: s\r\n\r\nsecret text\r\n",
         {"pat@home.test"});
  EXPECT_EQ(processor_->RunOnce(), 1);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].first.rcpt_to, "dr@clinic.test");
  EXPECT_EQ(queued[0].first.mail_from, "");  // null sender: no loops
  EXPECT_NE(queued[0].second.find("pat@home.test"), std::string::npos);
  EXPECT_NE(queued[0].second.find("bounce"), std::string::npos);  // the reason
  EXPECT_EQ(queued[0].second.find("secret text"), std::string::npos);
  EXPECT_EQ(*inbound_->Count(), 0);
  // Recorded as the API records it: the message, its bounced recipient, no content.
  auto message = *world_.messages->Find(queued[0].first.message_id);
  ASSERT_TRUE(message.has_value());
  ASSERT_EQ(message->recipients.size(), 1u);
  EXPECT_EQ(message->recipients[0].address, "pat@home.test");
  EXPECT_EQ(message->recipients[0].method, "bounce");
  EXPECT_EQ(message->recipients[0].status, RecipientStatus::kBounced);
  EXPECT_TRUE(message->blob_ids.empty());
}

// Issue 19: the API refused an answer of only spaces while SMTP sealed with it. One
// check now serves both, with one wording.
TEST_F(SubmissionTest, AnAnswerOfOnlySpacesIsRefusedAsTheApiRefusesIt) {
  Submit("From: dr@clinic.test\r\nTo: pat@home.test\r\nX-Sealpost-Question: Pet?\r\n"
         "X-Sealpost-Answer:    \r\n\r\nx\r\n",
         {"pat@home.test"});
  EXPECT_EQ(processor_->RunOnce(), 1);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].first.rcpt_to, "dr@clinic.test");
  EXPECT_NE(queued[0].second.find("X-Sealpost-Answer must be 1 to"), std::string::npos)
      << queued[0].second;
  auto message = *world_.messages->Find(queued[0].first.message_id);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->recipients[0].status, RecipientStatus::kBounced);
}

// Issue 18.7: a submission that cannot be processed was retried forever. After
// `max_attempts` tries it is a dead letter: kept, never tried again by itself, and its
// sender is told (without the content) in the same transaction.
// A large message (past what a row holds) is written once: the spool seals it into a
// blob before the 250, and the copies that leave as it is refer to that same blob.
std::string LargeMessage(const std::string& extra_fields) {
  std::string m = "From: dr@clinic.test\r\nTo: pat@home.test, kin@home.test\r\n" + extra_fields +
                  "Subject: s\r\n\r\n";
  while (m.size() < 100 * 1024) m += "Potassium 4.1 mmol/L, within the range.\r\n";
  return m;
}

TEST_F(SubmissionTest, LargeContentIsSpooledOnceIntoTheBlobItsCopiesReferTo) {
  ASSERT_TRUE(directory_->Set(OrgLevel::kDomain, "clinic.test", {"failure_action=send-plain"}).ok());
  const std::string message = LargeMessage("");
  Submit(message, {"pat@home.test", "kin@home.test"});
  auto due = *inbound_->Due(clock_.NowUnix(), 10);
  ASSERT_EQ(due.size(), 1u);
  ASSERT_FALSE(due[0].content_blob.empty());
  EXPECT_TRUE(due[0].sealed_content.empty());
  auto files = BlobFiles();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files.begin()->first.find(due[0].content_blob), 0u);
  EXPECT_EQ(files.begin()->second.find("Potassium"), std::string::npos);  // sealed

  EXPECT_EQ(processor_->RunOnce(), 1);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 2u);
  for (const auto& [entry, content] : queued) {
    EXPECT_EQ(entry.content_blob, due[0].content_blob) << entry.rcpt_to;
    EXPECT_EQ(content, message) << entry.rcpt_to;
    EXPECT_EQ(entry.content_bits, ContentBits::kSevenBit) << entry.rcpt_to;
  }
  EXPECT_EQ(BlobFiles().size(), 1u);  // no second copy
  EXPECT_TRUE(world_.queue->SpentContent(10)->empty());  // the entries hold it
}

// A large message's header section is kept, sealed, beside its blob with whether it is
// 8-bit: a relayed copy is planned from that alone. The blob is taken away before the
// pass: had planning read it, the submission would have waited for the next pass.
TEST_F(SubmissionTest, ALargeMessageIsPlannedFromTheHeaderKeptBesideItsBlob) {
  ASSERT_TRUE(
      directory_->Set(OrgLevel::kDomain, "clinic.test", {"failure_action=send-plain"}).ok());
  Submit(LargeMessage("Comments: Befund f\xc3\xbcr Sie\r\n"), {"pat@home.test", "kin@home.test"});
  auto due = *inbound_->Due(clock_.NowUnix(), 10);
  ASSERT_EQ(due.size(), 1u);
  ASSERT_FALSE(due[0].sealed_header.empty());
  EXPECT_EQ(due[0].sealed_header.find("Subject: s"), std::string::npos);  // sealed
  auto header = world_.keys->queue().Open(due[0].sealed_header, InboundHeaderAad(due[0].id));
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(*header, HeaderSection(LargeMessage("Comments: Befund f\xc3\xbcr Sie\r\n")));
  EXPECT_EQ(due[0].content_bits, ContentBits::kEightBit);
  // Bound to its submission: another id does not open it.
  EXPECT_FALSE(world_.keys->queue().Open(due[0].sealed_header, InboundHeaderAad("other")).ok());

  ASSERT_TRUE(world_.blobs->Remove(due[0].content_blob).ok());
  EXPECT_EQ(processor_->RunOnce(), 1);
  EXPECT_EQ(*inbound_->Count(), 0);
  auto queued = world_.queue->Due(clock_.NowUnix() + 1, 10);
  ASSERT_EQ(queued->size(), 2u);
  for (const auto& entry : *queued) {
    EXPECT_EQ(entry.content_blob, due[0].content_blob) << entry.rcpt_to;
    EXPECT_EQ(entry.content_bits, ContentBits::kEightBit) << entry.rcpt_to;
  }
}

// A submission spooled before the header was kept beside its blob (or with a header too
// long to keep) is read from its blob, as then.
TEST_F(SubmissionTest, ALargeMessageWithoutAKeptHeaderIsReadFromItsBlob) {
  ASSERT_TRUE(
      directory_->Set(OrgLevel::kDomain, "clinic.test", {"failure_action=send-plain"}).ok());
  const std::string message = LargeMessage("Comments: Befund f\xc3\xbcr Sie\r\n");
  Submit(message, {"pat@home.test"});
  auto cleared = sqlite::Database::Open(world_.dir.path() + "/db");
  ASSERT_TRUE(cleared.ok());
  ASSERT_TRUE((*cleared)
                  ->spool()
                  .Transaction([](sqlite::Connection& c) {
                    return sqlite::Statement(
                               c, "UPDATE inbound SET sealed_header = X'', content_bits = 0")
                        .Run();
                  })
                  .ok());
  ASSERT_TRUE((*inbound_->Due(clock_.NowUnix(), 10))[0].sealed_header.empty());
  EXPECT_EQ(processor_->RunOnce(), 1);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_TRUE(queued[0].second == message);                         // (not printed: 100 KiB)
  EXPECT_EQ(queued[0].first.content_bits, ContentBits::kEightBit);  // read from the blob
}

// A header section longer than kMaxKeptHeader is not kept beside the blob (a row stays
// bounded whatever a client sends); the message is planned from its blob instead.
TEST_F(SubmissionTest, AHeaderTooLongToKeepIsReadFromTheBlob) {
  ASSERT_TRUE(
      directory_->Set(OrgLevel::kDomain, "clinic.test", {"failure_action=send-plain"}).ok());
  std::string fields;
  while (fields.size() <= kMaxKeptHeader) fields += "Comments: " + std::string(70, 'c') + "\r\n";
  const std::string message = LargeMessage(fields);
  Submit(message, {"pat@home.test"});
  auto due = *inbound_->Due(clock_.NowUnix(), 10);
  ASSERT_EQ(due.size(), 1u);
  ASSERT_FALSE(due[0].content_blob.empty());
  EXPECT_TRUE(due[0].sealed_header.empty());
  EXPECT_EQ(due[0].content_bits, ContentBits::kSevenBit);  // still known
  EXPECT_EQ(processor_->RunOnce(), 1);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].first.rcpt_to, "pat@home.test");
  EXPECT_TRUE(queued[0].second == message);  // (not printed: over 100 KiB)
}

// X-Sealpost-* fields (an answer, perhaps) never leave: such a message's copies get a blob
// of their own without them, and the spooled blob is spent once the submission is.
TEST_F(SubmissionTest, LargeContentWithOptionFieldsLeavesWithoutThem) {
  ASSERT_TRUE(directory_->Set(OrgLevel::kDomain, "clinic.test", {"failure_action=send-plain"}).ok());
  // (8-bit, and recorded as such by the copy written without the fields.)
  const std::string comment = "Comments: Befund f\xc3\xbcr Sie\r\n";
  Submit(LargeMessage(comment + "X-Sealpost-TLS-Only: no\r\n"), {"pat@home.test", "kin@home.test"});
  const std::string spooled = (*inbound_->Due(clock_.NowUnix(), 10))[0].content_blob;
  ASSERT_FALSE(spooled.empty());
  EXPECT_EQ(processor_->RunOnce(), 1);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_NE(queued[0].first.content_blob, spooled);
  EXPECT_EQ(queued[0].first.content_blob, queued[1].first.content_blob);
  std::string expected = LargeMessage(comment + "X-Sealpost-TLS-Only: no\r\n");
  expected.erase(expected.find("X-Sealpost-TLS-Only"), std::strlen("X-Sealpost-TLS-Only: no\r\n"));
  EXPECT_TRUE(queued[0].second == expected);  // (not printed: 100 KiB)
  EXPECT_EQ(queued[0].first.content_bits, ContentBits::kEightBit);
  EXPECT_EQ(*world_.queue->SpentContent(10), std::vector<std::string>{spooled});

  // A backup under way holds the sweep off (app/backup.h); a hold that lapsed does not.
  auto hold = [&](const char* until) {
    ASSERT_TRUE(world_.db->Transaction([&](sqlite::Connection& c) {
      return sqlite::Statement(c, std::string("INSERT INTO backup_holds (until) VALUES (") +
                                      until + ")").Run();
    }).ok());
  };
  hold("CAST(strftime('%s', 'now') AS INTEGER) + 3600");
  EXPECT_TRUE(world_.queue->SpentContent(10)->empty());
  ASSERT_TRUE(world_.db->Transaction([](sqlite::Connection& c) {
    return sqlite::Statement(c, "DELETE FROM backup_holds").Run();
  }).ok());
  hold("CAST(strftime('%s', 'now') AS INTEGER) - 1");
  EXPECT_EQ(*world_.queue->SpentContent(10), std::vector<std::string>{spooled});
}

// All escrow: nothing refers to the spooled blob once the message is sealed, so it is
// spent, while a submission not yet processed keeps its own.
TEST_F(SubmissionTest, LargeContentSealedForEscrowLeavesItsSpooledBlobSpent) {
  Submit(LargeMessage("X-Sealpost-Question: Pet's name?\r\nX-Sealpost-Answer: Rex\r\n"),
         {"pat@home.test"});
  const std::string spooled = (*inbound_->Due(clock_.NowUnix(), 10))[0].content_blob;
  EXPECT_TRUE(world_.queue->SpentContent(10)->empty());  // waiting: still the submission's
  EXPECT_EQ(processor_->RunOnce(), 1);
  EXPECT_EQ(*inbound_->Count(), 0);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 1u);  // the notice
  EXPECT_NE(queued[0].second.find("https://portal.test/m/"), std::string::npos);
  EXPECT_EQ(*world_.queue->SpentContent(10), std::vector<std::string>{spooled});
}

// A batch that cannot commit leaves no blob behind, and its client is told so (a 4xx).
TEST_F(SubmissionTest, ABatchThatCannotCommitLeavesNoBlob) {
  GatedInboundStore refusing(*inbound_, /*refuse=*/true);
  Spool spool(refusing, *world_.blobs, world_.keys->queue(), clock_, nullptr);
  spool.Start();
  std::promise<Result<std::string>> promise;
  spool.Commit(ToPatient(LargeMessage("")),
               [&](Result<std::string> r) { promise.set_value(std::move(r)); });
  auto result = promise.get_future().get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kIo);
  EXPECT_TRUE(BlobFiles().empty());
}

// A failing disk (issue 23, store/sqlite/faults.h): whatever the spool acknowledged is on
// disk; what it could not keep is refused with the reason — a full disk as a limit (SMTP
// 452 4.3.1, without the paths the log has), a failed write or sync as a failure to store
// (451 4.3.0) — and leaves no blob.
TEST_F(SubmissionTest, AFailingDiskRefusesWithItsReasonAndLosesNothingAcknowledged) {
  std::set<std::string> acknowledged = {Submit(kWithQuestion, {"pat@home.test"})};
  faults_.DiskFull(true);
  for (const std::string& message : {std::string(kWithQuestion), LargeMessage("")}) {
    auto full = TrySubmit(message, {"pat@home.test"});
    ASSERT_FALSE(full.ok());
    EXPECT_EQ(full.error().code, ErrorCode::kResourceExhausted);
    EXPECT_EQ(full.error().message, smtp::MessageSink::kStorageFull);
  }
  faults_.Clear();
  faults_.FailWrite(0);  // the commit's first write
  auto unwritten = TrySubmit(kWithQuestion, {"pat@home.test"});
  ASSERT_FALSE(unwritten.ok());
  EXPECT_EQ(unwritten.error().code, ErrorCode::kIo);
  EXPECT_NE(unwritten.error().message.find("disk I/O error"), std::string::npos)
      << unwritten.error().message;
  faults_.FailSync(true);  // written, but not known to be on disk: not acknowledged
  auto unsynced = TrySubmit(kWithQuestion, {"pat@home.test"});
  ASSERT_FALSE(unsynced.ok());
  EXPECT_EQ(unsynced.error().code, ErrorCode::kIo);
  EXPECT_NE(unsynced.error().message.find("Input/output error"), std::string::npos);
  faults_.Clear();
  acknowledged.insert(Submit(kWithQuestion, {"pat@home.test"}));
  acknowledged.insert(Submit(LargeMessage(""), {"pat@home.test"}));
  const std::set<std::string> stored = Stored();
  for (const auto& id : acknowledged) EXPECT_TRUE(stored.count(id)) << id;
  // Besides them, the one whose sync failed is there (SQLite had committed it): its
  // client, told 451, sends it again — it may arrive twice, never not at all.
  EXPECT_EQ(stored.size(), acknowledged.size() + 1);
  EXPECT_TRUE(BlobFiles().size() == 1) << BlobFiles().size();  // the large one's, once
}

// The processor under a disk that fails at its Nth write, for every N of a pass: each
// failed pass leaves its submission to the next, and in the end every acknowledged
// submission became exactly one message — none lost, none twice.
TEST_F(SubmissionTest, ProcessingFailingAtAnyWriteLeavesTheSubmissionForTheNextPass) {
  constexpr int kWrites = 12;
  for (int n = 0; n < kWrites; ++n) {
    Submit(kWithQuestion, {"pat@home.test"});
    faults_.FailWrite(n);
    processor_->RunOnce();
    faults_.Clear();
    clock_.Advance(3600);  // past any lease or retry delay
    for (int pass = 0; pass < 3 && *inbound_->Count() > 0; ++pass) processor_->RunOnce();
    ASSERT_EQ(*inbound_->Count(), 0) << "failing write " << n;
  }
  EXPECT_EQ(Queued().size(), static_cast<std::size_t>(kWrites));  // a notice each, once
}

// A pass commits its submissions together (one transaction); should that fail, each is
// committed alone, so one submission's failure is its own. The audit trail names each
// message's own sender, though they were committed at once.
TEST_F(SubmissionTest, ABatchCommitsTogetherAndAFailingOneFailsAlone) {
  const std::string first = Submit(kWithQuestion, {"pat@home.test"});
  EXPECT_EQ(processor_->RunOnce(), 1);
  const std::string second = Submit(kWithQuestion, {"pat@home.test"});
  const std::string third = Submit(kWithQuestion, {"pat@home.test"});
  smtp::Submission trusted;  // from the trusted network: no SMTP user
  trusted.envelope.mail_from = "dr@clinic.test";
  trusted.envelope.recipients.push_back({"pat@home.test", "", ""});
  trusted.content = kWithQuestion;
  trusted.client_address = "192.0.2.77";
  std::promise<Result<std::string>> promise;
  spool_->Commit(std::move(trusted),
                 [&](Result<std::string> r) { promise.set_value(std::move(r)); });
  const std::string fourth = *promise.get_future().get();

  // A message already holds the second one's id: its insert fails, and with it the batch.
  MessageRecord taken = **world_.messages->Find(first);
  taken.id = second;
  taken.sender = "someone@else.test";
  taken.recipients.clear();
  auto inserted = world_.messages->InsertWithNotices(taken, {}, {}, "");
  ASSERT_TRUE(inserted.ok()) << inserted.error().ToString();

  EXPECT_EQ(processor_->RunOnce(), 3);
  EXPECT_EQ(Stored(), std::set<std::string>{second});  // left for its next attempt
  EXPECT_EQ(Queued().size(), 3u);                      // the others' notices, once each
  EXPECT_EQ((*world_.messages->Find(third))->sender, "dr@clinic.test");
  EXPECT_EQ((*world_.messages->Find(second))->sender, "someone@else.test");

  AuditQuery submitted;
  submitted.action = "message.submitted";
  std::map<std::string, std::pair<std::string, std::string>> actors;  // message → kind, actor
  auto records = world_.audit->Search(submitted);
  ASSERT_TRUE(records.ok());
  for (const auto& r : *records) {
    actors[r.message_id] = {r.actor_kind, r.actor};
  }
  EXPECT_EQ(actors.size(), 3u);
  EXPECT_EQ(actors[third], std::make_pair(std::string("user"), std::string("dr@clinic.test")));
  EXPECT_EQ(actors[fourth], std::make_pair(std::string("smtp_client"), std::string("192.0.2.77")));

  // With nothing in its way, the one left becomes a message on its next pass, and the
  // batch of the next pass commits whole.
  ASSERT_TRUE(
      world_.db
          ->Transaction([&](sqlite::Connection& c) {
            return sqlite::Statement(c, "DELETE FROM messages WHERE id = ?").Bind(1, second).Run();
          })
          .ok());
  clock_.Advance(3600);
  Submit(kWithQuestion, {"pat@home.test"});
  EXPECT_EQ(processor_->RunOnce(), 2);
  EXPECT_TRUE(Stored().empty());
  EXPECT_EQ(Queued().size(), 5u);
}

// The queue: a delivery whose result cannot be recorded stays the queue's — its lease
// brings it back, and it is not lost or ended without a record.
TEST_F(SubmissionTest, ADeliveryResultThatCannotBeWrittenLeavesTheEntryToBeTriedAgain) {
  Submit(kWithQuestion, {"pat@home.test"});
  ASSERT_EQ(processor_->RunOnce(), 1);
  const std::int64_t now = clock_.NowUnix();
  auto claimed = world_.queue->Claim(now, 10, now + 600);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  const std::string id = (*claimed)[0].id;
  faults_.DiskFull(true);
  auto recorded =
      world_.queue->Record({{id, QueueState::kDelivered, now, "250 2.0.0 ok", "{}"}}, {}, {});
  ASSERT_FALSE(recorded.ok());
  EXPECT_EQ(recorded.error().code, ErrorCode::kResourceExhausted);
  faults_.Clear();
  EXPECT_EQ(world_.queue->Find(id)->value().state, QueueState::kInFlight);
  EXPECT_TRUE(world_.queue->Due(now + 599, 10)->empty());  // still leased
  auto again = world_.queue->Due(now + 600, 10);           // then due again
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].id, id);
  ASSERT_TRUE(
      world_.queue->Record({{id, QueueState::kDelivered, now, "250 2.0.0 ok", "{}"}}, {}, {}).ok());
  EXPECT_EQ(world_.queue->Find(id)->value().state, QueueState::kDelivered);
}

TEST_F(SubmissionTest, ASubmissionThatCannotBeProcessedBecomesADeadLetterAndItsSenderIsTold) {
  smtp::Envelope envelope;
  envelope.mail_from = "dr@clinic.test";
  envelope.auth_user = "dr@clinic.test";
  envelope.recipients.push_back({"pat@home.test", "", ""});
  InboundRecord broken;
  broken.id = "deadbeefdeadbeefdeadbeefdeadbeef";
  broken.received_at = clock_.NowUnix();
  broken.client_address = "192.0.2.9";
  broken.auth_user = "dr@clinic.test";
  broken.envelope_json = EnvelopeToJson(envelope);
  broken.sealed_content = "not sealed by us: it cannot be opened";
  broken.next_attempt_at = clock_.NowUnix();
  ASSERT_TRUE(inbound_->InsertBatch({broken}).ok());
  const int tries = 10;  // ProcessorSettings' default
  for (int i = 0; i < tries; ++i) {
    ASSERT_TRUE(Queued().empty()) << "told before the last try, at try " << i;
    ASSERT_EQ(processor_->RunOnce(), 1) << "try " << i;
    clock_.Advance(3600);  // past any backoff
  }
  // Dead: not due again, however long one waits, and listed for the administrator.
  EXPECT_EQ(processor_->RunOnce(), 0);
  clock_.Advance(30 * 86400);
  EXPECT_TRUE(inbound_->Due(clock_.NowUnix(), 10)->empty());
  auto dead = *inbound_->DeadLetters(10);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].id, broken.id);
  EXPECT_EQ(dead[0].attempts, tries);
  EXPECT_TRUE(dead[0].dead_at.has_value());
  EXPECT_FALSE(dead[0].last_error.empty());
  // The sender was told once, from the null sender, naming the recipient and the id.
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].first.rcpt_to, "dr@clinic.test");
  EXPECT_EQ(queued[0].first.mail_from, "");
  EXPECT_NE(queued[0].second.find("pat@home.test"), std::string::npos);
  EXPECT_NE(queued[0].second.find(broken.id), std::string::npos);
  auto events = *world_.events->ForMessage(broken.id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "dead_letter");
  // An administrator may try it again: due now, its count started afresh.
  ASSERT_TRUE(inbound_->Revive(broken.id, clock_.NowUnix()).ok());
  EXPECT_EQ(inbound_->Revive(broken.id, clock_.NowUnix()).error().code, ErrorCode::kNotFound);
  auto due = *inbound_->Due(clock_.NowUnix(), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempts, 0);
}

TEST_F(SubmissionTest, SendPlainDeliversWithoutOptionHeaders) {
  ASSERT_TRUE(directory_->Set(OrgLevel::kDomain, "clinic.test", {"failure_action=send-plain"}).ok());
  Submit("From: dr@clinic.test\r\nTo: pat@home.test\r\nX-Sealpost-TLS-Only: no\r\n"
         "Subject: s\r\n\r\nbody\r\n",
         {"pat@home.test"});
  EXPECT_EQ(processor_->RunOnce(), 1);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].first.rcpt_to, "pat@home.test");
  EXPECT_EQ(queued[0].first.mail_from, "dr@clinic.test");
  EXPECT_EQ(queued[0].second,
            "From: dr@clinic.test\r\nTo: pat@home.test\r\nSubject: s\r\n\r\nbody\r\n");
}

TEST_F(SubmissionTest, DsnParametersReachTheQueueEntries) {
  smtp::Submission s;
  s.envelope.mail_from = "dr@clinic.test";
  s.envelope.envid = "env+2B1";
  s.envelope.ret = "HDRS";
  s.envelope.recipients = {{"pat@home.test", "SUCCESS,FAILURE", "rfc822;pat@home.test"}};
  s.content = kWithQuestion;
  std::promise<Result<std::string>> promise;
  spool_->Commit(std::move(s), [&](Result<std::string> r) { promise.set_value(std::move(r)); });
  ASSERT_TRUE(promise.get_future().get().ok());
  EXPECT_EQ(processor_->RunOnce(), 1);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].first.dsn,
            R"({"notify":"SUCCESS,FAILURE","orcpt":"rfc822;pat@home.test","envid":"env+2B1","ret":"HDRS"})");
}

TEST_F(SubmissionTest, ContentRulesReadTextAttachments) {
  ASSERT_TRUE(directory_->Replace(OrgLevel::kDomain, "clinic.test",
                                  R"({"content_rules": [{"keyword": "diagnosis"}]})").ok());
  auto with_attachment = [](const std::string& attachment) {
    return "From: dr@clinic.test\r\nTo: pat@home.test\r\nX-Sealpost-Question: Q?\r\n"
           "X-Sealpost-Answer: A\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
           "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\n"
           "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=n.txt\r\n\r\n" +
           attachment + "\r\n--b--\r\n";
  };
  Submit(with_attachment("The diagnosis is flu."), {"pat@home.test"});
  Submit(with_attachment("Nothing sensitive."), {"pat@home.test"});
  EXPECT_EQ(processor_->RunOnce(), 2);
  std::vector<std::string> traces;
  for (auto& [q, mail] : Queued()) {
    traces.push_back((*world_.messages->Find(q.message_id))->recipients[0].trace);
  }
  ASSERT_EQ(traces.size(), 2u);
  const int unmatched = std::count_if(traces.begin(), traces.end(), [](const std::string& t) {
    return t.find("no content rule matched") != std::string::npos;
  });
  EXPECT_EQ(unmatched, 1);  // only the message whose attachment lacks the keyword
}

TEST_F(SubmissionTest, MixedRecipientsInOneMessage) {
  // A book entry gives one recipient a question; the other falls to the failure action.
  policy::BookRef book{"user", "dr@clinic.test", "personal"};
  ASSERT_TRUE(books_->CreateBook(book).ok());
  ASSERT_TRUE(books_->Link("dr@clinic.test", book, "default").ok());
  ASSERT_TRUE(books_->PutQuestion(book, "known@home.test", {"Town?", "Paris"}).ok());
  Submit("From: dr@clinic.test\r\nTo: known@home.test\r\nCc: other@home.test\r\n\r\nx\r\n",
         {"known@home.test", "other@home.test"});
  EXPECT_EQ(processor_->RunOnce(), 1);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 2u);
  std::set<std::string> to;
  for (auto& [q, mail] : queued) to.insert(q.rcpt_to);
  EXPECT_EQ(to, (std::set<std::string>{"known@home.test", "dr@clinic.test"}));
  // Both in one message's transaction: the bounce notice belongs to the escrow message.
  EXPECT_EQ(queued[0].first.message_id, queued[1].first.message_id);
}

TEST_F(SubmissionTest, BadOptionHeadersBounceTheWholeMessageNamingTheField) {
  Submit("From: dr@clinic.test\r\nTo: pat@home.test\r\nX-Sealpost-Question: Pet?\r\n"
         "X-Sealpost-Expires: forever\r\n\r\nx\r\n",
         {"pat@home.test"});
  EXPECT_EQ(processor_->RunOnce(), 1);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].first.rcpt_to, "dr@clinic.test");
  EXPECT_NE(queued[0].second.find("X-Sealpost-Expires must be a whole number"), std::string::npos);
}

TEST_F(SubmissionTest, AlreadyEncryptedMessagesGoOutAsTheyAre) {
  const std::string pgp =
      "From: dr@clinic.test\r\nTo: pat@home.test\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\r\n"
      "\r\n--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b\r\n"
      "Content-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n--b--\r\n";
  Submit(pgp, {"pat@home.test"});
  EXPECT_EQ(processor_->RunOnce(), 1);
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].first.rcpt_to, "pat@home.test");
  EXPECT_EQ(queued[0].second, pgp);
}

TEST_F(SubmissionTest, UserAuthenticatorChecksTheSmtpPassword) {
  UserAuthenticator auth(*world_.org, *world_.audit, clock_);
  auto password = [](const char* s) { return SecretBytes(s, std::strlen(s)); };
  EXPECT_FALSE(auth.Authenticate("dr@clinic.test", password("anything"), "192.0.2.1").ok());  // none set
  auto user = *world_.org->FindUser("dr@clinic.test");
  ASSERT_TRUE(user.has_value());
  ASSERT_TRUE(world_.org->SetSmtpPassword("dr@clinic.test", *HashSecret("correct horse")).ok());
  auto ok = auth.Authenticate("dr@clinic.test", password("correct horse"), "192.0.2.1");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, std::vector<std::string>{"dr@clinic.test"});
  EXPECT_EQ(auth.Authenticate("dr@clinic.test", password("wrong"), "192.0.2.1").error().code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.Authenticate("nobody@clinic.test", password("correct horse"), "192.0.2.1").error().code,
            ErrorCode::kUnauthenticated);
  // Every attempt is in the audit trail, without the password.
  AuditQuery logins;
  logins.action = "auth.smtp";
  auto recorded = *world_.audit->Search(logins);
  int failed = 0, ok_logins = 0;
  for (const auto& r : recorded) {
    if (r.result == "refused") ++failed;
    if (r.result == "ok") ++ok_logins;
    EXPECT_EQ(r.details.find("correct horse"), std::string::npos);
    EXPECT_EQ(r.client_address, "192.0.2.1");
  }
  EXPECT_EQ(recorded.back().actor, "dr@clinic.test");
  EXPECT_EQ(failed, 3);
  EXPECT_EQ(ok_logins, 1);
}

}  // namespace
}  // namespace sealpost::submission
