#include "policy/namespaces.h"

#include <gtest/gtest.h>

#include "base/temp_dir.h"
#include "store/sqlite/stores.h"

namespace sealpost::policy {
namespace {

NamespaceRecord Springfield() {
  NamespaceRecord ns;
  ns.name = "springfield";
  ns.display_name = "Springfield General";
  ns.colour = "#0b5394";
  ns.support_contact = "help@springfield.example, 555-0100";
  ns.hosts = {"Secure.Springfield.example"};
  return ns;
}

TEST(Namespaces, ValidOnesPassAndLearnTheirLogoType) {
  NamespaceRecord ns = Springfield();
  ASSERT_TRUE(CheckNamespace(ns).ok());
  EXPECT_EQ(ns.hosts[0], "secure.springfield.example");
  ns.logo = std::string("\x89PNG\r\n\x1a\n", 8) + "....";
  ASSERT_TRUE(CheckNamespace(ns).ok());
  EXPECT_EQ(ns.logo_type, "image/png");
  ns.logo = "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>";
  ASSERT_TRUE(CheckNamespace(ns).ok());
  EXPECT_EQ(ns.logo_type, "image/svg+xml");
}

TEST(Namespaces, RefusalsNameTheField) {
  auto refused = [](auto change) {
    NamespaceRecord ns = Springfield();
    change(ns);
    auto s = CheckNamespace(ns);
    return s.ok() ? std::string("ok") : s.error().field + ": " + s.error().message;
  };
  EXPECT_EQ(refused([](auto& n) { n.name = "Springfield"; }).rfind("name:", 0), 0u);
  EXPECT_EQ(refused([](auto& n) { n.name = "-x"; }).rfind("name:", 0), 0u);
  EXPECT_EQ(refused([](auto& n) { n.display_name = "A\r\nBcc: x"; }).rfind("display_name:", 0), 0u);
  EXPECT_EQ(refused([](auto& n) { n.colour = "blue"; }), "colour: must be #rrggbb");
  // Yellow buttons with white text cannot be read: refused with the measured contrast.
  EXPECT_EQ(refused([](auto& n) { n.colour = "#ffd700"; }),
            "colour: is too light for white text on it (contrast 1.4:1; the portal needs at least 4.5:1)");
  EXPECT_EQ(refused([](auto& n) { n.hosts = {"bad_host.example"}; }).rfind("host:", 0), 0u);
  EXPECT_EQ(refused([](auto& n) { n.logo = "GIF89a"; }), "logo: must be a PNG or SVG image");
  EXPECT_NEAR(ContrastWithWhite("#000000"), 21.0, 0.01);
  EXPECT_NEAR(ContrastWithWhite("#ffffff"), 1.0, 0.01);
}

TEST(Namespaces, StoredWithTheirHostsEachHostInOne) {
  TempDir dir;
  auto db = std::move(*sqlite::Database::OpenInMemory());
  auto org = sqlite::NewOrgStore(*db);
  NamespaceRecord ns = Springfield();
  ASSERT_TRUE(CheckNamespace(ns).ok());
  ASSERT_TRUE(org->CreateNamespace(ns).ok());
  EXPECT_EQ(org->CreateNamespace(ns).error().code, ErrorCode::kAlreadyExists);
  NamespaceRecord other = Springfield();
  other.name = "shelbyville";
  EXPECT_EQ(org->CreateNamespace(other).error().code, ErrorCode::kAlreadyExists);  // the host
  EXPECT_FALSE(org->FindNamespace("shelbyville")->has_value());  // nothing half-made
  other.hosts = {"portal.shelbyville.example"};
  ASSERT_TRUE(org->CreateNamespace(other).ok());
  ns.display_name = "Springfield General Hospital";
  ns.hosts = {"a.springfield.example", "b.springfield.example"};
  ASSERT_TRUE(org->UpdateNamespace(ns).ok());
  auto found = org->FindNamespace("springfield");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->display_name, "Springfield General Hospital");
  EXPECT_EQ((*found)->hosts, (std::vector<std::string>{"a.springfield.example", "b.springfield.example"}));
  EXPECT_EQ(org->ListNamespaces()->size(), 2u);
  other.name = "ogdenville";
  EXPECT_EQ(org->UpdateNamespace(other).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace sealpost::policy
