#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "base/temp_dir.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "delivery/queue_runner.h"
#include "dkim/dkim.h"
#include "queue/queue_entry.h"
#include "store/blob_store.h"
#include "store/sqlite/stores.h"

namespace sealpost {
namespace {

// Answers every recipient with one outcome and reply, at once.
class ScriptedTarget final : public DeliveryTarget {
 public:
  ScriptedTarget(DeliveryReport::Outcome outcome, std::string reply)
      : outcome_(outcome), reply_(std::move(reply)) {}
  void Deliver(OutboundMessage m, Done done) override {
    ++calls;
    text = m.prefix + *ReadQueueContent(*m.content);
    EXPECT_EQ(m.size, text.size());
    last = m;
    std::vector<RecipientResult> results;
    for (const auto& r : m.recipients) {
      DeliveryReport report;
      report.outcome = outcome_;
      report.reply = reply_;
      report.mx_host = "mx.example.net";
      results.push_back({r.queue_id, report});
    }
    done(std::move(results));
  }
  int calls = 0;
  OutboundMessage last;
  std::string text;  // the last message as it left

 private:
  DeliveryReport::Outcome outcome_;
  std::string reply_;
};

// Counts the bytes read from the blobs of the store it wraps.
class CountingBlobs final : public BlobStore {
 public:
  explicit CountingBlobs(BlobStore& blobs) : blobs_(blobs) {}
  Result<std::unique_ptr<BlobWriter>> Create(const std::string& id) override {
    return blobs_.Create(id);
  }
  Result<std::unique_ptr<BlobReader>> Open(const std::string& id) override {
    auto reader = blobs_.Open(id);
    if (!reader.ok()) return reader;
    return std::unique_ptr<BlobReader>(std::make_unique<Counted>(std::move(*reader), read));
  }
  Status Remove(const std::string& id) override { return blobs_.Remove(id); }
  std::uint64_t read = 0;

 private:
  class Counted final : public BlobReader {
   public:
    Counted(std::unique_ptr<BlobReader> in, std::uint64_t& read)
        : in_(std::move(in)), read_(read) {}
    std::uint64_t size() const override { return in_->size(); }
    Status ReadAt(std::uint64_t offset, std::size_t length, std::string& out) override {
      read_ += length;
      return in_->ReadAt(offset, length, out);
    }

   private:
    std::unique_ptr<BlobReader> in_;
    std::uint64_t& read_;
  };
  BlobStore& blobs_;
};

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*sqlite::Database::Open(dir_ + "/db"));
    queue_ = sqlite::NewQueueStore(*db_);
    messages_ = sqlite::NewMessageStore(*db_);
    ASSERT_TRUE(sqlite::NewSigningKeyStore(*db_)->Insert({"k", "p", "s", 1}).ok());
    MessageRecord m;
    m.id = "m1";
    m.account = "a";
    m.sender = "s@example.org";
    m.signing_key_id = "k";
    m.manifest_blob = "b";
    RecipientRecord r;
    r.id = "r1";
    r.message_id = "m1";
    r.address = "r@example.net";
    r.kind = "to";
    r.method = "escrow";
    r.status = RecipientStatus::kNoticeQueued;
    m.recipients.push_back(r);
    QueueEntry q;
    q.id = "q1";
    q.message_id = "m1";
    q.recipient_id = "r1";
    q.mail_from = "s@example.org";
    q.rcpt_to = "r@example.net";
    q.sealed_content = *key_.Seal("Subject: hi\r\n\r\nbody\r\n", QueueContentAad("q1"));
    q.next_attempt_at = 100;
    q.created_at = 100;
    ASSERT_TRUE(messages_->InsertWithNotices(m, {q}, {}, "").ok());
  }

  // Message `message_id` with one entry for `to`, queued now, its 100 kB content in a
  // blob of its own; returns the entry and the blob's file.
  std::pair<QueueEntry, std::string> QueueBlobEntry(const std::string& message_id,
                                                    const std::string& to) {
    auto spooled =
        SpoolQueueContent(*blobs_, key_, "Subject: x\r\n\r\n" + std::string(100000, 'x'));
    EXPECT_TRUE(spooled.ok());
    MessageRecord m = **messages_->Find("m1");
    m.id = message_id;
    m.recipients.clear();
    QueueEntry q = ReferenceQueueEntry(*spooled, "s@example.org", to, clock_.NowUnix());
    q.message_id = message_id;
    EXPECT_TRUE(messages_->InsertWithNotices(m, {q}, {}, "").ok());
    return {q, dir_ + "/blobs/" + spooled->blob_id.substr(0, 2) + "/" + spooled->blob_id};
  }

  TempDir temp_;
  const std::string dir_ = temp_.path();
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<QueueStore> queue_;
  std::unique_ptr<MessageStore> messages_;
  std::unique_ptr<BlobStore> blobs_ = std::move(*NewFileBlobStore(dir_ + "/blobs"));
  PurposeKey key_{RandomSecret(32)};
  ManualClock clock_{100};
};

TEST_F(DeliveryTest, OutboxReceivesMessageAndQueueForgetsContent) {
  auto outbox = NewOutboxTarget(dir_ + "/outbox");
  ASSERT_TRUE(outbox.ok());
  QueueRunner runner({}, *queue_, *blobs_, **outbox, key_, clock_);
  EXPECT_EQ(runner.RunOnce(), 1);
  std::vector<std::filesystem::path> files;
  for (auto& e : std::filesystem::directory_iterator(dir_ + "/outbox")) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  std::ifstream f(files[0]);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(),
            "X-Sealpost-Envelope-From: <s@example.org>\r\nX-Sealpost-Envelope-To: "
            "<r@example.net>\r\nSubject: hi\r\n\r\nbody\r\n");
  auto entry = *queue_->Find("q1");
  EXPECT_EQ((*entry).state, QueueState::kDelivered);
  EXPECT_TRUE((*entry).sealed_content.empty());
  EXPECT_EQ(runner.RunOnce(), 0);
}

// The outbox files a pass's messages together: each is written as it is handed over,
// and named, made durable and answered only at the end of the pass.
TEST_F(DeliveryTest, OutboxAnswersAPassOnceItsFilesAreDurable) {
  auto made = NewOutboxTarget(dir_ + "/outbox");
  ASSERT_TRUE(made.ok());
  DeliveryTarget& outbox = **made;
  auto content = ContentInMemory("Subject: a\r\n\r\nbody\r\n");
  std::vector<RecipientResult> answered;
  int calls = 0;
  for (const char* id : {"e1", "e2"}) {
    OutboundMessage m;
    m.mail_from = "s@example.org";
    m.recipients = {{id, std::string(id) + "@example.net"}};
    m.content = content;
    outbox.Deliver(std::move(m), [&](std::vector<RecipientResult> results) {
      ++calls;
      for (auto& r : results) answered.push_back(std::move(r));
    });
  }
  auto names = [&] {
    std::vector<std::string> found;
    for (auto& e : std::filesystem::directory_iterator(dir_ + "/outbox")) {
      found.push_back(e.path().filename().string());
    }
    std::sort(found.begin(), found.end());
    return found;
  };
  EXPECT_EQ(calls, 0);  // written, not yet answered
  auto before = names();
  ASSERT_EQ(before.size(), 2u);
  for (const auto& name : before) EXPECT_EQ(name.substr(name.size() - 4), ".tmp") << name;
  outbox.EndOfPass();
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(answered.size(), 2u);
  for (const auto& r : answered) {
    EXPECT_EQ(r.report.outcome, DeliveryReport::Outcome::kDelivered) << r.report.reply;
    EXPECT_EQ(r.report.reply, "filed in the outbox");
  }
  auto after = names();
  ASSERT_EQ(after.size(), 2u);
  for (const auto& name : after) {
    EXPECT_NE(name[0], '.') << name;
    EXPECT_EQ(name.substr(name.size() - 4), ".eml") << name;
  }
  outbox.EndOfPass();  // nothing held: nothing answered twice
  EXPECT_EQ(calls, 2);
}

// Content kept once leaves once per transaction and goes with its last entry: two
// entries of one domain share a blob and one transaction; a third, deleted by an
// administrator, still refers to it until it is deleted; then the blob file goes.
TEST_F(DeliveryTest, ContentKeptOnceLeavesOnceAndGoesWithItsLastEntry) {
  ASSERT_TRUE(queue_->Delete("q1", {}).ok());
  const std::string mail = "Subject: results\r\n\r\n" + std::string(200 * 1024, 'r') + "\r\n";
  auto spooled = SpoolQueueContent(*blobs_, key_, mail);
  ASSERT_TRUE(spooled.ok()) << spooled.error().ToString();
  const std::string blob_file = dir_ + "/blobs/" + spooled->blob_id.substr(0, 2) + "/" +
                                spooled->blob_id;
  ASSERT_TRUE(std::filesystem::exists(blob_file));
  MessageRecord m = **messages_->Find("m1");
  m.id = "m3";
  m.recipients.clear();
  std::vector<QueueEntry> entries;
  for (const char* to : {"a@example.net", "b@example.net", "c@other.example"}) {
    entries.push_back(ReferenceQueueEntry(*spooled, "s@example.org", to, 100));
    entries.back().message_id = "m3";
  }
  ASSERT_TRUE(messages_->InsertWithNotices(m, entries, {}, "").ok());
  ASSERT_TRUE(queue_->Delete(entries[2].id, {}).ok());  // before it is claimed

  ScriptedTarget target(DeliveryReport::Outcome::kDelivered, "250 ok");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  EXPECT_EQ(runner.RunOnce(), 2);
  EXPECT_EQ(target.calls, 1);  // one transaction, both recipients
  EXPECT_EQ(target.last.recipients.size(), 2u);
  EXPECT_EQ(target.text, mail);
  EXPECT_FALSE(std::filesystem::exists(blob_file));
  EXPECT_TRUE(queue_->SpentContent(10)->empty());
  const QueueEntry done = **queue_->Find(entries[0].id);
  EXPECT_TRUE(done.content_key.empty());
  EXPECT_TRUE(done.content_blob.empty());
}

// Ended entries stay in the queue table (for reports) long after their content is gone:
// finding and forgetting spent content must use the content index, not read every row
// (it did: at 440 relayed messages a second, a fifth of the server's time, growing with
// the table). 2,000 ended entries beside one blob shared by two live ones.
TEST_F(DeliveryTest, SpentContentIsFoundWithoutReadingEveryEntry) {
  ASSERT_TRUE(queue_->Delete("q1", {}).ok());
  std::vector<QueueEntry> ended;
  for (int i = 0; i < 2000; ++i) {
    auto q = SealQueueEntry(key_, "s@example.org", "old" + std::to_string(i) + "@example.net",
                            "Subject: old\r\n\r\nold\r\n", 100);
    ASSERT_TRUE(q.ok());
    q->message_id = "m20";
    q->state = QueueState::kDelivered;
    ended.push_back(std::move(*q));
  }
  const std::string mail = "Subject: results\r\n\r\n" + std::string(100 * 1024, 'r') + "\r\n";
  auto spooled = SpoolQueueContent(*blobs_, key_, mail);
  ASSERT_TRUE(spooled.ok()) << spooled.error().ToString();
  std::vector<QueueEntry> live;
  for (const char* to : {"a@example.net", "b@example.net"}) {
    live.push_back(ReferenceQueueEntry(*spooled, "s@example.org", to, 100));
    live.back().message_id = "m20";
  }
  MessageRecord m = **messages_->Find("m1");
  m.id = "m20";
  m.recipients.clear();
  std::vector<QueueEntry> entries = ended;
  entries.insert(entries.end(), live.begin(), live.end());
  ASSERT_TRUE(messages_->InsertWithNotices(m, entries, {}, "").ok());

  // Delivered: claimed, settled, its blob found spent and removed.
  ScriptedTarget target(DeliveryReport::Outcome::kDelivered, "250 ok");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  std::uint64_t before = db_->full_scan_steps();
  EXPECT_EQ(runner.RunOnce(), 2);
  EXPECT_TRUE(queue_->SpentContent(10)->empty());
  EXPECT_TRUE((**queue_->Find(live[0].id)).content_blob.empty());  // forgotten
  EXPECT_LT(db_->full_scan_steps() - before, 100u);                // not 2,000 per query

  // Deleted by an administrator before it left.
  spooled = SpoolQueueContent(*blobs_, key_, mail);
  ASSERT_TRUE(spooled.ok()) << spooled.error().ToString();
  for (auto& q : live) {
    q = ReferenceQueueEntry(*spooled, "s@example.org", q.rcpt_to, 100);
    q.message_id = "m21";
  }
  m.id = "m21";
  ASSERT_TRUE(messages_->InsertWithNotices(m, live, {}, "").ok());
  before = db_->full_scan_steps();
  ASSERT_TRUE(queue_->Delete(live[0].id, {}).ok());  // one still refers to the blob
  EXPECT_TRUE(queue_->SpentContent(10)->empty());
  ASSERT_TRUE(queue_->Delete(live[1].id, {}).ok());  // the last: the blob is spent
  EXPECT_EQ(*queue_->SpentContent(10), std::vector<std::string>{spooled->blob_id});
  ASSERT_TRUE(queue_->ForgetContent({spooled->blob_id}).ok());
  EXPECT_TRUE(queue_->SpentContent(10)->empty());
  EXPECT_LT(db_->full_scan_steps() - before, 100u);  // not 2,000 per query
}

// Under load the checkpoint that scrubs ended content out of the files runs at most
// once a second: a second end in the same second waits for the clock to move (its blob
// is removed only once the write-ahead log is truncated), and a stop does not leave it waiting.
TEST_F(DeliveryTest, EndedContentIsScrubbedAtMostOnceASecondAndAtStop) {
  ASSERT_TRUE(queue_->Delete("q1", {}).ok());
  auto queue_blob = [&](const std::string& message_id, const std::string& to) {
    return QueueBlobEntry(message_id, to).second;
  };
  ScriptedTarget target(DeliveryReport::Outcome::kDelivered, "250 ok");
  {
    QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
    const std::string first = queue_blob("m6", "a@example.net");
    EXPECT_EQ(runner.RunOnce(), 1);
    EXPECT_FALSE(std::filesystem::exists(first));  // the queue was quiet: at once

    const std::string second = queue_blob("m7", "b@example.net");
    EXPECT_EQ(runner.RunOnce(), 1);
    auto sent = queue_->ForMessage("m7");
    ASSERT_TRUE(sent.ok() && sent->size() == 1);
    EXPECT_EQ((*sent)[0].state, QueueState::kDelivered);
    EXPECT_TRUE(std::filesystem::exists(second));  // same second: the scrub waits
    clock_.Advance(1);
    EXPECT_EQ(runner.RunOnce(), 0);
    EXPECT_FALSE(std::filesystem::exists(second));

    const std::string third = queue_blob("m8", "c@example.net");
    EXPECT_EQ(runner.RunOnce(), 1);
    EXPECT_TRUE(std::filesystem::exists(third));
    runner.Stop();
    EXPECT_FALSE(std::filesystem::exists(third));
  }
  EXPECT_EQ(target.calls, 3);
}

// A running queue removes spent blobs on a thread of their own (a removal can take
// milliseconds, and deliveries must not wait for hundreds of them): the file goes, and
// the store forgets it, without a pass of the test's own.
TEST_F(DeliveryTest, ARunningQueueRemovesSpentBlobsOnItsSweeper) {
  ASSERT_TRUE(queue_->Delete("q1", {}).ok());
  const auto [q, blob_file] = QueueBlobEntry("m9", "a@example.net");
  ScriptedTarget target(DeliveryReport::Outcome::kDelivered, "250 ok");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  runner.Start();
  runner.Notify();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::filesystem::exists(blob_file) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(std::filesystem::exists(blob_file));
  runner.Stop();
  EXPECT_EQ(target.calls, 1);
  EXPECT_TRUE(queue_->SpentContent(10)->empty());  // forgotten too
  EXPECT_TRUE((**queue_->Find(q.id)).content_blob.empty());
}

// A retracted message's unsent copies lose their keys in the retraction's transaction;
// the runner's sweep then removes the blob they shared, without any delivery.
TEST_F(DeliveryTest, ARetractedMessagesBlobGoesWithTheSweep) {
  ASSERT_TRUE(queue_->Delete("q1", {}).ok());
  auto spooled =
      SpoolQueueContent(*blobs_, key_, "Subject: x\r\n\r\n" + std::string(100000, 'x'));
  ASSERT_TRUE(spooled.ok());
  const std::string blob_file = dir_ + "/blobs/" + spooled->blob_id.substr(0, 2) + "/" +
                                spooled->blob_id;
  MessageRecord m = **messages_->Find("m1");
  m.id = "m5";
  m.recipients.clear();
  std::vector<QueueEntry> entries;
  for (const char* to : {"a@example.net", "b@example.org"}) {
    entries.push_back(ReferenceQueueEntry(*spooled, "s@example.org", to, 100));
    entries.back().message_id = "m5";
  }
  ASSERT_TRUE(messages_->InsertWithNotices(m, entries, {}, "").ok());
  ASSERT_TRUE(messages_->Destroy("m5", 100, true, {0, "m5", "", "retracted", 100, "", ""}).ok());
  EXPECT_EQ((**queue_->Find(entries[0].id)).state, QueueState::kSuperseded);
  EXPECT_TRUE((**queue_->Find(entries[0].id)).content_key.empty());
  ASSERT_TRUE(std::filesystem::exists(blob_file));

  ScriptedTarget target(DeliveryReport::Outcome::kDelivered, "250 ok");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  EXPECT_EQ(runner.RunOnce(), 0);
  EXPECT_EQ(target.calls, 0);
  EXPECT_FALSE(std::filesystem::exists(blob_file));
  EXPECT_TRUE(queue_->SpentContent(10)->empty());
}

// An entry whose blob is missing waits and says why; nothing else is disturbed.
TEST_F(DeliveryTest, ContentWhoseBlobIsGoneIsDeferredWithAReason) {
  ASSERT_TRUE(queue_->Delete("q1", {}).ok());
  auto spooled = SpoolQueueContent(*blobs_, key_, "Subject: x\r\n\r\nbody\r\n");
  ASSERT_TRUE(spooled.ok());
  ASSERT_TRUE(blobs_->Remove(spooled->blob_id).ok());
  MessageRecord m = **messages_->Find("m1");
  m.id = "m4";
  m.recipients.clear();
  QueueEntry q = ReferenceQueueEntry(*spooled, "s@example.org", "a@example.net", 100);
  q.message_id = "m4";
  ASSERT_TRUE(messages_->InsertWithNotices(m, {q}, {}, "").ok());
  ScriptedTarget target(DeliveryReport::Outcome::kDelivered, "250 ok");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  runner.RunOnce();
  EXPECT_EQ(target.calls, 0);
  const QueueEntry after = **queue_->Find(q.id);
  EXPECT_EQ(after.state, QueueState::kDeferred);
  EXPECT_EQ(after.last_error, "content is missing: its blob is gone");
}

// The recipient moves on with the delivery, in the transaction that records it: a
// notice (notice_queued → notice_delivered) and a copy that is the mail itself
// (queued → delivered), each with its event.
TEST_F(DeliveryTest, DeliveryMovesItsRecipientOnWithItsEvent) {
  MessageRecord m = **messages_->Find("m1");
  m.id = "m2";
  m.recipients = {**messages_->FindRecipient("r1")};
  m.recipients[0].id = "r2";
  m.recipients[0].message_id = "m2";
  m.recipients[0].method = "smime";
  m.recipients[0].status = RecipientStatus::kQueued;
  QueueEntry copy = **queue_->Find("q1");
  copy.id = "q2";
  copy.message_id = "m2";
  copy.recipient_id = "r2";
  copy.sealed_content = *key_.Seal("Subject: hi\r\n\r\nsealed\r\n", QueueContentAad("q2"));
  ASSERT_TRUE(messages_->InsertWithNotices(m, {copy}, {}, "").ok());

  ScriptedTarget target(DeliveryReport::Outcome::kDelivered, "250 ok");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  EXPECT_EQ(runner.RunOnce(), 2);
  EXPECT_EQ((**messages_->FindRecipient("r1")).status, RecipientStatus::kNoticeDelivered);
  EXPECT_EQ((**messages_->FindRecipient("r2")).status, RecipientStatus::kDelivered);
  auto events = sqlite::NewEventStore(*db_);
  auto notice_events = *events->ForMessage("m1");
  ASSERT_EQ(notice_events.size(), 1u);
  EXPECT_EQ(notice_events[0].type, "notice_delivered");
  EXPECT_EQ(notice_events[0].recipient_id, "r1");
  EXPECT_EQ(notice_events[0].at, 100);
  auto copy_events = *events->ForMessage("m2");
  ASSERT_EQ(copy_events.size(), 1u);
  EXPECT_EQ(copy_events[0].type, "delivered");
}

// A TLS-only copy whose servers offer no TLS: nothing sent, no DSN; its standby
// fallback (an escrow notice) is due at once and goes out as ordinary mail.
TEST_F(DeliveryTest, TlsOnlyWithoutTlsReplansToTheStandbyFallback) {
  QueueEntry primary = **queue_->Find("q1");
  ASSERT_TRUE(queue_->Delete("q1", {}).ok());
  primary.id = "tls1";
  primary.tls_required = true;
  primary.sealed_content = *key_.Seal("Subject: results\r\n\r\nHb 13.2\r\n",
                                    QueueContentAad("tls1"));
  QueueEntry notice = primary;
  notice.id = "notice1";
  notice.tls_required = false;
  notice.state = QueueState::kStandby;
  notice.standby_for = "tls1";
  notice.sealed_content = *key_.Seal("Subject: secure message\r\n\r\nlink\r\n",
                                   QueueContentAad("notice1"));
  ASSERT_TRUE(queue_->Record({}, {primary, notice}, {}).ok());

  ScriptedTarget target(DeliveryReport::Outcome::kNoTls, "TLS could not be had: no STARTTLS");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  EXPECT_EQ(runner.RunOnce(), 1);  // the standby entry is not due by itself
  EXPECT_TRUE(target.last.tls_required);
  auto replanned = **queue_->Find("tls1");
  EXPECT_EQ(replanned.state, QueueState::kReplanned);
  EXPECT_TRUE(replanned.sealed_content.empty());
  EXPECT_NE(replanned.report.find("\"outcome\":\"tls-unavailable\""), std::string::npos);

  auto due = *queue_->Due(clock_.NowUnix(), 10);
  ASSERT_EQ(due.size(), 1u);  // the notice, and no DSN
  EXPECT_EQ(due[0].id, "notice1");
  ScriptedTarget mx(DeliveryReport::Outcome::kDelivered, "250 2.0.0 ok");
  QueueRunner next({}, *queue_, *blobs_, mx, key_, clock_);
  EXPECT_EQ(next.RunOnce(), 1);
  EXPECT_FALSE(mx.last.tls_required);
  EXPECT_NE(mx.text.find("secure message"), std::string::npos);
  EXPECT_EQ((**queue_->Find("notice1")).state, QueueState::kDelivered);
  auto events = *sqlite::NewEventStore(*db_)->ForMessage("m1");
  auto replan = std::find_if(events.begin(), events.end(),
                             [](const EventRecord& e) { return e.type == "replanned"; });
  ASSERT_NE(replan, events.end());
  EXPECT_EQ(replan->detail, "TLS could not be had: no STARTTLS");
}

// DKIM fields go on top of what leaves; a message that cannot be signed still leaves.
// Only a TLS-only entry has a fallback to hand over to: any other entry told "no TLS"
// waits and tries again rather than ending with nothing after it.
TEST_F(DeliveryTest, NoTlsForAnOrdinaryEntryIsADeferral) {
  ScriptedTarget target(DeliveryReport::Outcome::kNoTls, "TLS could not be had");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  EXPECT_EQ(runner.RunOnce(), 1);
  auto entry = **queue_->Find("q1");
  EXPECT_EQ(entry.state, QueueState::kDeferred);
  EXPECT_FALSE(entry.sealed_content.empty());
}

TEST_F(DeliveryTest, SignsWhatLeavesAndSendsUnsignedWhenSigningFails) {
  ScriptedTarget target(DeliveryReport::Outcome::kDelivered, "250 ok");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  std::string seen_header, seen_hash;
  std::vector<std::string> asked;
  runner.SignWith(
      [&](std::string_view header, const std::string& body_hash) -> Result<std::string> {
        seen_header = std::string(header);
        seen_hash = body_hash;
        return std::string("DKIM-Signature: v=1; b=x\r\n");
      },
      [&](std::string_view header) {
        asked.emplace_back(header);
        return true;
      });
  EXPECT_EQ(runner.RunOnce(), 1);
  EXPECT_EQ(seen_header, "Subject: hi\r\n");
  EXPECT_EQ(seen_hash, dkim::BodyHash("body\r\n", dkim::Canon::kRelaxed));
  EXPECT_EQ(target.text, "DKIM-Signature: v=1; b=x\r\nSubject: hi\r\n\r\nbody\r\n");
  EXPECT_EQ(asked, std::vector<std::string>{"Subject: hi\r\n"});  // once, with the header

  QueueEntry again = **queue_->Find("q1");
  again.id = "q2";
  again.state = QueueState::kQueued;
  again.sealed_content = *key_.Seal("Subject: hi\r\n\r\nbody\r\n", QueueContentAad("q2"));
  ASSERT_TRUE(queue_->Record({}, {again}, {}).ok());
  runner.SignWith(
      [](std::string_view, const std::string&) -> Result<std::string> {
        return MakeError(ErrorCode::kInternal, "key cannot be opened");
      },
      [](std::string_view) { return true; });
  EXPECT_EQ(runner.RunOnce(), 1);
  EXPECT_EQ(target.text, "Subject: hi\r\n\r\nbody\r\n");
  EXPECT_EQ((**queue_->Find("q2")).state, QueueState::kDelivered);

  // A message no key covers is neither hashed nor signed; one that is all header (no
  // body) is asked about and signed with the hash of an empty body.
  std::vector<std::string> headers;
  int signs = 0;
  runner.SignWith(
      [&](std::string_view, const std::string& body_hash) -> Result<std::string> {
        ++signs;
        EXPECT_EQ(body_hash, dkim::BodyHash("", dkim::Canon::kRelaxed));
        return std::string("DKIM-Signature: v=1; b=y\r\n");
      },
      [&](std::string_view header) {
        headers.emplace_back(header);
        return header.find("From: a@signed.example") != std::string_view::npos;
      });
  auto requeue = [&](const std::string& id, const std::string& content) {
    QueueEntry e = **queue_->Find("q1");
    e.id = id;
    e.state = QueueState::kQueued;
    e.sealed_content = *key_.Seal(content, QueueContentAad(id));
    ASSERT_TRUE(queue_->Record({}, {e}, {}).ok());
  };
  requeue("q3", "From: b@unsigned.example\r\n\r\nbody\r\n");
  EXPECT_EQ(runner.RunOnce(), 1);
  EXPECT_EQ(target.text, "From: b@unsigned.example\r\n\r\nbody\r\n");
  requeue("q4", "From: a@signed.example\r\n");
  EXPECT_EQ(runner.RunOnce(), 1);
  EXPECT_EQ(target.text, "DKIM-Signature: v=1; b=y\r\nFrom: a@signed.example\r\n");
  EXPECT_EQ(signs, 1);
  EXPECT_EQ(headers, (std::vector<std::string>{"From: b@unsigned.example\r\n",
                                               "From: a@signed.example\r\n"}));
}

// Content written into a blob records whether it is 8-bit; the queue takes that from
// the entry and does not decrypt the whole blob once more before it leaves (it did: 8 %
// of the server's time relaying 100 KiB messages). With a signer, only the header is
// read unless a key covers it; a DSN for content whose header was not read reads it then.
// Entries queued before the bits were kept (unknown) are read as they were.
TEST_F(DeliveryTest, RecordedBitsSpareReadingALargeContentBeforeItLeaves) {
  ASSERT_TRUE(queue_->Delete("q1", {}).ok());
  CountingBlobs counted(*blobs_);
  struct Seen {
    std::uint64_t read_before = 0;
    bool eight_bit = false;
  };
  class Target final : public DeliveryTarget {
   public:
    Target(CountingBlobs& blobs, std::vector<Seen>& seen) : blobs_(blobs), seen_(seen) {}
    void Deliver(OutboundMessage m, Done done) override {
      seen_.push_back({blobs_.read, m.eight_bit});
      EXPECT_TRUE(ReadQueueContent(*m.content).ok());  // as it leaves
      std::vector<RecipientResult> results;
      for (const auto& r : m.recipients) {
        DeliveryReport report;
        report.outcome = DeliveryReport::Outcome::kBounced;
        report.reply = "550 5.1.1 no such user";
        report.mx_host = "mx.example.net";
        results.push_back({r.queue_id, report});
      }
      done(std::move(results));
    }

   private:
    CountingBlobs& blobs_;
    std::vector<Seen>& seen_;
  };
  std::vector<Seen> seen;
  Target target(counted, seen);
  QueueRunner runner({}, *queue_, counted, target, key_, clock_);

  const std::string body(100 * 1024, 'b');
  auto queue = [&](const std::string& content, ContentBits bits) {
    auto spooled = SpoolQueueContent(*blobs_, key_, content);
    ASSERT_TRUE(spooled.ok());
    QueueEntry q = ReferenceQueueEntry(*spooled, "s@example.org", "r@example.net", 100);
    q.content_bits = bits;
    ASSERT_TRUE(queue_->Record({}, {q}, {}).ok());
    counted.read = 0;
    seen.clear();
  };
  auto dsn_text = [&] {
    auto dsns = *queue_->Due(clock_.NowUnix(), 10);
    EXPECT_EQ(dsns.size(), 1u);
    std::string text =
        dsns.empty() ? "" : *key_.Open(dsns[0].sealed_content, QueueContentAad(dsns[0].id));
    for (const auto& d : dsns) EXPECT_TRUE(queue_->Delete(d.id, {}).ok());
    return text;
  };

  // What SpoolQueueContent recorded, and the store kept.
  auto seven = SpoolQueueContent(*blobs_, key_, "Subject: plain\r\n\r\n" + body);
  auto eight = SpoolQueueContent(*blobs_, key_, "Subject: plain\r\n\r\n" + body + "caf\xc3\xa9");
  EXPECT_EQ(seven->bits, ContentBits::kSevenBit);
  EXPECT_EQ(eight->bits, ContentBits::kEightBit);

  // 7-bit recorded: nothing of the content read before it leaves; the DSN quotes its header.
  queue("Subject: plain\r\n\r\n" + body, ContentBits::kSevenBit);
  EXPECT_EQ(runner.RunOnce(), 1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_LT(seen[0].read_before, 1024u);  // the blob's stream header, when it is opened
  EXPECT_FALSE(seen[0].eight_bit);
  EXPECT_NE(dsn_text().find("Subject: plain"), std::string::npos);

  // 8-bit recorded (the content says otherwise: the record is what counts).
  queue("Subject: recorded\r\n\r\n" + body, ContentBits::kEightBit);
  EXPECT_EQ(runner.RunOnce(), 1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_LT(seen[0].read_before, 1024u);
  EXPECT_TRUE(seen[0].eight_bit);
  EXPECT_NE(dsn_text().find("Subject: recorded"), std::string::npos);

  // Not known (queued before the bits were kept): read whole, and found 8-bit at its end.
  queue("Subject: old\r\n\r\n" + body + "caf\xc3\xa9", ContentBits::kUnknown);
  EXPECT_EQ(runner.RunOnce(), 1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_GT(seen[0].read_before, body.size());
  EXPECT_TRUE(seen[0].eight_bit);
  EXPECT_NE(dsn_text().find("Subject: old"), std::string::npos);

  // A signer that covers nothing: the header is read (the first segment), not the body.
  int signs = 0;
  runner.SignWith(
      [&](std::string_view, const std::string&) -> Result<std::string> {
        ++signs;
        return std::string("DKIM-Signature: v=1; b=z\r\n");
      },
      [](std::string_view header) {
        return header.find("From: a@signed") != std::string_view::npos;
      });
  queue("From: b@unsigned.example\r\n\r\n" + body, ContentBits::kSevenBit);
  EXPECT_EQ(runner.RunOnce(), 1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_GT(seen[0].read_before, 0u);
  EXPECT_LT(seen[0].read_before, body.size() - 16 * 1024);
  EXPECT_EQ(signs, 0);
  EXPECT_NE(dsn_text().find("From: b@unsigned.example"), std::string::npos);
  // One it covers: the body is read and hashed, and the message signed.
  queue("From: a@signed.example\r\n\r\n" + body, ContentBits::kSevenBit);
  EXPECT_EQ(runner.RunOnce(), 1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_GT(seen[0].read_before, body.size());
  EXPECT_EQ(signs, 1);
}

TEST_F(DeliveryTest, TransientFailureRetriesOnScheduleUntilExpiry) {
  ScriptedTarget target(DeliveryReport::Outcome::kDeferred, "451 4.3.0 try later");
  QueueSettings settings;
  settings.max_age_seconds = 1000;
  QueueRunner runner(settings, *queue_, *blobs_, target, key_, clock_);
  runner.RunOnce();
  EXPECT_EQ(target.calls, 1);
  auto entry = **queue_->Find("q1");
  EXPECT_EQ(entry.state, QueueState::kDeferred);
  EXPECT_EQ(entry.attempts, 1);
  EXPECT_EQ(entry.next_attempt_at, 160);
  EXPECT_EQ(entry.last_error, "451 4.3.0 try later");
  EXPECT_NE(entry.report.find("\"outcome\":\"deferred\""), std::string::npos);
  runner.RunOnce();  // not due yet
  EXPECT_EQ(target.calls, 1);
  clock_.Advance(60);
  runner.RunOnce();
  EXPECT_EQ(target.calls, 2);
  EXPECT_EQ((**queue_->Find("q1")).next_attempt_at, 160 + 120);
  clock_.Advance(120);
  runner.RunOnce();
  EXPECT_EQ((**queue_->Find("q1")).next_attempt_at, 280 + 240);
  // Past the maximum age, the next failure is the last: expired, with a DSN.
  clock_.Advance(1000);
  runner.RunOnce();
  auto expired = **queue_->Find("q1");
  EXPECT_EQ(expired.state, QueueState::kExpired);
  EXPECT_TRUE(expired.sealed_content.empty());
  auto dsns = *queue_->Due(clock_.NowUnix(), 10);
  ASSERT_EQ(dsns.size(), 1u);
  EXPECT_EQ(dsns[0].mail_from, "");  // from the null sender
  EXPECT_EQ(dsns[0].rcpt_to, "s@example.org");
  auto text = *key_.Open(dsns[0].sealed_content, QueueContentAad(dsns[0].id));
  EXPECT_NE(text.find("Status: 4.4.7"), std::string::npos);
  EXPECT_NE(text.find("Final-Recipient: rfc822; r@example.net"), std::string::npos);
  EXPECT_NE(text.find("Subject: hi"), std::string::npos);     // the original's header
  EXPECT_EQ(text.find("body"), std::string::npos);            // never its content
}

TEST_F(DeliveryTest, PermanentFailureBouncesWithDsnButNeverToTheNullSender) {
  ScriptedTarget target(DeliveryReport::Outcome::kBounced, "550 5.1.1 no such user");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  runner.RunOnce();
  EXPECT_EQ((**queue_->Find("q1")).state, QueueState::kBounced);
  auto dsns = *queue_->Due(clock_.NowUnix(), 10);
  ASSERT_EQ(dsns.size(), 1u);
  auto text = *key_.Open(dsns[0].sealed_content, QueueContentAad(dsns[0].id));
  EXPECT_NE(text.find("Status: 5.1.1"), std::string::npos);
  EXPECT_NE(text.find("Diagnostic-Code: smtp; 550 5.1.1 no such user"), std::string::npos);
  EXPECT_NE(text.find("Remote-MTA: dns; mx.example.net"), std::string::npos);
  // The DSN itself bounces: nothing more is made.
  runner.RunOnce();
  EXPECT_EQ((**queue_->Find(dsns[0].id)).state, QueueState::kBounced);
  EXPECT_TRUE(queue_->Due(clock_.NowUnix() + 100000, 10)->empty());
  auto events = *sqlite::NewEventStore(*db_)->ForMessage("m1");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "bounced");
  EXPECT_EQ(events.back().detail, "550 5.1.1 no such user");
}

TEST_F(DeliveryTest, NotifyNeverSuppressesTheDsn) {
  QueueEntry q = *SealQueueEntry(key_, "s@example.org", "x@example.net", "Subject: x\r\n\r\nx\r\n",
                                 clock_.NowUnix());
  q.message_id = "m1";
  q.dsn = R"({"notify":"NEVER","orcpt":"","envid":""})";
  ASSERT_TRUE(queue_->Record({}, {q}, {}).ok());
  ScriptedTarget target(DeliveryReport::Outcome::kBounced, "550 5.1.1 no such user");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  runner.RunOnce();
  EXPECT_EQ(target.calls, 2);  // q1 and q: different content, two transactions
  EXPECT_EQ(queue_->Due(clock_.NowUnix(), 10)->size(), 1u);  // q1's DSN only
}

TEST_F(DeliveryTest, SameContentToOneDomainIsOneTransaction) {
  for (const char* rcpt : {"a@example.net", "b@EXAMPLE.net", "c@other.test"}) {
    QueueEntry q = *SealQueueEntry(key_, "s@example.org", rcpt, "Subject: hi\r\n\r\nbody\r\n",
                                   clock_.NowUnix());
    ASSERT_TRUE(queue_->Record({}, {q}, {}).ok());
  }
  ScriptedTarget target(DeliveryReport::Outcome::kDelivered, "250 ok");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  EXPECT_EQ(runner.RunOnce(), 4);
  EXPECT_EQ(target.calls, 2);  // example.net (q1, a, b) and other.test (c)
  EXPECT_EQ(runner.in_flight(), 0u);
  EXPECT_TRUE(queue_->Due(clock_.NowUnix() + 100000, 10)->empty());
}

TEST_F(DeliveryTest, InFlightEntriesComeBackAfterARestart) {
  // A target that never answers: the entry stays in flight, as when a node dies.
  class SilentTarget final : public DeliveryTarget {
   public:
    void Deliver(OutboundMessage, Done) override {}
  } silent;
  {
    QueueRunner runner({}, *queue_, *blobs_, silent, key_, clock_);
    EXPECT_EQ(runner.RunOnce(), 1);
    EXPECT_EQ(runner.in_flight(), 1u);
    EXPECT_EQ(runner.RunOnce(), 0);  // not claimed twice
  }
  EXPECT_EQ((**queue_->Find("q1")).state, QueueState::kInFlight);
  ScriptedTarget target(DeliveryReport::Outcome::kDelivered, "250 ok");
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  runner.Start();  // releases what was in flight; its thread delivers it
  for (int i = 0; i < 500 && (**queue_->Find("q1")).state != QueueState::kDelivered; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  runner.Stop();
  EXPECT_EQ((**queue_->Find("q1")).state, QueueState::kDelivered);
}

// Results are recorded on a thread of their own, so a result never waits for the thread
// that starts deliveries: here it is recorded while that thread is still inside Deliver.
// Neither is niced (queue_runner.h): a niced starter held the outbox's messages unrecorded
// longest when the machine was busy.
TEST_F(DeliveryTest, ResultsAreRecordedWhileTheStartingThreadIsBusy) {
  class HoldingTarget final : public DeliveryTarget {
   public:
    void Deliver(OutboundMessage m, Done done) override {
      nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
      std::vector<RecipientResult> results;
      for (const auto& r : m.recipients) {
        DeliveryReport report;
        report.outcome = DeliveryReport::Outcome::kDelivered;
        report.reply = "250 ok";
        results.push_back({r.queue_id, report});
      }
      done(std::move(results));
      released.get_future().wait();  // the starting thread stays busy until the test says
    }
    std::atomic<int> nice{-100};
    std::promise<void> released;
  } target;
  const int own_nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
  QueueRunner runner({}, *queue_, *blobs_, target, key_, clock_);
  ASSERT_FALSE(runner.Alive().ok());  // /readyz says which thread
  EXPECT_EQ(runner.Alive().error().message, "starting deliveries: not running");
  runner.Start();
  runner.Notify();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((**queue_->Find("q1")).state != QueueState::kDelivered &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ((**queue_->Find("q1")).state, QueueState::kDelivered);
  EXPECT_EQ(runner.in_flight(), 0u);
  EXPECT_EQ(target.nice, own_nice);
  EXPECT_TRUE(runner.Alive().ok());  // both run (the starter inside its pass)
  target.released.set_value();
  runner.Stop();
}

TEST_F(DeliveryTest, WrongQueueKeyNeverDeliversGarbage) {
  auto outbox = NewOutboxTarget(dir_ + "/outbox");
  PurposeKey other{RandomSecret(32)};
  QueueRunner runner({}, *queue_, *blobs_, **outbox, other, clock_);
  runner.RunOnce();
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/outbox"));
  EXPECT_EQ((**queue_->Find("q1")).state, QueueState::kDeferred);
}

}  // namespace
}  // namespace sealpost
