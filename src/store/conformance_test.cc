// One suite, every backend (issue 23 point 4): each store with a PostgreSQL
// implementation runs the same tests against SQLite and against a real PostgreSQL (a
// cluster of the suite's own on loopback). A store's tests move here from store_test.cc
// when it gains its PostgreSQL twin.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/temp_dir.h"
#include "store/blob_store.h"
#include "store/postgres/schema.h"
#include "store/postgres/stores.h"
#include "store/postgres/test_cluster.h"
#include "store/sqlite/stores.h"

namespace sealpost {
namespace {

// The stores of one backend, on a database of the test's own.
struct Backend {
  std::unique_ptr<AddressBookStore> books;
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<FormStore> forms;
  std::unique_ptr<TlsReportStore> tls_reports;
  std::unique_ptr<MtaStsStore> mta_sts;
};

class Conformance : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  void SetUp() override {
    if (GetParam() == "sqlite") {
      auto db = sqlite::Database::Open(dir_.path() + "/db");
      ASSERT_TRUE(db.ok()) << db.error().ToString();
      sqlite_ = std::move(*db);
      auto blobs = NewFileBlobStore(dir_.path() + "/blobs");
      ASSERT_TRUE(blobs.ok()) << blobs.error().ToString();
      b_.blobs = std::move(*blobs);
      b_.books = sqlite::NewAddressBookStore(*sqlite_);
      b_.forms = sqlite::NewFormStore(*sqlite_);
      b_.tls_reports = sqlite::NewTlsReportStore(*sqlite_);
      b_.mta_sts = sqlite::NewMtaStsStore(*sqlite_);
      return;
    }
    if (cluster_ == nullptr) {
      auto cluster = pg::TestCluster::Start();
      ASSERT_TRUE(cluster.ok()) << cluster.error().ToString();
      cluster_ = cluster->release();
    }
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    auto conninfo = cluster_->CreateDatabase("c_" + name);
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().ToString();
    pg::Database::Options options;
    options.conninfo = *conninfo;
    auto db = pg::Database::Open(options, pg::Migrations());
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    pg_ = std::move(*db);
    b_.books = pg::NewAddressBookStore(*pg_);
    b_.forms = pg::NewFormStore(*pg_);
    b_.blobs = pg::NewBlobStore(*pg_);
    b_.tls_reports = pg::NewTlsReportStore(*pg_);
    b_.mta_sts = pg::NewMtaStsStore(*pg_);
  }

  static pg::TestCluster* cluster_;
  TempDir dir_;
  std::unique_ptr<sqlite::Database> sqlite_;
  std::unique_ptr<pg::Database> pg_;
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

INSTANTIATE_TEST_SUITE_P(Backends, Conformance, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sealpost
