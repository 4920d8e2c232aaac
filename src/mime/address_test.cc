#include <gtest/gtest.h>

#include "mime/address.h"

namespace sealpost {
namespace {

TEST(Address, AcceptsOrdinaryAddresses) {
  for (const char* a : {"pat@example.net", "first.last+tag@sub.example.co.uk", "x@localhost",
                        "o'brien@example.ie", "a@b-c.example"}) {
    EXPECT_TRUE(IsValidAddress(a)) << a << ": " << AddressProblem(a);
  }
}

TEST(Address, RefusesWithAReason) {
  struct { const char* in; const char* why; } cases[] = {
      {"", "is empty"},
      {"nobody", "has no @"},
      {"@example.net", "has an empty local part"},
      {"a@", "has an empty domain"},
      {".a@example.net", "has a misplaced dot in the local part"},
      {"a..b@example.net", "has a misplaced dot in the local part"},
      {"a b@example.net", "has a character not allowed in an address"},
      {"a@exa mple.net", "has a character not allowed in a domain"},
      {"a@-example.net", "has a malformed domain"},
      {"a@example-.net", "has a malformed domain"},
      {"a@example..net", "has a malformed domain"},
      {"a@example.net.", "has a malformed domain"},
      {"a\r\n@example.net", "has a character not allowed in an address"},
      {"\"quoted\"@example.net", "has a character not allowed in an address"},
      {"a@[127.0.0.1]", "has a character not allowed in a domain"},
  };
  for (const auto& c : cases) EXPECT_EQ(AddressProblem(c.in), c.why) << c.in;
  EXPECT_FALSE(IsValidAddress(std::string(65, 'a') + "@example.net"));
  EXPECT_FALSE(IsValidAddress("a@" + std::string(64, 'b') + ".net"));
}

TEST(Address, CanonicalLowersDomainOnly) {
  EXPECT_EQ(CanonicalAddress("Pat@Example.NET"), "Pat@example.net");
}

}  // namespace
}  // namespace sealpost
