// One suite, every backend (issue 23 point 4): each store with a PostgreSQL
// implementation runs the same tests against SQLite (a file), SQLite in memory (what
// tests of logic use: sqlite::Database::OpenInMemory) and a real PostgreSQL (a cluster of
// the suite's own on loopback). A store's tests move here from store_test.cc
// when it gains its PostgreSQL twin.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "audit/pending.h"
#include "base/temp_dir.h"
#include "store/blob_store.h"
#include "store/campaign_store.h"
#include "store/contact_store.h"
#include "store/postgres/schema.h"
#include "store/postgres/stores.h"
#include "store/postgres/test_cluster.h"
#include "store/sqlite/stores.h"
#include "store/test_records.h"

namespace sealpost {
namespace {

using testing_records::Endpoint;
using testing_records::SampleMessage;

// The stores of one backend, on a database of the test's own.
struct Backend {
  std::unique_ptr<AddressBookStore> books;
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<FormStore> forms;
  std::unique_ptr<TlsReportStore> tls_reports;
  std::unique_ptr<MtaStsStore> mta_sts;
  std::unique_ptr<AuditStore> audit;  // made first: it hooks every transaction
  std::unique_ptr<SigningKeyStore> signing_keys;
  std::unique_ptr<AnswerKeyStore> answer_keys;
  std::unique_ptr<EventStore> events;
  std::unique_ptr<MessageStore> messages;
  std::unique_ptr<QueueStore> queue;
  std::unique_ptr<InboundStore> inbound;
  std::unique_ptr<OrgStore> org;
  std::unique_ptr<ApiClientStore> api_clients;
  std::unique_ptr<WebhookStore> webhooks;
  std::unique_ptr<DashboardStore> dashboard;
  std::unique_ptr<ContactStore> contacts;
  std::unique_ptr<CampaignStore> campaigns;
  std::unique_ptr<PortalAccountStore> portal_accounts;
  std::unique_ptr<KeyStore> key_store;
  std::unique_ptr<PortalSessionStore> portal_sessions;
};

class Conformance : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  void SetUp() override {
    if (GetParam() == "sqlite" || GetParam() == "memory") {
      // "memory": the SQLite stores on a database in memory, the one tests of logic use.
      auto db = GetParam() == "memory" ? sqlite::Database::OpenInMemory()
                                       : sqlite::Database::Open(dir_.path() + "/db");
      ASSERT_TRUE(db.ok()) << db.error().ToString();
      sqlite_ = std::move(*db);
      auto blobs = NewFileBlobStore(dir_.path() + "/blobs");
      ASSERT_TRUE(blobs.ok()) << blobs.error().ToString();
      b_.blobs = std::move(*blobs);
      b_.books = sqlite::NewAddressBookStore(*sqlite_);
      b_.forms = sqlite::NewFormStore(*sqlite_);
      b_.tls_reports = sqlite::NewTlsReportStore(*sqlite_);
      b_.mta_sts = sqlite::NewMtaStsStore(*sqlite_);
      b_.audit = sqlite::NewAuditStore(*sqlite_);
      b_.signing_keys = sqlite::NewSigningKeyStore(*sqlite_);
      b_.answer_keys = sqlite::NewAnswerKeyStore(*sqlite_);
      b_.events = sqlite::NewEventStore(*sqlite_);
      b_.messages = sqlite::NewMessageStore(*sqlite_);
      b_.queue = sqlite::NewQueueStore(*sqlite_);
      b_.inbound = sqlite::NewInboundStore(*sqlite_);
      b_.org = sqlite::NewOrgStore(*sqlite_);
      b_.api_clients = sqlite::NewApiClientStore(*sqlite_);
      b_.webhooks = sqlite::NewWebhookStore(*sqlite_);
      b_.dashboard = sqlite::NewDashboardStore(*sqlite_);
      b_.contacts = sqlite::NewContactStore(*sqlite_);
      b_.campaigns = sqlite::NewCampaignStore(*sqlite_);
      b_.portal_accounts = sqlite::NewPortalAccountStore(*sqlite_);
      b_.key_store = sqlite::NewKeyStore(*sqlite_);
      b_.portal_sessions = sqlite::NewPortalSessionStore(*sqlite_);
      ASSERT_TRUE(b_.signing_keys->Insert({"key1", "pub", "sealed", 1}).ok());
      return;
    }
    if (cluster_ == nullptr) {
      auto cluster = pg::TestCluster::Start();
      ASSERT_TRUE(cluster.ok()) << cluster.error().ToString();
      cluster_ = cluster->release();
    }
    static int databases = 0;  // a database of each test's own
    auto conninfo = cluster_->CreateDatabase("c" + std::to_string(++databases));
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().ToString();
    pg::Database::Options options;
    options.conninfo = *conninfo;
    conninfo_ = *conninfo;
    auto db = pg::Database::Open(options, pg::Migrations());
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    pg_ = std::move(*db);
    b_.books = pg::NewAddressBookStore(*pg_);
    b_.forms = pg::NewFormStore(*pg_);
    b_.blobs = pg::NewBlobStore(*pg_);
    b_.tls_reports = pg::NewTlsReportStore(*pg_);
    b_.mta_sts = pg::NewMtaStsStore(*pg_);
    b_.audit = pg::NewAuditStore(*pg_);
    b_.signing_keys = pg::NewSigningKeyStore(*pg_);
    b_.answer_keys = pg::NewAnswerKeyStore(*pg_);
    b_.events = pg::NewEventStore(*pg_);
    b_.messages = pg::NewMessageStore(*pg_);
    b_.queue = pg::NewQueueStore(*pg_);
    b_.inbound = pg::NewInboundStore(*pg_);
    b_.org = pg::NewOrgStore(*pg_);
    b_.api_clients = pg::NewApiClientStore(*pg_);
    b_.webhooks = pg::NewWebhookStore(*pg_);
    b_.dashboard = pg::NewDashboardStore(*pg_);
    b_.contacts = pg::NewContactStore(*pg_);
    b_.campaigns = pg::NewCampaignStore(*pg_);
    b_.portal_accounts = pg::NewPortalAccountStore(*pg_);
    b_.key_store = pg::NewKeyStore(*pg_);
    b_.portal_sessions = pg::NewPortalSessionStore(*pg_);
    auto key = b_.signing_keys->Insert({"key1", "pub", "sealed", 1});
    ASSERT_TRUE(key.ok()) << key.error().ToString();
  }

  static pg::TestCluster* cluster_;
  TempDir dir_;
  std::unique_ptr<sqlite::Database> sqlite_;
  std::unique_ptr<pg::Database> pg_;
  std::string conninfo_;  // PostgreSQL: the test's database, for a second "node"
  Backend b_;
};

pg::TestCluster* Conformance::cluster_ = nullptr;

TEST_P(Conformance, BlobsAreThereOnceCommittedAndGoneWhenAbandonedOrRemoved) {
  BlobStore* store = b_.blobs.get();
  {
    auto w = store->Create("0123456789abcdef");
    ASSERT_TRUE(w.ok()) << w.error().ToString();
    ASSERT_TRUE((*w)->Append("hello ").ok());
    ASSERT_TRUE((*w)->Append("world").ok());
    EXPECT_EQ(store->Open("0123456789abcdef").error().code, ErrorCode::kNotFound);
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto r = store->Open("0123456789abcdef");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ((*r)->size(), 11u);
  std::string got;
  ASSERT_TRUE((*r)->ReadAt(6, 5, got).ok());
  EXPECT_EQ(got, "world");
  EXPECT_EQ((*r)->ReadAt(8, 5, got).error().code, ErrorCode::kIntegrity);  // past the end
  {
    auto w = store->Create("fedcba9876543210");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(std::string(300 * 1024, 'x')).ok());  // more than a chunk
  }
  EXPECT_EQ(store->Open("fedcba9876543210").error().code, ErrorCode::kNotFound);
  if (pg_) {  // and its chunks are gone with it, not left to take room
    ASSERT_TRUE(pg_->Read([](pg::Connection& c) -> Status {
                     pg::Statement s(c, "SELECT count(*) FROM blob_chunks WHERE blob_id = ?");
                     s.Bind(1, "fedcba9876543210");
                     EXPECT_TRUE(*s.Step());
                     EXPECT_EQ(s.Int(0), 0);
                     return OkStatus();
                   })
                    .ok());
  }
  EXPECT_EQ(store->Create("../../etc/passwd").error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(store->Remove("0123456789abcdef").ok());
  EXPECT_EQ(store->Open("0123456789abcdef").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store->Remove("0123456789abcdef").ok());  // removing twice is no error
}

// Large content is written and read a piece at a time; reads cross the boundaries of
// whatever the store keeps it in, and come back byte for byte.
TEST_P(Conformance, ALargeBlobReadsBackExactlyAcrossItsPieces) {
  BlobStore* store = b_.blobs.get();
  std::string content(700 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + i / 251);
  auto w = store->Create("largeblob00000001");
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  for (std::size_t at = 0; at < content.size(); at += 65536) {
    ASSERT_TRUE((*w)->Append(std::string_view(content).substr(at, 65536)).ok());
  }
  ASSERT_TRUE((*w)->Commit().ok());
  auto r = store->Open("largeblob00000001");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ((*r)->size(), content.size());
  std::string back, piece;
  for (std::uint64_t at = 0; at < content.size(); at += 50000) {
    const std::size_t n = std::min<std::size_t>(50000, content.size() - at);
    ASSERT_TRUE((*r)->ReadAt(at, n, piece).ok());
    back += piece;
  }
  EXPECT_TRUE(back == content);
  ASSERT_TRUE((*r)->ReadAt(262140, 10, piece).ok());  // across the first 256 KiB
  EXPECT_EQ(piece, content.substr(262140, 10));
}

TEST_P(Conformance, AddressBooksKeepEntriesAndUsersLinks) {
  AddressBookStore* books = b_.books.get();
  ASSERT_TRUE(books->CreateBook({"book1", "domain", "clinic.example", "Patients", 10}).ok());
  ASSERT_TRUE(books->CreateBook({"book2", "user", "dr@clinic.example", "Mine", 11}).ok());
  ASSERT_TRUE(books->CreateBook({"book3", "account", "Clinic", "Labs", 12}).ok());
  // Names compare whatever their case.
  EXPECT_EQ(books->CreateBook({"book4", "domain", "Clinic.Example", "patients", 13}).error().code,
            ErrorCode::kAlreadyExists);
  auto found = books->FindBook("domain", "CLINIC.example", "PATIENTS");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, "book1");
  EXPECT_EQ((*found)->created_at, 10);
  EXPECT_FALSE(books->FindBook("account", "clinic.example", "Patients")->has_value());

  const std::string sealed("\x00sealed\xff", 8);
  ASSERT_TRUE(books
                  ->PutEntries({{"book1", "b@example.net", "question", sealed, 20},
                                {"book1", "a@example.net", "pgp", "k1", 21},
                                {"book1", "c@example.net", "smime", "k2", 22}})
                  .ok());
  ASSERT_TRUE(books->PutEntries({{"book1", "A@Example.net", "question", "k3", 23}}).ok());
  auto entry = books->FindEntry("book1", "a@EXAMPLE.net");
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_EQ((*entry)->kind, "question");  // replaced, not added
  EXPECT_EQ((*entry)->sealed_data, "k3");
  EXPECT_EQ((*books->FindEntry("book1", "b@example.net"))->sealed_data, sealed);
  auto all = books->ListEntries("book1");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].address, "a@example.net");  // in address order
  auto page = books->PageEntries("book1", "a@example.net", 1);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  EXPECT_EQ(page->total, 3);
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].address, "b@example.net");
  EXPECT_EQ(page->entries[0].sealed_data, "");  // a page holds no sealed data
  ASSERT_TRUE(books->RemoveEntry("book1", "C@example.net").ok());
  EXPECT_EQ(books->RemoveEntry("book1", "c@example.net").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(books->ListEntries("book1")->size(), 2u);

  // One default book a user: a new default demotes the old one to subscribed.
  ASSERT_TRUE(books->LinkUser({"dr@clinic.example", "book2", "default", "", "", ""}).ok());
  ASSERT_TRUE(books->LinkUser({"dr@clinic.example", "book1", "subscribed", "", "", ""}).ok());
  ASSERT_TRUE(books->LinkUser({"DR@clinic.example", "book3", "default", "", "", ""}).ok());
  auto links = books->UserBooks("dr@clinic.example");
  ASSERT_TRUE(links.ok()) << links.error().ToString();
  ASSERT_EQ(links->size(), 3u);
  EXPECT_EQ((*links)[0].book_id, "book2");  // in the order they were linked
  EXPECT_EQ((*links)[0].role, "subscribed");
  EXPECT_EQ((*links)[1].book_id, "book1");
  EXPECT_EQ((*links)[2].book_id, "book3");
  EXPECT_EQ((*links)[2].role, "default");
  EXPECT_EQ((*links)[2].book_level, "account");
  EXPECT_EQ((*links)[2].book_name, "Labs");
  ASSERT_TRUE(books->UnlinkUser("dr@clinic.example", "book1").ok());
  EXPECT_EQ(books->UnlinkUser("dr@clinic.example", "book1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(books->UserBooks("dr@clinic.example")->size(), 2u);
}

TEST_P(Conformance, FormsByNameChallengesUsedOnceSubmissionsAndRequests) {
  FormStore* store = b_.forms.get();
  FormRecord f{"id1", "intake", "Clinic", "", R"({"title":"T"})", true, 100, 100};
  ASSERT_TRUE(store->Create(f).ok());
  FormRecord other = f;
  other.id = "id2";
  EXPECT_EQ(store->Create(other).error().code, ErrorCode::kAlreadyExists);
  other.name = "feedback";
  other.account = "Lab";
  ASSERT_TRUE(store->Create(other).ok());
  auto all = store->List("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "feedback");
  EXPECT_EQ(store->List("Clinic")->size(), 1u);
  f.definition = R"({"title":"New"})";
  f.enabled = false;
  f.updated_at = 200;
  ASSERT_TRUE(store->Update(f).ok());
  auto found = store->Find("intake");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->definition, R"({"title":"New"})");
  EXPECT_FALSE((*found)->enabled);
  EXPECT_EQ((*found)->created_at, 100);
  ASSERT_TRUE(store->Delete("intake").ok());
  EXPECT_EQ(store->Delete("intake").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(store->Find("intake")->has_value());
  // A challenge works once while it lives; expired ones are cleared as others come.
  EXPECT_TRUE(*store->UseChallenge("c1", 500, 100));
  EXPECT_FALSE(*store->UseChallenge("c1", 500, 101));
  EXPECT_FALSE(*store->UseChallenge("c1", 900, 102));  // another expiry, the same one
  EXPECT_TRUE(*store->UseChallenge("c2", 700, 600));   // c1 (expired at 500) cleared
  EXPECT_TRUE(*store->UseChallenge("c1", 1200, 600));

  // What people sent: newest first, a page at a time; expired ones found for the sweep.
  for (int i = 0; i < 3; ++i) {
    FormSubmissionRecord r;
    r.id = "s" + std::to_string(i);
    r.form_id = "f1";
    r.account = "Springfield";
    r.received_at = 1000 + i;
    r.expires_at = 5000 + i;
    r.message_id = "m" + std::to_string(i);
    r.wrapped_key = std::string("\0key", 4);
    r.sealed = std::string("\0\xffsealed", 8);
    r.blobs = "b1 b2";
    r.size = 42;
    ASSERT_TRUE(store->AddSubmission(r).ok());
  }
  auto page = store->ListSubmissions("f1", 0, "", 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, "s2");
  EXPECT_EQ((*page)[1].id, "s1");
  page = store->ListSubmissions("f1", (*page)[1].received_at, (*page)[1].id, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, "s0");
  EXPECT_EQ((*page)[0].sealed, std::string("\0\xffsealed", 8));
  EXPECT_EQ((*page)[0].wrapped_key, std::string("\0key", 4));
  EXPECT_EQ((*page)[0].size, 42u);
  EXPECT_TRUE(store->ListSubmissions("f2", 0, "", 10)->empty());
  auto expired = store->ExpiredSubmissions(5001, 10);
  ASSERT_TRUE(expired.ok());
  ASSERT_EQ(expired->size(), 2u);
  EXPECT_EQ((*expired)[0].id, "s0");
  ASSERT_TRUE(store->DeleteSubmission("s0").ok());
  EXPECT_EQ(store->DeleteSubmission("s0").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(store->FindSubmission("s0")->has_value());
  EXPECT_EQ((*store->FindSubmission("s1"))->message_id, "m1");

  // Secure requests: found by the token's hash, answered once.
  FormRequestRecord q{"q1",
                      std::string("\x01\0hash", 6),
                      "Springfield",
                      "dr@clinic.example",
                      "pat@example.net",
                      std::string("\0note", 5),
                      100,
                      900,
                      0,
                      ""};
  ASSERT_TRUE(store->AddRequest(q).ok());
  auto by_token = store->FindRequestByToken(std::string("\x01\0hash", 6));
  ASSERT_TRUE(by_token.ok() && by_token->has_value());
  EXPECT_EQ((*by_token)->id, "q1");
  EXPECT_EQ((*by_token)->sealed_note, std::string("\0note", 5));
  EXPECT_FALSE(store->FindRequestByToken("other")->has_value());
  EXPECT_TRUE(*store->AnswerRequest("q1", "s9", 200));
  EXPECT_FALSE(*store->AnswerRequest("q1", "s10", 201));
  auto answered = store->FindRequest("q1");
  EXPECT_EQ((*answered)->submission_id, "s9");
  EXPECT_EQ((*answered)->answered_at, 200);
  EXPECT_EQ(store->ListRequests("dr@clinic.example", 10)->size(), 1u);
  EXPECT_TRUE(store->ListRequests("pat@example.net", 10)->empty());
}

TEST_P(Conformance, TlsReportsAddUpTalliesAndHandEachDayOutOnce) {
  TlsReportStore* store = b_.tls_reports.get();
  TlsSessionCount ok{"2026-11-26",     "example.net", "sts", "[\"mode: enforce\"]",
                     "mx.example.net", "192.0.2.1",   "",    3};
  TlsSessionCount bad = ok;
  bad.result_type = "certificate-host-mismatch";
  bad.count = 1;
  TlsSessionCount today = ok;
  today.day = "2026-11-27";
  ASSERT_TRUE(store->AddSessions({ok, bad, today}).ok());
  TlsSessionCount shouted = ok;
  shouted.domain = "EXAMPLE.net";                   // a domain name is the same whatever its case
  ASSERT_TRUE(store->AddSessions({shouted}).ok());  // the same key: counts add up
  auto days = store->DaysBefore("2026-11-27");
  ASSERT_TRUE(days.ok()) << days.error().ToString();
  EXPECT_EQ(*days, std::vector<std::string>{"2026-11-26"});
  auto taken = store->TakeDay("2026-11-26");
  ASSERT_TRUE(taken.ok()) << taken.error().ToString();
  ASSERT_EQ(taken->size(), 2u);
  EXPECT_EQ((*taken)[0].result_type, "");
  EXPECT_EQ((*taken)[0].count, 6);
  EXPECT_EQ((*taken)[1].result_type, "certificate-host-mismatch");
  EXPECT_EQ((*taken)[1].count, 1);
  EXPECT_TRUE(store->TakeDay("2026-11-26")->empty());  // reported once
  EXPECT_TRUE(store->DaysBefore("2026-11-27")->empty());
  EXPECT_EQ(store->DaysBefore("2026-11-28")->size(), 1u);

  // What was reported is kept for people to read, beside what is still being counted.
  auto tallies = store->Tallies("2026-11-01");
  ASSERT_TRUE(tallies.ok()) << tallies.error().ToString();
  ASSERT_EQ(tallies->size(), 3u);
  EXPECT_EQ((*tallies)[0].day, "2026-11-27");
  EXPECT_EQ((*tallies)[0].count, 3);
  EXPECT_FALSE((*tallies)[0].reported);
  EXPECT_EQ((*tallies)[1].day, "2026-11-26");
  EXPECT_EQ((*tallies)[1].result_type, "");
  EXPECT_EQ((*tallies)[1].count, 6);
  EXPECT_TRUE((*tallies)[1].reported);
  EXPECT_EQ((*tallies)[2].result_type, "certificate-host-mismatch");
  EXPECT_EQ(store->Tallies("2026-11-27")->size(), 1u);
  // Thirteen months on, a day's taking forgets what is older.
  TlsSessionCount later = ok;
  later.day = "2028-01-01";
  ASSERT_TRUE(store->AddSessions({later}).ok());
  ASSERT_TRUE(store->TakeDay("2028-01-01").ok());
  auto kept = store->Tallies("2000-01-01");
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 2u);  // 2028-01-01 reported, 2026-11-27 still counted
  EXPECT_EQ((*kept)[0].day, "2028-01-01");
  EXPECT_EQ((*kept)[1].day, "2026-11-27");
}

TEST_P(Conformance, MtaStsPoliciesAreKeptUntilTheyExpire) {
  MtaStsStore* store = b_.mta_sts.get();
  ASSERT_TRUE(store->Put({"a.example", "1", "version: STSv1\n", 1000}).ok());
  ASSERT_TRUE(store->Put({"b.example", "7", "version: STSv1\n", 3000}).ok());
  ASSERT_TRUE(
      store->Put({"A.example", "2", "version: STSv1\nmode: none\n", 2000}).ok());  // replaces
  auto kept = store->Unexpired(1500, 10);
  ASSERT_TRUE(kept.ok()) << kept.error().ToString();
  ASSERT_EQ(kept->size(), 2u);
  EXPECT_EQ((*kept)[0].domain, "b.example");  // expiring last first
  EXPECT_EQ((*kept)[1].id, "2");
  EXPECT_EQ((*kept)[1].policy, "version: STSv1\nmode: none\n");
  EXPECT_EQ(store->Unexpired(1500, 1)->size(), 1u);
  EXPECT_EQ(store->Unexpired(2500, 10)->size(), 1u);
  EXPECT_TRUE(store->Unexpired(3000, 10)->empty());
}

TEST_P(Conformance, MessageWithNoticesRoundTrips) {
  auto messages = b_.messages.get();
  auto queue = b_.queue.get();
  QueueEntry q{"q1",
               "msg1",
               "rcpt1",
               "a@example.org",
               "b@example.net",
               "content",
               "",
               "",
               QueueState::kQueued,
               0,
               100,
               100,
               "",
               "",
               "",
               false,
               "",
               ContentBits::kEightBit};
  EventRecord e{0, "msg1", "rcpt1", "accepted", 100, "127.0.0.1", ""};
  ASSERT_TRUE(messages->InsertWithNotices(SampleMessage(), {q}, {e}, "").ok());

  auto found = messages->Find("msg1");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->blob_ids.size(), 2u);
  ASSERT_EQ((*found)->recipients.size(), 1u);
  EXPECT_EQ((*found)->recipients[0].link_check, std::string("\0\1", 2));
  EXPECT_EQ((*found)->recipients[0].status, RecipientStatus::kNoticeQueued);

  auto due = queue->Due(100, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].sealed_content, "content");
  EXPECT_TRUE(queue->Due(99, 10)->empty());
  auto claimed = queue->Claim(100, 10, 400);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].content_bits, ContentBits::kEightBit);  // kept with the entry
  EXPECT_EQ((*queue->Find("q1"))->state, QueueState::kInFlight);
  EXPECT_TRUE(queue->Claim(399, 10, 800)->empty());  // leased
  ASSERT_EQ(queue->Due(400, 10)->size(), 1u);        // the lease ran out
  if (sqlite_) {
    // One node: what it had in flight when it stopped is due again at once.
    EXPECT_EQ(*queue->ReleaseInFlight(101), 1);
    EXPECT_EQ((*queue->Find("q1"))->state, QueueState::kQueued);
    ASSERT_EQ(queue->Claim(101, 10, 400)->size(), 1u);
  } else {
    // Several nodes: a node starting again releases what it held, never another's.
    auto node_a = pg::NewQueueStore(*pg_, "node-a"), node_b = pg::NewQueueStore(*pg_, "node-b");
    ASSERT_EQ(node_a->Claim(400, 10, 700)->size(), 1u);
    EXPECT_EQ(*node_b->ReleaseInFlight(101), 0);
    EXPECT_EQ((*queue->Find("q1"))->state, QueueState::kInFlight);
    EXPECT_EQ(*node_a->ReleaseInFlight(101), 1);
    EXPECT_EQ((*queue->Find("q1"))->state, QueueState::kQueued);
    ASSERT_EQ(queue->Claim(101, 10, 400)->size(), 1u);
  }
  ASSERT_TRUE(queue->Record({{"q1", QueueState::kDelivered, 101, "250 ok", "{}"}}, {}, {}).ok());
  EXPECT_TRUE(queue->Due(1000, 10)->empty());
  EXPECT_EQ((*queue->Find("q1"))->report, "{}");
  EXPECT_EQ((*queue->Find("q1"))->attempts, 1);
  EXPECT_EQ((*queue->Find("q1"))->sealed_content, "");  // content gone once delivered

  auto events = b_.events.get()->ForMessage("msg1");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].type, "accepted");
  EXPECT_EQ((*events)[1].type, "notice_delivered");  // recorded with the delivery
  EXPECT_EQ((*events)[1].at, 101);
}

// Every message event is mirrored into the audit trail in its transaction: who did it
// (the recipient, the system, or whoever acts on the thread), the account, the message
// and the recipient's address; a delivery's JSON report is kept as its details.
TEST_P(Conformance, MessageEventsGoIntoTheAuditTrail) {
  auto audit = b_.audit.get();
  auto messages = b_.messages.get();
  auto queue = b_.queue.get();
  auto events = b_.events.get();
  QueueEntry q{"q1",
               "msg1",
               "rcpt1",
               "a@example.org",
               "b@example.net",
               "content",
               "",
               "",
               QueueState::kQueued,
               0,
               100,
               100,
               "",
               "",
               "",
               false,
               ""};
  {
    audit::ActingAs sender({"api_key", "k1", "192.0.2.1", "default"});
    ASSERT_TRUE(messages
                    ->InsertWithNotices(SampleMessage(), {q},
                                        {{0, "msg1", "", "accepted", 100, "", ""}}, "")
                    .ok());
  }
  ASSERT_EQ(queue->Claim(101, 10, 400)->size(), 1u);
  ASSERT_TRUE(queue
                  ->Record({{"q1", QueueState::kDelivered, 101, "250 ok",
                             R"({"tls_version":"TLSv1.3","mx_host":"mx.example.net"})"}},
                           {}, {})
                  .ok());
  ASSERT_TRUE(events->Append({0, "msg1", "rcpt1", "answer_failed", 102, "198.51.100.7", ""}).ok());
  ASSERT_TRUE(events->Append({0, "msg1", "rcpt1", "viewed", 103, "198.51.100.7", ""}).ok());

  auto all = audit->Read(0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  const auto& accepted = (*all)[0];
  EXPECT_EQ(accepted.action, "message.accepted");
  EXPECT_EQ(accepted.actor_kind, "api_key");
  EXPECT_EQ(accepted.actor, "k1");
  EXPECT_EQ(accepted.client_address, "192.0.2.1");
  EXPECT_EQ(accepted.account, "default");
  EXPECT_EQ(accepted.message_id, "msg1");
  EXPECT_EQ(accepted.details,
            R"({"recipients":[{"address":"b@example.net","method":"escrow","why":""}]})");
  const auto& delivered = (*all)[1];
  EXPECT_EQ(delivered.action, "message.notice_delivered");
  EXPECT_EQ(delivered.actor_kind, "system");
  EXPECT_EQ(delivered.recipient, "b@example.net");
  EXPECT_EQ(delivered.details, R"({"tls_version":"TLSv1.3","mx_host":"mx.example.net"})");
  EXPECT_EQ((*all)[2].action, "message.answer_failed");
  EXPECT_EQ((*all)[2].result, "refused");
  EXPECT_EQ((*all)[2].actor_kind, "recipient");
  EXPECT_EQ((*all)[2].actor, "rcpt1");
  EXPECT_EQ((*all)[3].action, "message.viewed");
  EXPECT_EQ((*all)[3].result, "ok");

  // Searches: by recipient (any case), by a family of actions, by result, by time, paged.
  AuditQuery by_recipient;
  by_recipient.recipient = "B@Example.NET";
  EXPECT_EQ(audit->Search(by_recipient)->size(), 3u);
  AuditQuery refused;
  refused.action = "message.*";
  refused.result = "refused";
  ASSERT_EQ(audit->Search(refused)->size(), 1u);
  EXPECT_EQ((*audit->Search(refused))[0].seq, 3);
  AuditQuery window;
  window.from = 101;
  window.to = 103;
  ASSERT_EQ(audit->Search(window)->size(), 2u);
  AuditQuery page;
  page.message_id = "msg1";
  page.limit = 3;
  auto first = audit->Search(page);
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].seq, 4);  // newest first
  page.before_seq = first->back().seq;
  auto second = audit->Search(page);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].seq, 1);
  AuditQuery nobody;
  nobody.action = "message.";  // not a family without ".*", and no action is named so
  EXPECT_TRUE(audit->Search(nobody)->empty());

  // Time never goes back along the trail: a record made earlier but written later takes
  // the time of the one before it.
  ASSERT_TRUE(events->Append({0, "msg1", "rcpt1", "downloaded", 50, "198.51.100.7", ""}).ok());
  EXPECT_EQ((*audit->Newest(0, 1))[0].at, 103);
  AuditQuery after_all;
  after_all.from = 104;
  EXPECT_TRUE(audit->Search(after_all)->empty());

  // Pruning up to record 2 keeps the checkpoint at the cut and the records after it.
  EXPECT_EQ(*audit->LastBefore(102), 2);
  audit::Checkpoint cut{2, 200, (*all)[1].hash, "key1", std::string(64, 's')};
  EXPECT_EQ(*audit->Prune(cut), 2);
  EXPECT_EQ(*audit->Prune(cut), 0);
  auto left = audit->Read(0, 10);
  ASSERT_EQ(left->size(), 3u);
  EXPECT_EQ((*left)[0].seq, 3);
  ASSERT_EQ(audit->Checkpoints()->size(), 1u);
  EXPECT_EQ((*audit->Checkpoints())[0].seq, 2);
}

// A TLS-only copy and its escrow fallback in standby: the fallback is needed only when
// TLS could not be had, and goes when the TLS-only copy ends any other way.
TEST_P(Conformance, StandbyFallbackFollowsItsTlsOnlyEntry) {
  auto messages = b_.messages.get();
  auto queue = b_.queue.get();
  for (bool tls_failed : {true, false}) {
    MessageRecord m = SampleMessage();
    const std::string n = tls_failed ? "a" : "b";
    m.id = "msg" + n;
    m.recipients[0].id = "escrow-" + n;
    m.recipients[0].message_id = m.id;
    m.recipients[0].status = RecipientStatus::kStandby;
    RecipientRecord tls = m.recipients[0];
    tls.id = "tls-" + n;
    tls.method = "tls-only";
    tls.status = RecipientStatus::kQueued;
    m.recipients.push_back(tls);
    auto entry = [&](std::string id, std::string recipient, std::string content, QueueState st) {
      QueueEntry q;
      q.id = std::move(id);
      q.message_id = m.id;
      q.recipient_id = std::move(recipient);
      q.mail_from = "a@example.org";
      q.rcpt_to = "b@example.net";
      q.sealed_content = std::move(content);
      q.state = st;
      q.next_attempt_at = q.created_at = 100;
      return q;
    };
    QueueEntry primary = entry("qt" + n, tls.id, "content", QueueState::kQueued);
    primary.tls_required = true;
    QueueEntry standby = entry("qs" + n, "escrow-" + n, "notice", QueueState::kStandby);
    standby.standby_for = primary.id;
    ASSERT_TRUE(messages->InsertWithNotices(m, {primary, standby}, {}, "").ok());
    auto claimed = queue->Claim(100, 10, 400);
    ASSERT_TRUE(claimed.ok());
    ASSERT_EQ(claimed->size(), 1u);  // standby entries are never due
    EXPECT_TRUE((*claimed)[0].tls_required);

    QueueState outcome = tls_failed ? QueueState::kReplanned : QueueState::kDelivered;
    ASSERT_TRUE(queue->Record({{primary.id, outcome, 150, "no STARTTLS", "{}"}}, {}, {}).ok());
    auto fallback = *queue->Find(standby.id);
    auto escrow = *messages->FindRecipient("escrow-" + n);
    auto direct = *messages->FindRecipient("tls-" + n);
    if (tls_failed) {
      EXPECT_EQ(fallback->state, QueueState::kQueued);
      EXPECT_EQ(fallback->next_attempt_at, 150);
      EXPECT_EQ(fallback->sealed_content, "notice");
      EXPECT_EQ(escrow->status, RecipientStatus::kNoticeQueued);
      EXPECT_EQ(direct->status, RecipientStatus::kReplanned);
      auto due = queue->Claim(150, 10, 500);
      ASSERT_EQ(due->size(), 1u);
      EXPECT_EQ((*due)[0].id, standby.id);
      ASSERT_TRUE(
          queue->Record({{standby.id, QueueState::kDelivered, 151, "250", "{}"}}, {}, {}).ok());
    } else {
      EXPECT_EQ(fallback->state, QueueState::kSuperseded);
      EXPECT_EQ(fallback->sealed_content, "");  // the notice, with its link, is gone
      EXPECT_EQ(escrow->status, RecipientStatus::kSuperseded);
      EXPECT_EQ(direct->status, RecipientStatus::kDelivered);
    }
  }
}

TEST_P(Conformance, FailedInsertLeavesNothing) {
  auto messages = b_.messages.get();
  ASSERT_TRUE(messages->InsertWithNotices(SampleMessage(), {}, {}, "").ok());
  MessageRecord second = SampleMessage();
  second.id = "msg2";  // same recipient id: the insert must fail as a whole
  EXPECT_FALSE(messages->InsertWithNotices(second, {}, {}, "").ok());
  EXPECT_FALSE(messages->Find("msg2")->has_value());
}

TEST_P(Conformance, LocksAfterFailures) {
  auto messages = b_.messages.get();
  ASSERT_TRUE(messages->InsertWithNotices(SampleMessage(), {}, {}, "").ok());
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(*messages->RecordFailure("rcpt1", 5, 150), i);
  EXPECT_EQ((*messages->FindRecipient("rcpt1"))->status, RecipientStatus::kNoticeQueued);
  QueueEntry notice;
  notice.id = "lock-notice";
  notice.message_id = "msg1";
  notice.mail_from = "";
  notice.rcpt_to = "a@example.org";
  notice.sealed_content = "sealed";
  notice.next_attempt_at = 150;
  notice.created_at = 150;
  EXPECT_EQ(*messages->RecordFailure("rcpt1", 5, 150, notice), 5);
  auto r = *messages->FindRecipient("rcpt1");
  EXPECT_EQ(r->status, RecipientStatus::kLocked);
  EXPECT_EQ(r->locked_at.value_or(0), 150);
  // Locked once, told once.
  notice.id = "lock-notice-2";
  EXPECT_EQ(*messages->RecordFailure("rcpt1", 5, 160, notice), 6);
  EXPECT_EQ((*messages->FindRecipient("rcpt1"))->locked_at.value_or(0), 150);
  auto queued = b_.queue.get()->ForMessage("msg1");
  ASSERT_TRUE(queued.ok());
  ASSERT_EQ(queued->size(), 1u);
  EXPECT_EQ((*queued)[0].id, "lock-notice");
  ASSERT_TRUE(messages->SetStatus("rcpt1", RecipientStatus::kViewed).ok());
  EXPECT_EQ((*messages->FindRecipient("rcpt1"))->status, RecipientStatus::kLocked);
}

// A record put on the thread goes in with the next change that commits, and only with
// it: a change that fails takes none.
TEST_P(Conformance, APendingRecordGoesInWithTheChangeAndOnlyWithIt) {
  AuditStore* audit = b_.audit.get();
  audit::AuditRecord r;
  r.at = 1790000000;
  r.actor_kind = "admin_cli";
  r.action = "admin.key.create";
  r.subject = "key2";
  r.result = "ok";
  {
    audit::PendingRecord pending(r);
    // A change that fails (the key exists) rolls back and takes no record with it.
    ASSERT_FALSE(b_.signing_keys->Insert({"key1", "pub", "sealed", 1}).ok());
    EXPECT_FALSE(pending.taken());
    ASSERT_TRUE(b_.signing_keys->Insert({"key2", "pub", "sealed", 2}).ok());
    EXPECT_TRUE(pending.taken());
  }
  {
    audit::PendingRecord dropped(r);  // nothing changes within its scope
  }
  ASSERT_TRUE(b_.signing_keys->Insert({"key3", "pub", "sealed", 3}).ok());  // none pending
  auto records = audit->Read(0, 10);
  ASSERT_TRUE(records.ok()) << records.error().ToString();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].seq, 1);
  EXPECT_EQ((*records)[0].subject, "key2");
  EXPECT_EQ((*records)[0].prev_hash, audit::GenesisHash());
  EXPECT_EQ((*records)[0].hash, audit::RecordHash((*records)[0]));
  ASSERT_TRUE(audit->Append(r).ok());
  auto head = audit->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->first, 2);
  auto newest = audit->Newest(0, 1);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ((*newest)[0].prev_hash, (*records)[0].hash);
  EXPECT_EQ(head->second, (*newest)[0].hash);
  EXPECT_EQ((*b_.signing_keys->Newest())->id, "key3");
}

// A message committed by another thread (a batch: submission/group_commit.h) takes the
// records its own thread handed over, once; when it fails they come back to that thread.
TEST_P(Conformance, HandedOverRecordsGoInWithTheirMessageWhicheverThreadCommits) {
  audit::AuditRecord r;
  r.at = 1790000000;
  r.actor_kind = "api_key";
  r.action = "api.POST /api/v1/messages";
  r.subject = "handed";
  r.result = "ok";
  const MessageRecord m = SampleMessage();
  const std::vector<QueueEntry> notices;
  const std::vector<EventRecord> events;
  {
    audit::PendingRecord pending(r);
    audit::HandOver handed;
    EXPECT_TRUE(pending.taken());  // off this thread: none of its transactions writes it
    Status inserted = OkStatus();
    std::thread([&] {
      inserted = b_.messages->InsertAll({{&m, &notices, &events, "", nullptr, &handed.records()}});
    }).join();
    ASSERT_TRUE(inserted.ok()) << inserted.error().ToString();
    // The same message again fails: its records come back to the thread that handed them.
    audit::PendingRecord second([&] {
      audit::AuditRecord again = r;
      again.subject = "handed again";
      return again;
    }());
    audit::HandOver handed_again;
    std::thread([&] {
      inserted =
          b_.messages->InsertAll({{&m, &notices, &events, "", nullptr, &handed_again.records()}});
    }).join();
    ASSERT_FALSE(inserted.ok());
    handed_again.Restore();
    EXPECT_FALSE(second.taken());
    ASSERT_TRUE(b_.signing_keys->Insert({"key9", "pub", "sealed", 9}).ok());  // takes it now
    EXPECT_TRUE(second.taken());
  }
  auto records = b_.audit->Read(0, 10);
  ASSERT_TRUE(records.ok()) << records.error().ToString();
  std::vector<std::string> subjects;
  for (const auto& record : *records) {
    if (record.actor_kind == "api_key") subjects.push_back(record.subject);
  }
  EXPECT_EQ(subjects, (std::vector<std::string>{"handed", "handed again"}));
}

// Events written from several threads at once (on PostgreSQL: several connections, as
// several nodes would) make one unbroken chain: every record once, numbered without a
// gap, each hashing the one before.
TEST_P(Conformance, ConcurrentWritersMakeOneUnbrokenAuditChain) {
  ASSERT_TRUE(b_.messages->InsertWithNotices(SampleMessage(), {}, {}, "").ok());
  constexpr int kThreads = 4, kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        EventRecord e{0, "msg1", "rcpt1", "viewed", 100 + i, "198.51.100." + std::to_string(t), ""};
        if (!b_.events->Append(e).ok()) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  auto all = b_.audit->Read(0, 1000);
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  ASSERT_EQ(all->size(), std::size_t{kThreads * kEach});  // the views (no "accepted")
  std::string prev = audit::GenesisHash();
  for (std::size_t i = 0; i < all->size(); ++i) {
    const auto& r = (*all)[i];
    EXPECT_EQ(r.seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(r.prev_hash, prev);
    EXPECT_EQ(r.hash, audit::RecordHash(r));
    prev = r.hash;
  }
}

// Claimers working at once (several nodes' queue runners) never take one entry twice,
// and together take every entry that is due.
TEST_P(Conformance, ClaimersAtOnceNeverTakeAnEntryTwice) {
  MessageRecord m = SampleMessage();
  std::vector<QueueEntry> entries;
  constexpr int kEntries = 300;
  for (int i = 0; i < kEntries; ++i) {
    QueueEntry q;
    q.id = "q" + std::to_string(i);
    q.message_id = m.id;
    q.mail_from = "a@example.org";
    q.rcpt_to = "r" + std::to_string(i) + "@example.net";
    q.sealed_content = "content";
    q.next_attempt_at = q.created_at = 100;
    entries.push_back(q);
  }
  ASSERT_TRUE(b_.messages->InsertWithNotices(m, entries, {}, "").ok());
  std::mutex mu;
  std::multiset<std::string> taken;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        auto claimed = b_.queue->Claim(100, 7, 10000);
        if (!claimed.ok()) {
          ++failed;
          return;
        }
        if (claimed->empty()) return;
        std::lock_guard lock(mu);
        for (const auto& q : *claimed) taken.insert(q.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(taken.size(), static_cast<std::size_t>(kEntries));
  std::set<std::string> once(taken.begin(), taken.end());
  EXPECT_EQ(once.size(), taken.size()) << "an entry was claimed twice";
}

// The dashboard counts the messages of its days and account, the TLS share of what was
// delivered (a report without a TLS version, or not yet delivered, is not TLS), what waits
// by domain, and what expired.
TEST_P(Conformance, DashboardFactsCountTheirDaysAndTheTlsShare) {
  auto messages = b_.messages.get();
  auto queue = b_.queue.get();
  auto dashboard = b_.dashboard.get();
  auto send = [&](const std::string& id, const std::string& account, std::int64_t at) {
    MessageRecord m = SampleMessage();
    m.id = id;
    m.account = account;
    m.created_at = at;
    m.blob_ids = {id + "-blob"};
    m.manifest_blob = id + "-blob";
    m.recipients[0].id = id + "-r";
    m.recipients[0].message_id = id;
    QueueEntry q{id + "-q",
                 id,
                 id + "-r",
                 "a@example.org",
                 "b@example.net",
                 "content",
                 "",
                 "",
                 QueueState::kQueued,
                 0,
                 at,
                 at,
                 "",
                 "",
                 "",
                 false,
                 ""};
    ASSERT_TRUE(messages->InsertWithNotices(m, {q}, {}, "").ok());
  };
  send("old", "default", 10);  // before the days counted
  send("tls", "default", 100);
  send("plain", "default", 100);
  send("waits", "default", 100);
  send("other", "Springfield", 100);
  ASSERT_EQ(queue->Claim(150, 10, 400)->size(), 5u);
  ASSERT_TRUE(
      queue
          ->Record(
              {{"old-q", QueueState::kDelivered, 150, "250 ok", R"({"tls_version":"TLSv1.3"})"},
               {"tls-q", QueueState::kDelivered, 150, "250 ok", R"({"tls_version":"TLSv1.3"})"},
               {"plain-q", QueueState::kDelivered, 150, "250 ok", R"({"tls_version":""})"},
               {"waits-q", QueueState::kDeferred, 900, "421 busy", "{}"},
               {"other-q", QueueState::kDelivered, 150, "250 ok", R"({"tls_version":"TLSv1.2"})"}},
              {}, {})
          .ok());

  auto all = dashboard->Facts("", 50, 300);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->messages, 4);
  EXPECT_EQ(all->delivered, 3);
  EXPECT_EQ(all->delivered_with_tls, 2);
  EXPECT_EQ(all->expired, 4);  // expires_at 200 < now 300
  ASSERT_EQ(all->deferred_by_domain.size(), 1u);
  EXPECT_EQ(all->deferred_by_domain[0], std::make_pair(std::string("example.net"), 1));

  auto mine = dashboard->Facts("default", 50, 150);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->messages, 3);
  EXPECT_EQ(mine->delivered, 2);
  EXPECT_EQ(mine->delivered_with_tls, 1);
  EXPECT_EQ(mine->expired, 0);
}

TEST_P(Conformance, DeletionsTakeWhatBelongsAndRefuseWhileSomethingIsBelow) {
  auto org = b_.org.get();
  auto clients = b_.api_clients.get();
  auto books = b_.books.get();
  auto webhooks = b_.webhooks.get();
  auto messages = b_.messages.get();
  ASSERT_TRUE(org->CreateAccount({"Lab", "s", 1}).ok());
  ASSERT_TRUE(org->CreateDomain({"lab.example", "Lab", "s", 1}).ok());
  ASSERT_TRUE(org->CreateUser({"tech@lab.example", "lab.example", "s", "hash", 1}).ok());
  ASSERT_TRUE(clients->Insert({"c-user", "h", "till", "Lab", 1, {}, "TECH@lab.example", "x"}).ok());
  ASSERT_TRUE(clients->Insert({"c-acct", "h", "ehr", "Lab", 1, {}, "", "x"}).ok());
  ASSERT_TRUE(clients->Insert({"c-other", "h", "crm", "Other", 1, {}, "", "x"}).ok());
  // A password-grant token of the user's, through the account's client.
  ASSERT_TRUE(
      clients->InsertToken({"t-user", "c-acct", "tech@lab.example", "x", "password", 1, 99}).ok());
  ASSERT_TRUE(
      clients->InsertToken({"t-acct", "c-acct", "c-acct", "x", "client_credentials", 1, 99}).ok());
  ASSERT_TRUE(books->CreateBook({"b-user", "user", "tech@lab.example", "mine", 1}).ok());
  ASSERT_TRUE(books->CreateBook({"b-dom", "domain", "lab.example", "shared", 1}).ok());
  ASSERT_TRUE(books->CreateBook({"b-acct", "account", "Lab", "shared", 1}).ok());
  ASSERT_TRUE(books->LinkUser({"tech@lab.example", "b-acct", "default"}).ok());
  ASSERT_TRUE(webhooks->Insert(Endpoint("w-lab", "Lab", "message.accepted")).ok());
  ASSERT_TRUE(webhooks->Insert(Endpoint("w-other", "Other", "message.accepted")).ok());
  MessageRecord sent = SampleMessage();
  sent.account = "Lab";
  sent.sender = "tech@lab.example";
  ASSERT_TRUE(messages->InsertWithNotices(sent, {}, {}, "").ok());

  EXPECT_EQ(org->DeleteAccount("Lab", 10).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(org->DeleteDomain("lab.example").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(org->DeleteUser("nobody@lab.example", 10).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(org->DeleteUser("Tech@lab.example", 10).ok());
  EXPECT_EQ((*clients->Find("c-user"))->revoked_at, 10);
  EXPECT_FALSE((*clients->Find("c-acct"))->revoked_at.has_value());
  EXPECT_EQ((*clients->FindToken("t-user"))->revoked_at, 10);
  EXPECT_FALSE((*clients->FindToken("t-acct"))->revoked_at.has_value());
  EXPECT_FALSE(books->FindBook("user", "tech@lab.example", "mine")->has_value());
  EXPECT_TRUE(books->UserBooks("tech@lab.example")->empty());
  ASSERT_TRUE(org->DeleteDomain("lab.example").ok());
  EXPECT_FALSE(books->FindBook("domain", "lab.example", "shared")->has_value());
  ASSERT_TRUE(org->DeleteAccount("lab", 11).ok());
  EXPECT_EQ((*clients->Find("c-acct"))->revoked_at, 11);
  EXPECT_FALSE((*clients->Find("c-other"))->revoked_at.has_value());
  EXPECT_FALSE(books->FindBook("account", "Lab", "shared")->has_value());
  EXPECT_FALSE(webhooks->Find("w-lab")->has_value());
  EXPECT_TRUE(webhooks->Find("w-other")->has_value());
  // The message stays, and keeps its account's name from a newcomer.
  EXPECT_TRUE((*messages->Find("msg1")).has_value());
  EXPECT_EQ(org->CreateAccount({"Lab", "s", 12}).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(org->DeleteAccount("Lab", 12).error().code, ErrorCode::kNotFound);
  // The organisation's own account may be made after its clients sent messages.
  MessageRecord own = SampleMessage();  // account "default"
  own.id = own.recipients[0].message_id = "msg2";
  own.recipients[0].id = "rcpt2";
  ASSERT_TRUE(messages->InsertWithNotices(own, {}, {}, "").ok());
  EXPECT_TRUE(org->CreateAccount({"default", "s", 13}).ok());
}

// A campaign's message opened or clicked: pushed to the endpoints that ask, naming the
// campaign; and the contact's engagement moments set in the same transaction.
TEST_P(Conformance, ACampaignsEngagementIsPushedAndMovesTheContactsMoments) {
  auto webhooks = b_.webhooks.get();
  auto messages = b_.messages.get();
  auto events = b_.events.get();
  auto contacts = b_.contacts.get();
  auto campaigns = b_.campaigns.get();
  ASSERT_TRUE(webhooks->Insert(Endpoint("w1", "default", "message.opened message.clicked")).ok());
  ASSERT_TRUE(messages->InsertWithNotices(SampleMessage(), {}, {}, "").ok());
  ContactStore::Put put;
  put.contact = {"c1", "default", "pat@example.net", "sealed", 1, 1};
  ASSERT_TRUE(contacts->PutContacts({put}).ok());
  CampaignRecord c;
  c.id = "k1";
  c.account = "default";
  c.name = "flu";
  ASSERT_TRUE(campaigns->CreateCampaign(c).ok());
  CampaignSendRecord send;
  send.contact_id = "c1";
  send.address = "pat@example.net";
  send.message_id = "msg1";
  ASSERT_TRUE(campaigns->Take("k1", {send}, "c1", true, 100).ok());
  ASSERT_TRUE(events->Append({0, "msg1", "", "opened", 150, "", R"({"campaign":"flu"})"}).ok());
  ASSERT_TRUE(events->Append({0, "msg1", "", "clicked", 160, "", R"({"campaign":"flu"})"}).ok());

  auto due = webhooks->Due(200, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].event_type, "message.opened");
  EXPECT_EQ((*due)[1].event_type, "message.clicked");
  EXPECT_NE((*due)[1].payload.find(R"("campaign":"flu")"), std::string::npos) << (*due)[1].payload;
  auto pat = contacts->FindContactById("c1");
  ASSERT_TRUE(pat.ok() && *pat);
  EXPECT_EQ((*pat)->last_opened, 160);  // a click is an open too
  EXPECT_EQ((*pat)->last_clicked, 160);
  auto source = campaigns->SourceOf("msg1");
  ASSERT_TRUE(source.ok() && *source);
  EXPECT_EQ((*source)->kind, "campaign");
  EXPECT_EQ((*source)->name, "flu");
  EXPECT_EQ((*source)->contact_id, "c1");
}

TEST_P(Conformance, WebhookOutboxIsFilledWithTheEventAndDrainedByAttempts) {
  auto audit = b_.audit.get();
  auto webhooks = b_.webhooks.get();
  auto messages = b_.messages.get();
  auto events = b_.events.get();
  ASSERT_TRUE(webhooks->Insert(Endpoint("w1", "default", "message.accepted message.viewed")).ok());
  ASSERT_TRUE(webhooks->Insert(Endpoint("w2", "default", "message.viewed")).ok());
  ASSERT_TRUE(webhooks->Insert(Endpoint("w3", "other", "message.accepted message.viewed")).ok());
  WebhookEndpointRecord off = Endpoint("w4", "default", "message.accepted");
  off.enabled = false;
  ASSERT_TRUE(webhooks->Insert(off).ok());

  ASSERT_TRUE(
      messages
          ->InsertWithNotices(SampleMessage(), {}, {{0, "msg1", "", "accepted", 100, "", ""}}, "")
          .ok());
  ASSERT_TRUE(events->Append({0, "msg1", "rcpt1", "link_opened", 101, "", ""}).ok());
  ASSERT_TRUE(events->Append({0, "msg1", "rcpt1", "viewed", 102, "", ""}).ok());

  // Only enabled endpoints of the message's account that want the type; link_opened
  // is no webhook type.
  auto due = webhooks->Due(102, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 3u);
  EXPECT_EQ((*due)[0].endpoint_id, "w1");
  EXPECT_EQ((*due)[0].event_type, "message.accepted");
  EXPECT_EQ((*due)[0].payload.find("\"subject\""), std::string::npos);
  EXPECT_EQ((*due)[1].event_type, "message.viewed");
  EXPECT_NE((*due)[1].payload.find(
                R"("recipient_id":"rcpt1","status":"notice_queued","method":"escrow")"),
            std::string::npos)
      << (*due)[1].payload;
  EXPECT_EQ((*due)[1].id.rfind("msg_", 0), 0u);
  EXPECT_EQ(webhooks->Due(101, 10)->size(), 1u);  // the viewed ones are not due yet

  // Delivered; retried later; failed for good, and its endpoint disabled with a record.
  const std::string delivered = (*due)[0].id, retried = (*due)[1].id, failed = (*due)[2].id;
  ASSERT_TRUE(webhooks
                  ->Record({{{delivered, 103, 204, "", 12}, "delivered", 0},
                            {{retried, 103, 500, "HTTP 500", 8}, "pending", 200},
                            {{failed, 103, 0, "cannot connect", 1}, "failed", 0}},
                           {{"w2", "failed for 27 hours"}}, 103)
                  .ok());
  EXPECT_TRUE(webhooks->Due(199, 10)->empty());
  auto w1 = webhooks->Find("w1");
  EXPECT_EQ((*w1)->last_success_at.value_or(0), 103);
  auto w2 = webhooks->Find("w2");
  EXPECT_FALSE((*w2)->enabled);
  EXPECT_EQ((*w2)->disabled_reason, "failed for 27 hours");
  auto trail = audit->Read(0, 100);
  ASSERT_TRUE(trail.ok());
  EXPECT_EQ(trail->back().action, "webhook.disabled");
  EXPECT_EQ(trail->back().subject, "w2");

  auto log = webhooks->Deliveries("w1", "", "", 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].id, retried);  // newest first
  EXPECT_EQ((*log)[0].attempts, 1);
  EXPECT_EQ((*log)[0].last_status, 500);
  EXPECT_EQ((*log)[1].state, "delivered");
  EXPECT_EQ(webhooks->Deliveries("w1", "delivered", "", 10)->size(), 1u);
  EXPECT_EQ(webhooks->Deliveries("w1", "", retried, 10)->front().id, delivered);
  auto attempts = webhooks->Attempts(retried);
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].error, "HTTP 500");

  // Redelivery: only of a finished delivery, only through its own endpoint.
  EXPECT_EQ(webhooks->Redeliver("w1", retried, 104).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(webhooks->Redeliver("w2", delivered, 104).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(webhooks->Redeliver("w1", delivered, 104).ok());
  auto again = webhooks->Due(104, 10);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].id, delivered);
  EXPECT_EQ((*again)[0].attempts, 0);

  // A disabled endpoint gets nothing new; enabling it clears why it was disabled.
  ASSERT_TRUE(events->Append({0, "msg1", "rcpt1", "viewed", 105, "", ""}).ok());
  EXPECT_EQ(webhooks->Deliveries("w2", "", "", 10)->size(), 1u);
  WebhookEndpointRecord on = **w2;
  on.enabled = true;
  ASSERT_TRUE(webhooks->Update(on).ok());
  EXPECT_EQ((*webhooks->Find("w2"))->disabled_reason, "");

  // Finished deliveries go after the retention period; deleting an endpoint takes the rest.
  EXPECT_EQ(*webhooks->PruneFinished(104), 1);  // w2's failed one
  ASSERT_TRUE(webhooks->Delete("w1").ok());
  EXPECT_EQ(webhooks->Delete("w1").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(webhooks->Deliveries("w1", "", "", 10)->empty());
  // An attempt at a delivery whose endpoint went during the pass is dropped, not an error.
  EXPECT_TRUE(webhooks->Record({{{delivered, 106, 204, "", 3}, "delivered", 0}}, {}, 106).ok());
  EXPECT_TRUE(webhooks->Attempts(delivered)->empty());
}

TEST_P(Conformance, OrgHierarchyAndUniqueness) {
  auto org = b_.org.get();
  ASSERT_TRUE(org->CreateAccount({"Springfield Clinic", "s0", 1}).ok());
  EXPECT_EQ(org->CreateAccount({"springfield clinic", "s0", 1}).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(org->CreateDomain({"clinic.example", "nobody", "s1", 1}).error().code,
            ErrorCode::kNotFound);
  ASSERT_TRUE(org->CreateDomain({"clinic.example", "Springfield Clinic", "s1", 1}).ok());
  EXPECT_EQ(org->CreateUser({"dr@other.example", "other.example", "s2", "", 1}).error().code,
            ErrorCode::kNotFound);
  ASSERT_TRUE(org->CreateUser({"dr@clinic.example", "clinic.example", "s2", "", 1}).ok());

  auto user = org->FindUser("DR@clinic.example");
  ASSERT_TRUE(user.ok() && user->has_value());
  EXPECT_EQ((*user)->domain, "clinic.example");
  ASSERT_TRUE(org->SetSettings(OrgLevel::kUser, "dr@clinic.example", "new").ok());
  EXPECT_EQ((*org->FindUser("dr@clinic.example"))->sealed_settings, "new");
  EXPECT_EQ(org->SetSettings(OrgLevel::kDomain, "nope.example", "x").error().code,
            ErrorCode::kNotFound);

  ASSERT_TRUE(org->SetMxTls({"example.net", true, "mx.example.net", 5}).ok());
  ASSERT_TRUE(org->SetMxTls({"example.net", false, "mx2.example.net", 6}).ok());
  auto mx = org->FindMxTls("EXAMPLE.net");
  ASSERT_TRUE(mx.ok() && mx->has_value());
  EXPECT_FALSE((*mx)->starttls);
  EXPECT_EQ((*mx)->host, "mx2.example.net");
  EXPECT_FALSE(org->FindMxTls("unknown.example")->has_value());
}

TEST_P(Conformance, PortalAccountRegistrationConfirmationTokensAndCodes) {
  auto store = b_.portal_accounts.get();
  PortalRegistrationRecord r{"reg1", "", "Homer@Example.net", "$argon2id$1", "tok1", "b1", "rid1",
                             100,    200};
  ASSERT_TRUE(store->AddRegistration(r, 2).ok());
  // A second registration waits beside the first: neither replaces the other.
  PortalRegistrationRecord r2{"reg2", "", "homer@example.net", "$argon2id$2", "tok2", "b2", "rid1",
                              110,    210};
  ASSERT_TRUE(store->AddRegistration(r2, 2).ok());
  EXPECT_EQ((*store->FindRegistration("tok1", 150))->password_hash, "$argon2id$1");
  EXPECT_EQ((*store->FindRegistration("tok2", 150))->browser_hash, "b2");
  EXPECT_FALSE(store->FindRegistration("tok1", 200)->has_value());  // expired
  PortalRegistrationRecord r3 = r2;
  r3.id = "reg3";
  r3.token_hash = "tok3";
  EXPECT_EQ(store->AddRegistration(r3, 2).error().code, ErrorCode::kResourceExhausted);
  EXPECT_FALSE(store->FindByAddress("", "homer@example.net")->has_value());    // nothing confirmed
  EXPECT_FALSE(store->ConfirmRegistration("tok1", "acc1", 200)->has_value());  // expired
  auto confirmed = store->ConfirmRegistration("tok2", "acc2", 160);
  ASSERT_TRUE(confirmed.ok() && confirmed->has_value());
  EXPECT_EQ((*confirmed)->password_hash, "$argon2id$2");
  auto found = store->FindByAddress("", "homer@EXAMPLE.net");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, "acc2");
  EXPECT_EQ(*(*found)->confirmed_at, 160);
  // Every registration of the address went with it; none can be added now.
  EXPECT_FALSE(store->FindRegistration("tok1", 150)->has_value());
  EXPECT_FALSE(store->ConfirmRegistration("tok2", "acc9", 160)->has_value());
  r3.created_at = 170;
  r3.expires_at = 300;
  EXPECT_EQ(store->AddRegistration(r3, 2).error().code, ErrorCode::kAlreadyExists);
  // A token works once, for its purpose, until it expires.
  ASSERT_TRUE(store->PutToken({"tok4", "acc2", "reset", "rid1", 200}).ok());
  EXPECT_FALSE(store->TakeToken("tok4", "confirm", 150)->has_value());
  EXPECT_TRUE(store->FindToken("tok4", "reset", 150)->has_value());
  EXPECT_FALSE(store->FindToken("tok4", "reset", 200)->has_value());
  auto token = store->TakeToken("tok4", "reset", 150);
  ASSERT_TRUE(token.ok() && token->has_value());
  EXPECT_EQ((*token)->recipient_id, "rid1");
  EXPECT_FALSE(store->TakeToken("tok4", "reset", 150)->has_value());
  ASSERT_TRUE(store->PutToken({"tok3", "acc2", "reset", "", 200}).ok());
  EXPECT_FALSE(store->TakeToken("tok3", "reset", 200)->has_value());  // expired
  // Another namespace's pool: the same address, another account, unaware of the first.
  r3.namespace_name = "springfield";
  ASSERT_TRUE(store->AddRegistration(r3, 2).ok());
  ASSERT_TRUE(store->ConfirmRegistration("tok3", "acc3", 180)->has_value());
  EXPECT_EQ((*store->FindByAddress("springfield", "homer@example.net"))->id, "acc3");
  EXPECT_EQ((*store->FindByAddress("", "homer@example.net"))->id, "acc2");
  EXPECT_FALSE(store->FindByAddress("shelbyville", "homer@example.net")->has_value());
  // A new password drops outstanding reset links.
  ASSERT_TRUE(store->PutToken({"tok5", "acc2", "reset", "", 900}).ok());
  ASSERT_TRUE(store->SetPassword("acc2", "$argon2id$3").ok());
  EXPECT_FALSE(store->TakeToken("tok5", "reset", 170)->has_value());
  EXPECT_EQ((*store->Find("acc2"))->password_hash, "$argon2id$3");
  EXPECT_EQ(store->SetPassword("nobody", "x").error().code, ErrorCode::kNotFound);
  // One-time codes: each step once, never an older one; recovery codes once each.
  ASSERT_TRUE(store->SetTotp("acc2", "sealed", {"h1", "h2"}).ok());
  EXPECT_EQ((*store->Find("acc2"))->recovery_hashes.size(), 2u);
  EXPECT_TRUE(*store->UseTotpStep("acc2", 50));
  EXPECT_FALSE(*store->UseTotpStep("acc2", 50));
  EXPECT_FALSE(*store->UseTotpStep("acc2", 49));
  EXPECT_TRUE(*store->UseTotpStep("acc2", 51));
  EXPECT_TRUE(*store->UseRecoveryCode("acc2", "h1"));
  EXPECT_FALSE(*store->UseRecoveryCode("acc2", "h1"));
  EXPECT_FALSE(*store->UseRecoveryCode("acc2", "h9"));
  ASSERT_TRUE(store->SetTotp("acc2", "", {}).ok());
  EXPECT_TRUE((*store->Find("acc2"))->sealed_totp.empty());
  EXPECT_FALSE(*store->UseRecoveryCode("acc2", "h2"));
  // Passkeys: at most so many per account, each credential id once; the counter moves
  // only from the value a sign-in was checked against.
  PasskeyRecord key{std::string("cred\0one", 8), "acc2", "phone", "spki", -7, 3, true, 100, {}};
  ASSERT_TRUE(store->AddPasskey(key, 2).ok());
  EXPECT_EQ(store->AddPasskey(key, 2).error().code, ErrorCode::kAlreadyExists);
  PasskeyRecord other = key;
  other.id = "cred2";
  other.account_id = "acc3";
  EXPECT_EQ(store->AddPasskey(key, 1).error().code, ErrorCode::kResourceExhausted);
  ASSERT_TRUE(store->AddPasskey(other, 1).ok());
  auto listed = store->ListPasskeys("acc2");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, key.id);
  EXPECT_EQ((*listed)[0].name, "phone");
  EXPECT_EQ((*listed)[0].algorithm, -7);
  EXPECT_TRUE((*listed)[0].backed_up);
  EXPECT_FALSE((*listed)[0].last_used_at.has_value());
  EXPECT_TRUE(*store->UsePasskey(key.id, 3, 4, 200));
  EXPECT_FALSE(*store->UsePasskey(key.id, 3, 5, 201));  // checked against a count gone by
  auto found_key = store->FindPasskey(key.id);
  ASSERT_TRUE(found_key.ok() && found_key->has_value());
  EXPECT_EQ((*found_key)->sign_count, 4);
  EXPECT_EQ((*found_key)->last_used_at.value_or(0), 200);
  EXPECT_FALSE(*store->RemovePasskey("acc3", key.id));  // not theirs
  EXPECT_TRUE(*store->RemovePasskey("acc2", key.id));
  EXPECT_FALSE(store->FindPasskey(key.id)->has_value());
}

// A master-key rotation walks each sealed column by row and rewrites a value only where
// the old one is still in place; the processes that seal say which key they seal with.
TEST_P(Conformance, SealedColumnsAreWalkedByRowAndReplacedOnlyWhereUnchanged) {
  for (const char* name : {"Alpha", "Beta", "Gamma"}) {
    ASSERT_TRUE(b_.org->CreateAccount({name, std::string("old-") + name, 1}).ok());
  }
  const SealedColumn column{"accounts", "sealed_settings", {"name"}};
  EXPECT_EQ(*b_.key_store->CountSealed(column), 3);
  auto first = b_.key_store->SealedCells(column, 0, 2);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].value, "old-Alpha");
  EXPECT_EQ((*first)[0].binding, std::vector<std::string>{"Alpha"});
  auto rest = b_.key_store->SealedCells(column, first->back().row, 2);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].value, "old-Gamma");
  // Beta changed meanwhile: its new value stays.
  ASSERT_TRUE(b_.org->SetSettings(OrgLevel::kAccount, "Beta", "changed").ok());
  auto written = b_.key_store->ReplaceSealed(column, {{(*first)[0].row, "old-Alpha", "new-Alpha"},
                                                      {(*first)[1].row, "old-Beta", "new-Beta"}});
  ASSERT_TRUE(written.ok()) << written.error().ToString();
  EXPECT_EQ(*written, 1);
  EXPECT_EQ((*b_.org->FindAccount("Alpha"))->sealed_settings, "new-Alpha");
  EXPECT_EQ((*b_.org->FindAccount("Beta"))->sealed_settings, "changed");
  EXPECT_EQ(b_.key_store->SealedCells({"accounts; DROP", "x", {}}, 0, 1).error().code,
            ErrorCode::kInvalidArgument);

  EXPECT_EQ(*b_.key_store->KeepSealedKey("lookup", "first"), "first");
  EXPECT_EQ(*b_.key_store->KeepSealedKey("lookup", "second"), "first");  // a racing first use
  ASSERT_TRUE(b_.key_store->PutHolder({"node-a", "host-a", 10, "k1", 5}).ok());
  ASSERT_TRUE(b_.key_store->PutHolder({"node-a", "host-a", 10, "k2", 6}).ok());
  auto holders = b_.key_store->Holders();
  ASSERT_TRUE(holders.ok());
  ASSERT_EQ(holders->size(), 1u);
  EXPECT_EQ((*holders)[0].key_id, "k2");
  ASSERT_TRUE(b_.key_store->RemoveHolder("node-a").ok());
  EXPECT_TRUE(b_.key_store->Holders()->empty());
}

// Portal sessions every node finds: live until their idle limit, which use moves on but
// never past their absolute end; an account's end together.
TEST_P(Conformance, PortalSessionsLiveUntilTheirLimitsAndEndByAccount) {
  PortalSessionStore* store = b_.portal_sessions.get();
  const std::string hash(32, '\x01'), other(32, '\x02'), third(32, '\x03');
  ASSERT_TRUE(store->Put({hash, "message", "r1", "a1", std::string("\0sealed", 7), 200, 300}).ok());
  ASSERT_TRUE(store->Put({other, "account", "", "a1", "s2", 200, 300}).ok());
  ASSERT_TRUE(store->Put({third, "message", "r3", "", "s3", 200, 300}).ok());
  auto found = store->Find(hash, 199);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->sealed, std::string("\0sealed", 7));
  EXPECT_EQ((*found)->recipient_id, "r1");
  EXPECT_FALSE(store->Find(hash, 200)->has_value());  // idle too long
  ASSERT_TRUE(store->Touch(hash, 250).ok());
  EXPECT_TRUE(store->Find(hash, 249)->has_value());
  ASSERT_TRUE(store->Touch(hash, 900).ok());  // never past the absolute end
  EXPECT_EQ((*store->Find(hash, 0))->expires_at, 300);
  EXPECT_EQ(*store->Count("message", 0), 2);
  ASSERT_TRUE(store->RemoveAccount("a1").ok());
  EXPECT_FALSE(store->Find(hash, 0)->has_value());
  EXPECT_FALSE(store->Find(other, 0)->has_value());
  EXPECT_TRUE(store->Find(third, 0)->has_value());
  EXPECT_EQ(*store->PruneExpired(200), 1);
  EXPECT_EQ(*store->Count("message", 0), 0);
}

// A spooled blob's row keeps what planning reads instead of the blob: its header sealed
// (bytes of any value) and whether it is 8-bit.
TEST_P(Conformance, ASubmissionKeepsItsBlobsHeaderAndBits) {
  InboundRecord r;
  r.id = "inbig";
  r.received_at = 100;
  r.client_address = "192.0.2.1";
  r.envelope_json = "{}";
  r.content_blob = "blob0123456789";
  r.content_key = std::string("key\0\xff", 5);
  r.sealed_header = std::string("header\0\x80\xff", 9);
  r.content_bits = ContentBits::kEightBit;
  r.next_attempt_at = 100;
  InboundRecord small = r;
  small.id = "insmall";
  small.content_blob.clear();
  small.content_key.clear();
  small.sealed_header.clear();
  small.content_bits = ContentBits::kUnknown;
  small.sealed_content = "sealed";
  ASSERT_TRUE(b_.inbound->InsertBatch({r, small}).ok());
  auto claimed = b_.inbound->Claim(100, 16, 160);
  ASSERT_TRUE(claimed.ok()) << claimed.error().ToString();
  ASSERT_EQ(claimed->size(), 2u);
  for (const auto& c : *claimed) {
    const InboundRecord& want = c.id == "inbig" ? r : small;
    EXPECT_EQ(c.content_blob, want.content_blob) << c.id;
    EXPECT_EQ(c.content_key, want.content_key) << c.id;
    EXPECT_EQ(c.sealed_header, want.sealed_header) << c.id;
    EXPECT_EQ(c.content_bits, want.content_bits) << c.id;
  }
}

// SMTP submissions claimed by several processors at once (nodes sharing a database):
// each taken by one; a taken one is not due again until its lease ends.
TEST_P(Conformance, SubmissionsClaimedAtOnceAreEachTakenOnce) {
  std::vector<InboundRecord> batch;
  for (int i = 0; i < 120; ++i) {
    InboundRecord r;
    r.id = "in" + std::to_string(i);
    r.received_at = 100;
    r.client_address = "192.0.2.1";
    r.envelope_json = "{}";
    r.sealed_content = "sealed";
    r.next_attempt_at = 100;
    batch.push_back(r);
  }
  ASSERT_TRUE(b_.inbound->InsertBatch(batch).ok());
  std::mutex mu;
  std::multiset<std::string> taken;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        auto claimed = b_.inbound->Claim(100, 16, 160);
        if (!claimed.ok()) {
          ++failed;
          return;
        }
        if (claimed->empty()) return;
        std::lock_guard lock(mu);
        for (const auto& r : *claimed) taken.insert(r.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(taken.size(), 120u);
  EXPECT_EQ(std::set<std::string>(taken.begin(), taken.end()).size(), taken.size());
  EXPECT_TRUE(b_.inbound->Due(159, 200)->empty());     // leased
  EXPECT_EQ(b_.inbound->Due(160, 200)->size(), 120u);  // the lease ran out
  EXPECT_EQ(*b_.inbound->Waiting(), 120);
}

// A node that died between committing a change and chaining its audit records leaves
// them pending; the next chaining pass, on any node, puts them on the trail in order.
TEST_P(Conformance, AuditRecordsLeftPendingByADeadNodeAreChainedByAnother) {
  audit::AuditRecord r;
  r.at = 1790000000;
  r.actor_kind = "admin_cli";
  r.action = "admin.account.create";
  r.subject = "Left";
  r.result = "ok";
  if (pg_) {
    pg::Database::Options options;
    options.conninfo = conninfo_;
    auto dead = pg::Database::Open(options, pg::Migrations());  // no audit store: no chaining
    ASSERT_TRUE(dead.ok()) << dead.error().ToString();
    ASSERT_TRUE(
        (*dead)->Transaction([&](pg::Connection& c) { return pg::AppendAuditIn(c, r); }).ok());
  } else if (GetParam() == "memory") {
    // No other process can reach a database in memory: its own record, as it commits.
    ASSERT_TRUE(
        sqlite_->Transaction([&](sqlite::Connection& c) { return sqlite::AppendAuditIn(c, r); })
            .ok());
  } else {
    // Another process on the same SQLite file: its record is chained as it commits.
    auto other = sqlite::Database::Open(dir_.path() + "/db");
    ASSERT_TRUE(other.ok()) << other.error().ToString();
    audit::AuditRecord copy = r;
    ASSERT_TRUE(
        (*other)
            ->Transaction([&](sqlite::Connection& c) { return sqlite::AppendAuditIn(c, copy); })
            .ok());
  }
  auto before = b_.audit->Read(0, 10);  // reading chains what is pending first
  ASSERT_TRUE(before.ok()) << before.error().ToString();
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ((*before)[0].subject, "Left");
  EXPECT_EQ((*before)[0].prev_hash, audit::GenesisHash());
  EXPECT_EQ((*before)[0].hash, audit::RecordHash((*before)[0]));
  r.subject = "Next";
  ASSERT_TRUE(b_.audit->Append(r).ok());
  auto head = b_.audit->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->first, 2);
}

// A signed request's nonce, once remembered, is a replay everywhere: on PostgreSQL on
// another node at once (the row is written as it comes); on SQLite (one node) in this
// store at once and, after the 50 ms write, in another process too.
TEST_P(Conformance, ANonceRememberedOnceIsAReplayEverywhere) {
  const std::int64_t until = 1'900'000'000;
  ASSERT_TRUE(*b_.api_clients->RememberNonce("s1", "n1", until));
  EXPECT_FALSE(*b_.api_clients->RememberNonce("s1", "n1", until));
  EXPECT_TRUE(*b_.api_clients->RememberNonce("s2", "n1", until));  // another session's
  std::unique_ptr<pg::Database> other_pg;
  std::unique_ptr<sqlite::Database> other_sqlite;
  std::unique_ptr<ApiClientStore> other;
  if (pg_) {
    pg::Database::Options options;
    options.conninfo = conninfo_;
    other_pg = std::move(*pg::Database::Open(options, pg::Migrations()));
    other = pg::NewApiClientStore(*other_pg);
  } else if (GetParam() == "sqlite") {
    ASSERT_TRUE(b_.api_clients->WriteNonces().ok());
    other_sqlite = std::move(*sqlite::Database::Open(dir_.path() + "/db"));
    other = sqlite::NewApiClientStore(*other_sqlite);
  }  // in memory, no other process can reach it
  if (other) EXPECT_FALSE(*other->RememberNonce("s1", "n1", until));  // the replay, elsewhere
  ASSERT_TRUE(b_.api_clients->WriteNonces().ok());
  EXPECT_EQ(*b_.api_clients->PruneExpired(until - 1), 0);  // kept until then
  EXPECT_EQ(*b_.api_clients->PruneExpired(until + 1), 2);  // and no longer
}

INSTANTIATE_TEST_SUITE_P(Backends, Conformance, ::testing::Values("sqlite", "memory", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sealpost
