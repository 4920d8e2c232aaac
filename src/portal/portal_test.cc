#include <ctemplate/template.h>
#include <gtest/gtest.h>

#include "base/temp_dir.h"
#include "portal/brands.h"
#include "portal/sessions.h"
#include "portal/small_upload.h"
#include "portal/templates.h"
#include "store/sqlite/stores.h"

namespace sealpost::portal {
namespace {

TEST(SmallUpload, TakesManyFilesWithinTheirCountAndTotal) {
  auto file = [](const std::string& name) { return http::PartInfo{"keys", name, true, ""}; };
  SmallUpload up({"csrf"}, "keys", /*file_limit=*/10, /*field_limit=*/4, /*max_files=*/2);
  ASSERT_TRUE(up.OnPartBegin({"csrf", "", false, ""}).ok());
  ASSERT_TRUE(up.OnPartData("tok").ok());
  ASSERT_TRUE(up.OnPartEnd().ok());
  ASSERT_TRUE(up.OnPartBegin(file("a@x.example.asc")).ok());
  ASSERT_TRUE(up.OnPartData("12345").ok());
  ASSERT_TRUE(up.OnPartEnd().ok());
  ASSERT_TRUE(up.OnPartBegin(file("")).ok());  // an input left empty is no file
  ASSERT_TRUE(up.OnPartEnd().ok());
  ASSERT_TRUE(up.OnPartBegin(file("b@x.example.pem")).ok());
  ASSERT_TRUE(up.OnPartData("1234").ok());
  // The limit is on the files together: 5 + 4 + 2 > 10.
  EXPECT_EQ(up.OnPartData("12").error().code, ErrorCode::kResourceExhausted);
  ASSERT_TRUE(up.OnPartEnd().ok());
  EXPECT_EQ(up.OnPartBegin(file("c@x.example.der")).error().code, ErrorCode::kResourceExhausted);
  ASSERT_EQ(up.files().size(), 2u);
  EXPECT_EQ(up.files()[0].name, "a@x.example.asc");
  EXPECT_EQ(up.file(), "12345");
  EXPECT_EQ(up.Field("csrf"), "tok");
  // A field too long, and a part the form does not have, are refused.
  ASSERT_TRUE(up.OnPartBegin({"csrf", "", false, ""}).ok());
  EXPECT_EQ(up.OnPartData("12345").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(up.OnPartBegin({"other", "", false, ""}).error().code, ErrorCode::kInvalidArgument);
  up.Wipe();
  EXPECT_EQ(up.file(), std::string(5, '\0'));
}

TEST(Templates, EscapeEveryValue) {
  Templates t;
  std::string html = t.Render("question.tpl", "T<itle>", Brand{"", "Org & Co"},
                              [](ctemplate::TemplateDictionary& d) {
                                d.SetValue("SENDER", "<script>alert(1)</script>");
                                d.SetValue("QUESTION", "Your \"pet\"?");
                                d.SetValue("RID", "abc");
                                d.SetValue("CSRF", "x\"><img src=x>");
                                d.SetValue("EXPIRES", "soon");
                              });
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x>"), std::string::npos);
  EXPECT_NE(html.find("Org &amp; Co"), std::string::npos);
  EXPECT_NE(html.find("<label for=\"answer\">"), std::string::npos);
}

TEST(Templates, MessageHtmlOnlyInsideTheSandboxedFrame) {
  Templates t;
  std::string html =
      t.Render("message.tpl", "Subject", Brand{"", "Org"}, [](ctemplate::TemplateDictionary& d) {
        d.SetValue("SUBJECT", "Hi");
        d.ShowSection("HAS_HTML");
        d.SetValue("HTML", "<p onclick=\"steal()\">x</p><script>evil()</script>");
      });
  EXPECT_EQ(html.find("<script>evil"), std::string::npos);
  EXPECT_NE(html.find("sandbox=\"\" srcdoc=\"&lt;p onclick=&quot;steal()&quot;"), std::string::npos)
      << html;
}

TEST(Templates, LayoutCarriesTheBrand) {
  Templates t;
  Brand brand{"north", "North <Clinic>", "help@north.test <call 555>", true, true};
  std::string html = t.Render("home.tpl", "Home", brand, [](ctemplate::TemplateDictionary&) {});
  EXPECT_NE(html.find("North &lt;Clinic&gt;"), std::string::npos) << html;
  EXPECT_NE(html.find("href=\"/brand/north/style.css\""), std::string::npos);
  EXPECT_NE(html.find("src=\"/brand/north/logo\""), std::string::npos);
  EXPECT_NE(html.find("help@north.test &lt;call 555&gt;"), std::string::npos);
  // The server's own brand: no stylesheet, logo or support line of any namespace.
  html = t.Render("home.tpl", "Home", Brand{"", "sealpost"}, [](ctemplate::TemplateDictionary&) {});
  EXPECT_EQ(html.find("/brand/"), std::string::npos);
  EXPECT_EQ(html.find("Questions about this message"), std::string::npos);
}

TEST(Brands, ByNamespaceAndByHostReadAgainWhenStale) {
  TempDir temp;
  auto db = std::move(*sqlite::Database::Open(temp.path() + "/db"));
  auto org = sqlite::NewOrgStore(*db);
  NamespaceRecord north;
  north.name = "north";
  north.display_name = "North Clinic";
  north.colour = "#0b5394";
  north.support_contact = "help@north.test";
  north.hosts = {"Portal.North.test"};
  ASSERT_TRUE(org->CreateNamespace(north).ok());
  ManualClock clock(1000);
  BrandBook book(*org, "sealpost", clock, 5);
  EXPECT_TRUE(book.Stale());
  ASSERT_TRUE(book.Reload().ok());
  EXPECT_FALSE(book.Stale());
  EXPECT_EQ(book.NamespaceOfHost("portal.north.TEST:8443"), "north");
  EXPECT_EQ(book.NamespaceOfHost("localhost:8443"), "");
  Brand b = book.ForNamespace("north");
  EXPECT_EQ(b.display_name, "North Clinic");
  EXPECT_EQ(b.support, "help@north.test");
  EXPECT_TRUE(b.styled);
  EXPECT_FALSE(b.logo);
  EXPECT_EQ(*book.Stylesheet("north"), ":root { --accent: #0b5394; }\n");
  EXPECT_FALSE(book.Logo("north").has_value());
  EXPECT_EQ(book.ForNamespace("nowhere").display_name, "sealpost");
  EXPECT_EQ(book.ForNamespace("").name, "");

  // A namespace created since: looked for again, but at most once a second.
  NamespaceRecord south;
  south.name = "south";
  south.display_name = "South Lab";
  ASSERT_TRUE(org->CreateNamespace(south).ok());
  EXPECT_FALSE(book.Stale("south"));
  clock.Advance(1);
  EXPECT_TRUE(book.Stale("south"));
  ASSERT_TRUE(book.Reload().ok());
  EXPECT_EQ(book.ForNamespace("south").display_name, "South Lab");
  clock.Advance(5);
  EXPECT_TRUE(book.Stale());
}

TEST(Brands, HostOnly) {
  EXPECT_EQ(HostOnly("Portal.Example:8443"), "portal.example");
  EXPECT_EQ(HostOnly("[::1]:8443"), "[::1]");
  EXPECT_EQ(HostOnly("example"), "example");
  EXPECT_EQ(HostOnly(""), "");
}

TEST(Templates, ServesTheStylesheet) {
  EXPECT_FALSE(FindStatic("portal.css").empty());
  EXPECT_TRUE(FindStatic("layout.tpl").empty());  // templates are not static files
  EXPECT_TRUE(FindStatic("../etc/passwd").empty());
}

// Sessions behave alike in this node's memory and in the store every node shares.
class SessionsOnEitherKeeping : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (!GetParam()) return;
    auto db = sqlite::Database::Open(dir_.path() + "/db");
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_ = std::move(*db);
    store_ = sqlite::NewPortalSessionStore(*db_);
  }
  PortalSessionStore* shared() { return store_.get(); }

  TempDir dir_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<PortalSessionStore> store_;
};

TEST_P(SessionsOnEitherKeeping, ExpireWhenIdleAndBindToRecipient) {
  ManualClock clock(1000);
  PortalSessions sessions(clock, 900, 100000, shared());
  std::string token = sessions.Create("r1", SecretBytes("key", 3));
  auto s = sessions.Find(token, "r1");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->data_key->view(), "key");
  EXPECT_FALSE(sessions.Find(token, "r2").has_value());
  EXPECT_FALSE(sessions.Find("forged", "r1").has_value());
  clock.Advance(899);
  EXPECT_TRUE(sessions.Find(token, "r1").has_value());  // refreshed
  clock.Advance(899);
  EXPECT_TRUE(sessions.Find(token, "r1").has_value());
  clock.Advance(900);
  EXPECT_FALSE(sessions.Find(token, "r1").has_value());
  EXPECT_EQ(sessions.size(), 0u);
}

TEST_P(SessionsOnEitherKeeping, EndTwelveHoursAfterTheyBeganHoweverBusy) {
  ManualClock clock(0);
  PortalSessions sessions(clock, 900, 100000, shared());
  AccountSessions accounts(clock, 900, 100000, shared());
  std::string message = sessions.Create("r1", SecretBytes("k", 1));
  std::string account = accounts.Create({"a1", "", "pat@home.test", false, "", {}});
  // Used every ten minutes, well within the idle limit, for 12 hours.
  for (std::int64_t t = 600; t < kSessionLifetimeSeconds; t += 600) {
    clock.Advance(600);
    ASSERT_TRUE(sessions.Find(message, "r1").has_value()) << t;
    ASSERT_TRUE(accounts.Find(account).has_value()) << t;
  }
  clock.Advance(kSessionLifetimeSeconds - clock.NowUnix());
  EXPECT_FALSE(sessions.Find(message, "r1").has_value());
  EXPECT_FALSE(accounts.Find(account).has_value());
}

TEST_P(SessionsOnEitherKeeping, AnAccountsResetEndsTheMessagesItsSignInOpened) {
  ManualClock clock(0);
  PortalSessions sessions(clock, 900, 100000, shared());
  std::string by_login = sessions.Create("r1", SecretBytes("k", 1), "a1");
  std::string by_answer = sessions.Create("r2", SecretBytes("k", 1));
  std::string other = sessions.Create("r3", SecretBytes("k", 1), "a2");
  sessions.RemoveAccount("a1");
  EXPECT_FALSE(sessions.Find(by_login, "r1").has_value());
  EXPECT_TRUE(sessions.Find(by_answer, "r2").has_value());  // the answer opened it, not a password
  EXPECT_TRUE(sessions.Find(other, "r3").has_value());
  sessions.RemoveAccount("");  // sessions of no account are not "an account's"
  EXPECT_TRUE(sessions.Find(by_answer, "r2").has_value());
}

INSTANTIATE_TEST_SUITE_P(Keeping, SessionsOnEitherKeeping, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "shared" : "memory"; });

// Two nodes sharing one store: a session made on one opens on the other, with the
// message key it carries; the store holds that key only sealed under the cookie's token,
// so its rows open nothing without the cookie, and a changed row opens nothing at all.
TEST(Sessions, ASessionMadeOnOneNodeOpensOnAnotherAndTheStoreAloneOpensNone) {
  TempDir dir;
  auto db = sqlite::Database::Open(dir.path() + "/db");
  ASSERT_TRUE(db.ok());
  auto store = sqlite::NewPortalSessionStore(**db);
  ManualClock clock(1000);
  PortalSessions node_a(clock, 900, 100000, store.get()), node_b(clock, 900, 100000, store.get());
  const std::string key = "0123456789abcdef0123456789abcdef";
  std::string token = node_a.Create("r1", SecretBytes(key.data(), key.size()), "acct");
  auto found = node_b.Find(token, "r1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->data_key->view(), key);
  EXPECT_EQ(found->account_id, "acct");
  EXPECT_FALSE(node_b.Find(token, "r2").has_value());

  auto rows = (*db)->Read([&](sqlite::Connection& c) -> Status {
    sqlite::Statement s(c, "SELECT token_hash, sealed FROM portal_sessions");
    auto row = s.Step();
    EXPECT_TRUE(row.ok() && *row);
    EXPECT_EQ(s.Text(0).find(token), std::string::npos);  // the token's hash, not the token
    EXPECT_EQ(s.Text(1).find(key), std::string::npos);    // the key sealed
    return OkStatus();
  });
  ASSERT_TRUE(rows.ok());
  // One bit of the sealed contents flipped (whatever the byte held before).
  ASSERT_TRUE((*db)
                  ->Transaction([](sqlite::Connection& c) -> Status {
                    std::string sealed;
                    {
                      sqlite::Statement read(c, "SELECT sealed FROM portal_sessions");
                      auto row = read.Step();
                      if (!row.ok() || !*row) return MakeError(ErrorCode::kNotFound, "no row");
                      sealed = read.Text(0);
                    }
                    sealed[20] = static_cast<char>(sealed[20] ^ 0x01);
                    return sqlite::Statement(c, "UPDATE portal_sessions SET sealed = ?")
                        .BindBlob(1, sealed)
                        .Run();
                  })
                  .ok());
  EXPECT_FALSE(node_a.Find(token, "r1").has_value());

  // A signed-in account, mid-enrolment, moves between nodes whole; its reset ends it on all.
  AccountSessions accounts_a(clock, 900, 100000, store.get()),
      accounts_b(clock, 900, 100000, store.get());
  AccountSession signed_in{"a1", "clinic", "pat@home.test", false, "r9", {}};
  signed_in.enrolling = std::make_shared<const SecretBytes>("totp-secret", 11);
  std::string account = accounts_a.Create(signed_in);
  auto there = accounts_b.Find(account);
  ASSERT_TRUE(there.has_value());
  EXPECT_EQ(there->namespace_name, "clinic");
  EXPECT_EQ(there->next_recipient, "r9");
  ASSERT_TRUE(there->enrolling);
  EXPECT_EQ(there->enrolling->view(), "totp-secret");
  there->needs_code = true;
  ASSERT_TRUE(accounts_b.Update(account, *there));
  EXPECT_TRUE(accounts_a.Find(account)->needs_code);
  accounts_b.RemoveAccount("a1");
  EXPECT_FALSE(accounts_a.Find(account).has_value());
}

TEST(Sessions, BoundedInNumber) {
  ManualClock clock(0);
  PortalSessions sessions(clock, 900, 3);
  for (int i = 0; i < 10; ++i) sessions.Create("r", SecretBytes("k", 1));
  EXPECT_EQ(sessions.size(), 3u);
}

}  // namespace
}  // namespace sealpost::portal
