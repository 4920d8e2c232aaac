#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "audit/pending.h"
#include "base/temp_dir.h"
#include "store/blob_store.h"
#include "store/campaign_store.h"
#include "store/contact_store.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/stores.h"
#include "store/test_records.h"

namespace sealpost {
namespace {
using testing_records::SampleMessage;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = sqlite::Database::Open(dir_.path() + "/db.sqlite");
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(sqlite::NewSigningKeyStore(*db_)->Insert({"key1", "pub", "sealed", 1}).ok());
  }
  TempDir dir_;
  std::unique_ptr<sqlite::Database> db_;
};

// The dashboard counts the messages of its days and account, the TLS share of what was
// delivered (a report without a TLS version, or not yet delivered, is not TLS), what waits
// by domain, and what expired.
TEST_F(StoreTest, DashboardFactsCountTheirDaysAndTheTlsShare) {
  auto messages = sqlite::NewMessageStore(*db_);
  auto queue = sqlite::NewQueueStore(*db_);
  auto dashboard = sqlite::NewDashboardStore(*db_);
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

WebhookEndpointRecord Endpoint(std::string id, std::string account, std::string types) {
  WebhookEndpointRecord e;
  e.id = std::move(id);
  e.account = std::move(account);
  e.url = "https://hooks.example.org/in";
  e.event_types = std::move(types);
  e.sealed_secrets = "sealed";
  e.created_at = 50;
  return e;
}

TEST_F(StoreTest, DeletionsTakeWhatBelongsAndRefuseWhileSomethingIsBelow) {
  auto org = sqlite::NewOrgStore(*db_);
  auto clients = sqlite::NewApiClientStore(*db_);
  auto books = sqlite::NewAddressBookStore(*db_);
  auto webhooks = sqlite::NewWebhookStore(*db_);
  auto messages = sqlite::NewMessageStore(*db_);
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
TEST_F(StoreTest, ACampaignsEngagementIsPushedAndMovesTheContactsMoments) {
  auto webhooks = sqlite::NewWebhookStore(*db_);
  auto messages = sqlite::NewMessageStore(*db_);
  auto events = sqlite::NewEventStore(*db_);
  auto contacts = sqlite::NewContactStore(*db_);
  auto campaigns = sqlite::NewCampaignStore(*db_);
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

TEST_F(StoreTest, WebhookOutboxIsFilledWithTheEventAndDrainedByAttempts) {
  auto audit = sqlite::NewAuditStore(*db_);
  auto webhooks = sqlite::NewWebhookStore(*db_);
  auto messages = sqlite::NewMessageStore(*db_);
  auto events = sqlite::NewEventStore(*db_);
  ASSERT_TRUE(webhooks->Insert(Endpoint("w1", "default", "message.accepted message.viewed")).ok());
  ASSERT_TRUE(webhooks->Insert(Endpoint("w2", "default", "message.viewed")).ok());
  ASSERT_TRUE(webhooks->Insert(Endpoint("w3", "other", "message.accepted message.viewed")).ok());
  WebhookEndpointRecord off = Endpoint("w4", "default", "message.accepted");
  off.enabled = false;
  ASSERT_TRUE(webhooks->Insert(off).ok());

  ASSERT_TRUE(messages
                  ->InsertWithNotices(SampleMessage(), {},
                                      {{0, "msg1", "", "accepted", 100, "", ""}}, "")
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
  EXPECT_NE((*due)[1].payload.find(R"("recipient_id":"rcpt1","status":"notice_queued","method":"escrow")"),
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

}  // namespace
}  // namespace sealpost

namespace sealpost {
namespace {

TEST(OrgStore, HierarchyAndUniqueness) {
  TempDir dir;
  auto db = std::move(*sqlite::Database::Open(dir.path() + "/db"));
  auto org = sqlite::NewOrgStore(*db);
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

}  // namespace
}  // namespace sealpost

namespace sealpost {
namespace {

TEST(PortalAccountStore, RegistrationConfirmationTokensAndCodes) {
  TempDir dir;
  auto db = std::move(*sqlite::Database::Open(dir.path() + "/db"));
  auto store = sqlite::NewPortalAccountStore(*db);
  PortalRegistrationRecord r{"reg1", "", "Homer@Example.net", "$argon2id$1", "tok1", "b1",
                             "rid1", 100, 200};
  ASSERT_TRUE(store->AddRegistration(r, 2).ok());
  // A second registration waits beside the first: neither replaces the other.
  PortalRegistrationRecord r2{"reg2", "", "homer@example.net", "$argon2id$2", "tok2", "b2",
                              "rid1", 110, 210};
  ASSERT_TRUE(store->AddRegistration(r2, 2).ok());
  EXPECT_EQ((*store->FindRegistration("tok1", 150))->password_hash, "$argon2id$1");
  EXPECT_EQ((*store->FindRegistration("tok2", 150))->browser_hash, "b2");
  EXPECT_FALSE(store->FindRegistration("tok1", 200)->has_value());  // expired
  PortalRegistrationRecord r3 = r2;
  r3.id = "reg3";
  r3.token_hash = "tok3";
  EXPECT_EQ(store->AddRegistration(r3, 2).error().code, ErrorCode::kResourceExhausted);
  EXPECT_FALSE(store->FindByAddress("", "homer@example.net")->has_value());  // nothing confirmed
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

}  // namespace
}  // namespace sealpost

namespace sealpost::sqlite {
namespace {

// Group commit: a durable commit returns after a sync of the log, a recoverable one
// without; commits made while a sync runs share the next one.
TEST(Commits, DurableCommitsShareTheSyncsOfTheLog) {
  TempDir dir;
  auto db = std::move(*Database::Open(dir.path() + "/db"));
  const std::uint64_t before = db->log_syncs();  // opening migrated the schema
  ASSERT_TRUE(db->Transaction([&](Connection& c) {
                  return Statement(c, "INSERT INTO spent_content (blob_id) VALUES ('a1')").Run();
                }).ok());
  EXPECT_EQ(db->log_syncs(), before + 1);
  ASSERT_TRUE(db->Transaction([&](Connection& c) -> Status {
                  return Statement(c, "INSERT INTO spent_content (blob_id) VALUES ('b1')").Run();
                }, Database::Commit::kRecoverable).ok());
  EXPECT_EQ(db->log_syncs(), before + 1);
  // Eight writers at once: 400 durable commits, fewer syncs (each one covers every
  // commit written before it began).
  std::vector<std::thread> writers;
  std::atomic<int> failed{0};
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 50; ++i) {
        const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto status = db->Transaction([&](Connection& c) {
          return Statement(c, "INSERT INTO spent_content (blob_id) VALUES (?)").Bind(1, id).Run();
        });
        if (!status.ok()) ++failed;
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failed, 0);
  const std::uint64_t syncs = db->log_syncs() - before - 1;
  EXPECT_LT(syncs, 400u);
  EXPECT_GE(syncs, 1u);
  // What every commit wrote, recoverable or durable, is there for every later reader.
  auto again = std::move(*Database::Open(dir.path() + "/db"));
  std::int64_t rows = 0;
  ASSERT_TRUE(again->Read([&](Connection& c) -> Status {
                     Statement s(c, "SELECT count(*) FROM spent_content");
                     EXPECT_TRUE(*s.Step());
                     rows = s.Int(0);
                     return OkStatus();
                   }).ok());
  EXPECT_EQ(rows, 402);
}

// Statements are kept by their SQL and reused: each use starts unbound and from the
// first row, a statement in use is never handed out twice, and a reader that stops
// early holds no snapshot that would keep the log from being checkpointed.
TEST(KeptStatements, EachUseStartsAfreshAndNestedUsesAreIndependent) {
  TempDir dir;
  auto db = std::move(*Database::Open(dir.path() + "/db"));
  ASSERT_TRUE(db->Transaction([](Connection& c) -> Status {
                  for (int i = 1; i <= 3; ++i) {
                    auto s = Statement(c, "INSERT INTO events (message_id, recipient_id, type, at, "
                                          "client_address, detail) VALUES (?, ?, ?, ?, ?, ?)")
                                 .Bind(1, "m")
                                 .Bind(2, "r" + std::to_string(i))
                                 .Bind(3, "viewed")
                                 .Bind(4, std::int64_t{i})
                                 .Bind(5, "")
                                 .Bind(6, "")
                                 .Run();
                    if (!s.ok()) return s;
                  }
                  return OkStatus();
                }).ok());
  const char* kCount = "SELECT count(*) FROM events WHERE recipient_id = ?";
  ASSERT_TRUE(db->Read([&](Connection& c) -> Status {
                  {
                    Statement bound(c, kCount);
                    bound.Bind(1, "r2");
                    EXPECT_TRUE(*bound.Step());
                    EXPECT_EQ(bound.Int(0), 1);
                  }
                  // The same SQL again: no binding is left over from the last use.
                  Statement unbound(c, kCount);
                  EXPECT_TRUE(*unbound.Step());
                  EXPECT_EQ(unbound.Int(0), 0);  // recipient_id = NULL matches nothing
                  // Nested: the outer one stays where it is while the inner one runs.
                  Statement outer(c, "SELECT recipient_id FROM events ORDER BY at");
                  EXPECT_TRUE(*outer.Step());
                  EXPECT_EQ(outer.Text(0), "r1");
                  {
                    Statement inner(c, "SELECT recipient_id FROM events ORDER BY at");
                    EXPECT_TRUE(*inner.Step());
                    EXPECT_EQ(inner.Text(0), "r1");
                    EXPECT_TRUE(*inner.Step());
                  }
                  EXPECT_TRUE(*outer.Step());
                  EXPECT_EQ(outer.Text(0), "r2");
                  return OkStatus();  // `outer` goes back to the connection mid-way
                }).ok());
  // Had the half-read statement kept its snapshot, the log could not be emptied.
  ASSERT_TRUE(db->Checkpoint().ok());
  EXPECT_EQ(std::filesystem::file_size(dir.path() + "/db-wal"), 0u);
  // And reused from the first row.
  auto first = QueryOne<std::string>(
      *db, "SELECT recipient_id FROM events ORDER BY at", [](Statement&) {},
      [](const Statement& s) { return s.Text(0); });
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(**first, "r1");
}

}  // namespace
}  // namespace sealpost::sqlite

namespace sealpost {
namespace {

// Migration 31: the API keys of a database made before it become clients, with the
// scopes they had in effect (an administrator's key everything, a user's key sending).
TEST(ApiClientMigration, KeysBecomeClientsWithTheirScopes) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    for (int i = 0; i < 30; ++i) {
      ASSERT_EQ(sqlite3_exec(raw, sqlite::kMigrations[i], nullptr, nullptr, nullptr), SQLITE_OK) << i;
    }
    ASSERT_EQ(sqlite3_exec(raw,
                           "PRAGMA user_version = 30;"
                           "INSERT INTO api_keys VALUES ('a1', x'01', 'admin', 'default', 1, NULL, '');"
                           "INSERT INTO api_keys VALUES ('u1', x'02', 'user', 'Clinic', 2, NULL, "
                           "'dr@clinic.example');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  auto db = sqlite::Database::Open(path);
  ASSERT_TRUE(db.ok()) << db.error().ToString();
  auto clients = sqlite::NewApiClientStore(**db);
  auto admin = clients->Find("a1");
  ASSERT_TRUE(admin.ok() && admin->has_value());
  EXPECT_EQ((*admin)->scopes, "messages:send messages:read admin audit:read");
  EXPECT_EQ((*admin)->secret_hash, std::string("\x01", 1));
  auto user = clients->Find("u1");
  ASSERT_TRUE(user.ok() && user->has_value());
  EXPECT_EQ((*user)->scopes, "messages:send messages:read");
  EXPECT_EQ((*user)->user, "dr@clinic.example");
  EXPECT_EQ(clients->List("Clinic")->size(), 1u);
  EXPECT_EQ(clients->List("")->size(), 2u);
}

}  // namespace
}  // namespace sealpost
