#include "api/auth.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "base/encoding.h"
#include "base/temp_dir.h"
#include "crypto/random.h"
#include "store/sqlite/stores.h"

namespace sealpost::api {
namespace {

using Method = Credentials::Method;

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*sqlite::Database::OpenInMemory());
    clients_ = sqlite::NewApiClientStore(*db_);
    audit_ = sqlite::NewAuditStore(*db_);
    auth_.emplace(*clients_, audit_.get(), clock_);
  }

  Result<Principal> Present(const std::string& x_api_key, const std::string& authorization = {}) {
    return auth_->Authenticate(ReadCredentials(x_api_key, authorization), "192.0.2.7");
  }

  std::int64_t Count(const char* sql) {
    std::int64_t n = -1;
    (void)db_->Read([&](sqlite::Connection& db) -> Status {
      sqlite::Statement count(db, sql);
      if (auto row = count.Step(); row.ok() && *row) n = count.Int(0);
      return OkStatus();
    });
    return n;
  }

  std::vector<audit::AuditRecord> Refusals() {
    AuditQuery q;
    q.result = "refused";
    return *audit_->Search(q);
  }

  TempDir dir_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<ApiClientStore> clients_;
  std::unique_ptr<AuditStore> audit_;
  ManualClock clock_{1'800'000'000};
  std::optional<Authenticator> auth_;
};

TEST_F(AuthTest, KeyAndBasicReachTheSameClient) {
  auto issued = CreateClient(*clients_, clock_, {"EHR", "Clinic", "", kMessagesSend | kAdmin});
  ASSERT_TRUE(issued.ok());
  auto by_key = Present(issued->header_value());
  ASSERT_TRUE(by_key.ok()) << by_key.error().ToString();
  EXPECT_EQ(by_key->client_id, issued->id);
  EXPECT_EQ(by_key->account, "Clinic");
  EXPECT_EQ(by_key->method, Method::kApiKey);
  EXPECT_TRUE(by_key->Has(kAdmin));
  EXPECT_FALSE(by_key->Has(kMessagesRead));
  auto by_basic = Present("", "Basic " + Base64Encode(issued->header_value()));
  ASSERT_TRUE(by_basic.ok());
  EXPECT_EQ(by_basic->client_id, issued->id);
  EXPECT_EQ(by_basic->method, Method::kBasic);
  EXPECT_TRUE(Refusals().empty());
}

TEST_F(AuthTest, RefusalsAreRecordedWithTheIdOnlyWhenItIsOne) {
  auto issued = CreateClient(*clients_, clock_, {"EHR", "Clinic", "", kMessagesSend});
  ASSERT_TRUE(issued.ok());
  auto wrong = Present("", "Basic " + Base64Encode(issued->id + ":not-the-secret"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  auto pasted = Present("my-password-by-mistake:x");
  EXPECT_EQ(pasted.error().code, ErrorCode::kUnauthenticated);
  auto token = Present("", "Bearer no-such-token");
  EXPECT_EQ(token.error().code, ErrorCode::kUnauthenticated);
  auto records = Refusals();
  ASSERT_EQ(records.size(), 3u);  // newest first
  EXPECT_EQ(records[2].action, "auth.basic");
  EXPECT_EQ(records[2].actor, issued->id);
  EXPECT_EQ(records[2].client_address, "192.0.2.7");
  EXPECT_EQ(records[1].action, "auth.api_key");
  EXPECT_EQ(records[1].actor, "(not a client id)");
  EXPECT_EQ(records[0].action, "auth.bearer");
  EXPECT_EQ(records[0].actor, "");
}

TEST_F(AuthTest, RevocationTakesEffectOnTheNextRequest) {
  auto issued = CreateClient(*clients_, clock_, {"EHR", "Clinic", "", kMessagesSend});
  ASSERT_TRUE(Present(issued->header_value()).ok());
  ASSERT_TRUE(clients_->Revoke(issued->id, clock_.NowUnix()).ok());
  EXPECT_EQ(Present(issued->header_value()).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(clients_->Revoke("nope", 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(RotateClient(*clients_, clock_, issued->id, 0).error().code,
            ErrorCode::kFailedPrecondition);
}

TEST_F(AuthTest, RotationKeepsTheOldSecretForItsGraceOnly) {
  auto first = CreateClient(*clients_, clock_, {"EHR", "Clinic", "", kMessagesSend});
  auto second = RotateClient(*clients_, clock_, first->id, 3600);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id, first->id);
  EXPECT_NE(second->secret, first->secret);
  EXPECT_TRUE(Present(first->header_value()).ok());
  EXPECT_TRUE(Present(second->header_value()).ok());
  clock_.Advance(3600);
  EXPECT_FALSE(Present(first->header_value()).ok());
  EXPECT_TRUE(Present(second->header_value()).ok());
  // Without grace, the secret it replaces stops at once.
  auto third = RotateClient(*clients_, clock_, first->id, 0);
  EXPECT_FALSE(Present(second->header_value()).ok());
  EXPECT_TRUE(Present(third->header_value()).ok());
  EXPECT_EQ(RotateClient(*clients_, clock_, first->id, kMaxRotationGraceSeconds + 1).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(RotateClient(*clients_, clock_, "unknown", 0).error().code, ErrorCode::kNotFound);
}

TEST_F(AuthTest, LastUseIsWrittenToTheMinute) {
  auto issued = CreateClient(*clients_, clock_, {"EHR", "Clinic", "", kMessagesSend});
  EXPECT_FALSE((*clients_->Find(issued->id))->last_used_at.has_value());
  ASSERT_TRUE(Present(issued->header_value()).ok());
  const std::int64_t first = clock_.NowUnix();
  EXPECT_EQ((*clients_->Find(issued->id))->last_used_at, first);
  clock_.Advance(59);
  ASSERT_TRUE(Present(issued->header_value()).ok());
  EXPECT_EQ((*clients_->Find(issued->id))->last_used_at, first);
  clock_.Advance(1);
  ASSERT_TRUE(Present(issued->header_value()).ok());
  EXPECT_EQ((*clients_->Find(issued->id))->last_used_at, first + 60);
}

TEST_F(AuthTest, ClientsThatCannotBeAreRefused) {
  EXPECT_EQ(
      CreateClient(*clients_, clock_, {"x", "Clinic", "dr@clinic.example", kAdmin}).error().field,
      "scopes");
  EXPECT_EQ(CreateClient(*clients_, clock_, {"x", "Clinic", "", 0}).error().field, "scopes");
  EXPECT_EQ(CreateClient(*clients_, clock_, {"", "Clinic", "", kAdmin}).error().field, "name");
  EXPECT_EQ(
      CreateClient(*clients_, clock_, {std::string(201, 'n'), "Clinic", "", kAdmin}).error().field,
      "name");
}

TEST_F(AuthTest, BearerTokensExpireAndDieWithTheirClient) {
  auto issued = CreateClient(*clients_, clock_, {"EHR", "Clinic", "", kMessagesSend | kAdmin});
  AccessTokenRecord t;
  t.hash = HashAccessToken("tok-1");
  t.client_id = issued->id;
  t.user = "dr@clinic.example";
  t.scopes = "messages:send messages:read";  // read: more than the client holds
  t.grant_type = "password";
  t.issued_at = clock_.NowUnix();
  t.expires_at = clock_.NowUnix() + 900;
  ASSERT_TRUE(clients_->InsertToken(t).ok());
  auto p = Present("", "Bearer tok-1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->method, Method::kBearer);
  EXPECT_EQ(p->user, "dr@clinic.example");
  EXPECT_EQ(p->scopes, kMessagesSend);  // never more than the client holds
  clock_.Advance(900);
  EXPECT_FALSE(Present("", "Bearer tok-1").ok());

  t.hash = HashAccessToken("tok-2");
  t.expires_at = clock_.NowUnix() + 900;
  ASSERT_TRUE(clients_->InsertToken(t).ok());
  EXPECT_FALSE(*clients_->RevokeToken(t.hash, "another client", clock_.NowUnix()));
  ASSERT_TRUE(Present("", "Bearer tok-2").ok());
  EXPECT_TRUE(*clients_->RevokeToken(t.hash, issued->id, clock_.NowUnix()));
  EXPECT_FALSE(Present("", "Bearer tok-2").ok());

  t.hash = HashAccessToken("tok-3");
  ASSERT_TRUE(clients_->InsertToken(t).ok());
  ASSERT_TRUE(Present("", "Bearer tok-3").ok());
  ASSERT_TRUE(clients_->Revoke(issued->id, clock_.NowUnix()).ok());
  EXPECT_FALSE(Present("", "Bearer tok-3").ok());
  EXPECT_EQ(*clients_->PruneExpired(clock_.NowUnix() + 901), 3);
}

TEST_F(AuthTest, SessionsRevokeAndNoncesAreForgottenWhenTheyExpire) {
  auto issued = CreateClient(*clients_, clock_, {"EHR", "Clinic", "", kMessagesSend});
  PurposeKey keys(RandomSecret(32));
  auto opened = OpenSession(*clients_, keys, clock_, issued->id, 3600);
  ASSERT_TRUE(opened.ok());
  auto found = clients_->FindSession(opened->id);
  ASSERT_TRUE(found.ok() && found->has_value());
  // Only its sealed form is kept, and it opens to the key handed out.
  EXPECT_EQ((*found)->sealed_key.find(opened->key), std::string::npos);
  auto key = keys.OpenSecret((*found)->sealed_key, SessionKeyAad(opened->id));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->view(), opened->key);
  auto both = clients_->FindSessionWithClient(opened->id);
  ASSERT_TRUE(both.ok() && both->has_value());
  EXPECT_EQ((*both)->client.id, issued->id);
  EXPECT_EQ((*both)->session.sealed_key, (*found)->sealed_key);
  EXPECT_FALSE(clients_->FindSessionWithClient("another session")->has_value());
  EXPECT_TRUE(*clients_->RememberNonce(opened->id, "n1", clock_.NowUnix() + 600));
  EXPECT_FALSE(*clients_->RememberNonce(opened->id, "n1", clock_.NowUnix() + 600));  // replay
  EXPECT_TRUE(*clients_->RememberNonce("another session", "n1", clock_.NowUnix() + 600));
  // Many at once share batches; each nonce is new exactly once however they are grouped.
  std::atomic<int> fresh{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto r = clients_->RememberNonce(opened->id, "c" + std::to_string((t * 50 + i) % 100),
                                         clock_.NowUnix() + 600);
        if (r.ok() && *r) ++fresh;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(fresh.load(), 100);
  // Another client cannot revoke it; its own can, once.
  EXPECT_FALSE(*clients_->RevokeSession(opened->id, "someone else", clock_.NowUnix()));
  EXPECT_TRUE(*clients_->RevokeSession(opened->id, issued->id, clock_.NowUnix()));
  EXPECT_TRUE((*clients_->FindSession(opened->id))->revoked_at.has_value());
  auto second = OpenSession(*clients_, keys, clock_, issued->id, 3600);
  EXPECT_EQ(*clients_->RevokeSessions(issued->id, clock_.NowUnix()), 1);
  // Past their time, sessions and nonces go; before it, they stay.
  ASSERT_TRUE(clients_->WriteNonces().ok());
  EXPECT_EQ(*clients_->PruneExpired(clock_.NowUnix() + 599), 0);
  EXPECT_EQ(*clients_->PruneExpired(clock_.NowUnix() + 3601), 104);  // 2 sessions, 102 nonces
  EXPECT_FALSE(clients_->FindSession(second->id)->has_value());
  EXPECT_TRUE(*clients_->RememberNonce(opened->id, "n1", clock_.NowUnix() + 600));
}

// Another store on the same database knows only the table, as another node would.
TEST_F(AuthTest, NoncesWaitInMemoryUntilWrittenAndAreNeverInNeitherPlace) {
  const std::int64_t until = clock_.NowUnix() + 600;
  auto other = sqlite::NewApiClientStore(*db_);
  EXPECT_TRUE(*clients_->RememberNonce("s1", "n1", until));
  EXPECT_FALSE(*clients_->RememberNonce("s1", "n1", until));  // waiting, known here
  EXPECT_EQ(Count("SELECT count(*) FROM request_nonces"), 0);
  ASSERT_TRUE(clients_->WriteNonces().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM request_nonces"), 1);
  EXPECT_FALSE(*other->RememberNonce("s1", "n1", until));
  EXPECT_FALSE(*clients_->RememberNonce("s1", "n1", until));  // now from the table
  // The same nonce with another keep_until is another signature's (created differs).
  EXPECT_TRUE(*clients_->RememberNonce("s1", "n1", until + 1));

  // A store that closes writes what waits.
  {
    auto closing = sqlite::NewApiClientStore(*db_);
    EXPECT_TRUE(*closing->RememberNonce("s1", "n3", until));
  }
  EXPECT_FALSE(*other->RememberNonce("s1", "n3", until));

  // Replays racing writes that commit in between: each nonce is new exactly once.
  std::atomic<int> fresh{0};
  std::atomic<bool> done{false};
  std::thread writer([&] {
    while (!done) (void)clients_->WriteNonces();
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto r = clients_->RememberNonce("s2", "r" + std::to_string((t * 200 + i) % 300), until);
        if (r.ok() && *r) ++fresh;
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  writer.join();
  EXPECT_EQ(fresh.load(), 300);
}

TEST(ScopeForTest, EachRouteNeedsItsScope) {
  EXPECT_EQ(ScopeFor("POST", "/api/v1/messages"), kMessagesSend);
  EXPECT_EQ(ScopeFor("POST", "/api/v1/messages/{id}/retract"), kMessagesSend);
  EXPECT_EQ(ScopeFor("GET", "/api/v1/messages/{id}"), kMessagesRead);
  EXPECT_EQ(ScopeFor("GET", "/api/v1/audit/export"), kAuditRead);
  EXPECT_EQ(ScopeFor("GET", "/api/v1/auditors"), kAdmin);
  EXPECT_EQ(ScopeFor("PUT", "/api/v1/settings/{level}/{name}"), kAdmin);
  EXPECT_EQ(ScopeFor("GET", "/api/v1/something-new"), kAdmin);
}

TEST(ChallengeTest, NamesThePresentedSchemeFirst) {
  EXPECT_EQ(Challenge(ReadCredentials("", "Bearer x"))
                .rfind("Bearer realm=\"sealpost\", error=\"invalid_token\"", 0),
            0u);
  EXPECT_EQ(Challenge(ReadCredentials("a:b", "")).rfind("X-API-Key", 0), 0u);
  EXPECT_EQ(Challenge(ReadCredentials("", "")).rfind("Basic realm=\"sealpost\"", 0), 0u);
  auto r = InsufficientScope(kAdmin, ReadCredentials("", "Bearer x"));
  EXPECT_EQ(r.status, 403);
  bool found = false;
  for (const auto& h : r.headers) {
    if (h.name == "WWW-Authenticate") {
      found = h.value.find("error=\"insufficient_scope\", scope=\"admin\"") != std::string::npos;
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace sealpost::api
