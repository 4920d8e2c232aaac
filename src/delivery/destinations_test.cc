// Where mail goes, against answers from FakeResolver: MX order, null MX and missing
// domains, DANE only over validated answers, and failures that skip a host.
#include "delivery/destinations.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "dns/fake_resolver.h"

namespace sealpost::delivery {
namespace {

dns::AddressAnswer At(std::vector<std::string> addresses, bool secure = false) {
  dns::AddressAnswer answer;
  answer.addresses = std::move(addresses);
  answer.secure = secure;
  return answer;
}

dns::TlsaRecord DaneEe() {
  dns::TlsaRecord record;
  record.usage = 3;
  record.selector = 1;
  record.matching = 1;
  record.data.assign(32, '\x11');
  return record;
}

TEST(FindDestinations, MxHostsInPreferenceOrderEachWithItsAddresses) {
  dns::FakeResolver dns;
  dns.mx["clinic.test"].records = {{20, "backup.clinic.test"}, {10, "mx.clinic.test"}};
  dns.addresses["mx.clinic.test"] = At({"2001:db8::1", "192.0.2.1"});
  dns.addresses["backup.clinic.test"] = At({"192.0.2.2"});
  RouteOptions options;
  options.port = 2525;
  auto found = FindDestinations("clinic.test", options, dns);
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_EQ(found->size(), 3u);
  EXPECT_EQ((*found)[0].host, "mx.clinic.test");
  EXPECT_EQ((*found)[0].address, "2001:db8::1");
  EXPECT_EQ((*found)[1].address, "192.0.2.1");
  EXPECT_EQ((*found)[2].host, "backup.clinic.test");
  for (const auto& d : *found) {
    EXPECT_EQ(d.port, 2525);
    EXPECT_EQ(d.tls, TlsPolicy::kOpportunistic);
    EXPECT_EQ(d.authentication, Authentication::kNone);
  }
  // Nothing was validated, so TLSA records were never asked for.
  const auto asked = dns.Asked();
  EXPECT_EQ(std::count_if(asked.begin(), asked.end(),
                          [](const std::string& n) { return n.rfind("_2525._tcp.", 0) == 0; }),
            0);
  options.max_addresses = 2;
  EXPECT_EQ(FindDestinations("clinic.test", options, dns)->size(), 2u);
}

TEST(FindDestinations, NullMxAndMissingDomainsTakeNoMail) {
  dns::FakeResolver dns;
  dns.mx["nomail.test"].null_mx = true;
  auto null_mx = FindDestinations("nomail.test", RouteOptions{}, dns);
  ASSERT_FALSE(null_mx.ok());
  EXPECT_EQ(null_mx.error().code, ErrorCode::kNotFound);  // permanent: bounce
  auto missing = FindDestinations("nowhere.test", RouteOptions{}, dns);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  // No MX but an address: the domain itself is its mail server (RFC 5321 §5.1).
  dns.addresses["implicit.test"] = At({"192.0.2.9"});
  auto implicit = FindDestinations("implicit.test", RouteOptions{}, dns);
  ASSERT_TRUE(implicit.ok()) << implicit.error().message;
  EXPECT_EQ(implicit->at(0).host, "implicit.test");
}

TEST(FindDestinations, DaneNeedsValidatedMxAddressAndTlsa) {
  dns::FakeResolver dns;
  auto& mx = dns.mx["lab.test"];
  mx.secure = true;
  mx.records = {{10, "mx.lab.test"}};
  dns.addresses["mx.lab.test"] = At({"192.0.2.5"}, /*secure=*/true);
  dns::TlsaAnswer tlsa;
  tlsa.secure = true;
  dns::TlsaRecord pkix = DaneEe();
  pkix.usage = 1;  // PKIX-EE: not for SMTP (RFC 7672 §3.1.3)
  tlsa.records = {DaneEe(), pkix};
  dns.tlsa["_25._tcp.mx.lab.test"] = tlsa;
  auto found = FindDestinations("lab.test", RouteOptions{}, dns);
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->at(0).tls, TlsPolicy::kRequired);
  EXPECT_EQ(found->at(0).authentication, Authentication::kDane);
  EXPECT_EQ(found->at(0).tlsa, std::vector<dns::TlsaRecord>{DaneEe()});  // only the usable one

  // Only unusable records: TLS is still required, with no certificate check.
  dns.tlsa["_25._tcp.mx.lab.test"].records = {pkix};
  found = FindDestinations("lab.test", RouteOptions{}, dns);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->at(0).tls, TlsPolicy::kRequired);
  EXPECT_EQ(found->at(0).authentication, Authentication::kNone);

  // An MX answer that was not validated: TLSA records mean nothing.
  mx.secure = false;
  dns.tlsa["_25._tcp.mx.lab.test"] = tlsa;
  found = FindDestinations("lab.test", RouteOptions{}, dns);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->at(0).tls, TlsPolicy::kOpportunistic);
  EXPECT_EQ(found->at(0).authentication, Authentication::kNone);
}

TEST(FindDestinations, AHostWhoseLookupsFailIsSkippedAndAllFailingDefers) {
  dns::FakeResolver dns;
  auto& mx = dns.mx["lab.test"];
  mx.secure = true;
  mx.records = {{10, "bogus.lab.test"}, {20, "good.lab.test"}};
  dns.addresses["bogus.lab.test"] = At({"192.0.2.6"}, true);
  dns.addresses["good.lab.test"] = At({"192.0.2.7"}, true);
  dns.failing.insert("_25._tcp.bogus.lab.test");  // validation failed: not usable now
  auto found = FindDestinations("lab.test", RouteOptions{}, dns);
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->at(0).host, "good.lab.test");

  dns.failing.insert("good.lab.test");
  auto none = FindDestinations("lab.test", RouteOptions{}, dns);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kIo);  // may pass: the queue retries

  dns.failing.insert("lab.test");  // the MX lookup itself fails
  EXPECT_EQ(FindDestinations("lab.test", RouteOptions{}, dns).error().code, ErrorCode::kIo);
}

TEST(FindDestinations, ATransportRuleAsksNoMx) {
  dns::FakeResolver dns;
  dns.addresses["relay.test"] = At({"192.0.2.8"});
  RouteOptions options;
  options.transports.push_back(*ParseTransportRule("partner.test = relay.test:587 tls=required"));
  auto found = FindDestinations("partner.test", options, dns);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->at(0).address, "192.0.2.8");
  EXPECT_EQ(found->at(0).port, 587);
  EXPECT_EQ(found->at(0).tls, TlsPolicy::kRequired);
  EXPECT_EQ(dns.Asked(), std::vector<std::string>{"relay.test"});
}

}  // namespace
}  // namespace sealpost::delivery
