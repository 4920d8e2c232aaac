#include "smtp/server.h"

#include <gtest/gtest.h>

namespace sealpost::smtp {
namespace {

TEST(TrustedNetworks, MatchAddressesInsideTheirPrefixOnly) {
  std::vector<std::string> nets = {"127.0.0.1/32", "10.1.0.0/16", "2001:db8::/32", "192.0.2.7"};
  EXPECT_TRUE(InNetworks("127.0.0.1", nets));
  EXPECT_FALSE(InNetworks("127.0.0.2", nets));
  EXPECT_TRUE(InNetworks("10.1.200.3", nets));
  EXPECT_FALSE(InNetworks("10.2.0.1", nets));
  EXPECT_TRUE(InNetworks("2001:db8:1::5", nets));
  EXPECT_FALSE(InNetworks("2001:db9::1", nets));
  EXPECT_TRUE(InNetworks("192.0.2.7", nets));
  EXPECT_TRUE(InNetworks("::ffff:10.1.0.9", nets));  // IPv4-mapped
  EXPECT_FALSE(InNetworks("not an address", nets));
  EXPECT_FALSE(InNetworks("127.0.0.1", {"garbage/99"}));
  EXPECT_FALSE(InNetworks("127.0.0.1", {}));
}

}  // namespace
}  // namespace sealpost::smtp
