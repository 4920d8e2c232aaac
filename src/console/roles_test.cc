#include "console/roles.h"

#include <gtest/gtest.h>

namespace sealpost::console {
namespace {

TEST(RolesTest, NamesRoundTripAndUnknownOnesAreRefused) {
  for (Role r : {Role::kNone, Role::kSender, Role::kAuditor, Role::kDomainAdmin, Role::kOrgAdmin}) {
    EXPECT_EQ(ParseRole(RoleName(r)), r);
  }
  EXPECT_EQ(ParseRole("none"), Role::kNone);
  EXPECT_FALSE(ParseRole("admin").has_value());
  EXPECT_FALSE(ParseRole("Sender").has_value());
}

// The whole table, written out: a change to who reaches what shows here.
TEST(RolesTest, EachRoleReachesItsAreasOnly) {
  const Area areas[] = {Area::kSelf,  Area::kTools,  Area::kSend,
                        Area::kAudit, Area::kDomain, Area::kOrganisation};
  const struct {
    Role role;
    const char* reaches;  // one letter per area above: y or n
  } table[] = {
      {Role::kNone, "nnnnnn"},        {Role::kSender, "yyynnn"},   {Role::kAuditor, "yynynn"},
      {Role::kDomainAdmin, "yyynyn"}, {Role::kOrgAdmin, "yyyyyy"},
  };
  for (const auto& row : table) {
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(Reaches(row.role, areas[i]), row.reaches[i] == 'y')
          << RoleName(row.role) << " / " << AreaName(areas[i]);
    }
  }
}

}  // namespace
}  // namespace sealpost::console
