#include "app/check.h"

#include <gtest/gtest.h>

#include "base/temp_dir.h"
#include "store/sqlite/database.h"
#include "store/sqlite/stores.h"

namespace sealpost {
namespace {

TEST(CheckDomainsTest, ARetiredDkimKeyIsToBeRemovedOnlyOnceItsTimeIsUp) {
  TempDir dir;
  auto db = sqlite::Database::Open(dir.path() + "/sealpost.db");
  ASSERT_TRUE(db.ok());
  auto org = sqlite::NewOrgStore(**db);
  DkimKeyRecord retiring{
      "clinic.example", "ed25519-sha256", "old", "AAAA", "x", 1, "retiring", 2000};
  DkimKeyRecord active{"clinic.example", "ed25519-sha256", "new", "BBBB", "x", 2, "active", 0};
  ASSERT_TRUE(org->PutDkimKey(retiring).ok());
  ASSERT_TRUE(org->PutDkimKey(active).ok());
  EXPECT_EQ(org->PutDkimKey(active).error().code, ErrorCode::kAlreadyExists);

  ManualClock clock(1999);
  EXPECT_TRUE(CheckDomains(*org, nullptr, clock).empty());  // no DNS, nothing due
  clock.Advance(1);
  auto found = CheckDomains(*org, nullptr, clock);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].level, Finding::Level::kWarning);
  EXPECT_EQ(found[0].subject, "DKIM clinic.example (ed25519-sha256, retiring)");
  EXPECT_NE(found[0].text.find("remove the TXT record old._domainkey.clinic.example, then sealpost "
                               "admin dkim delete clinic.example --selector old"),
            std::string::npos)
      << found[0].text;
}

}  // namespace
}  // namespace sealpost
