#include <gtest/gtest.h>

#include "webhooks/events.h"
#include "webhooks/signature.h"
#include "webhooks/target.h"

namespace sealpost::webhooks {
namespace {

// The example of the Standard Webhooks reference libraries' tests (svix/webhooks).
TEST(WebhookSignature, ReproducesTheReferenceExample) {
  auto header = Sign({"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek",
                     1614265330, R"({"test": 2432232314})");
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(*header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSignature, SignsWithEverySecretDuringARotation) {
  const std::string old_secret = NewSecret(), new_secret = NewSecret();
  auto both = Sign({new_secret, old_secret}, "msg_1", 1, "{}");
  auto only_old = Sign({old_secret}, "msg_1", 1, "{}");
  auto only_new = Sign({new_secret}, "msg_1", 1, "{}");
  ASSERT_TRUE(both.ok() && only_old.ok() && only_new.ok());
  EXPECT_EQ(*both, *only_new + " " + *only_old);
  EXPECT_NE(*only_old, *only_new);
}

TEST(WebhookSignature, RefusesWhatIsNotASecret) {
  EXPECT_EQ(Sign({"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "m", 1, "{}").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Sign({"whsec_!!!"}, "m", 1, "{}").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Sign({"whsec_"}, "m", 1, "{}").error().code, ErrorCode::kInvalidArgument);
}

TEST(WebhookSignature, SecretsAndIdsAreFreshAndWellFormed) {
  const std::string a = NewSecret(), b = NewSecret();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("whsec_", 0), 0u);
  EXPECT_EQ(a.size(), 6u + 44u);  // 32 bytes in base64
  EXPECT_EQ(NewMessageId().rfind("msg_", 0), 0u);
  EXPECT_NE(NewMessageId(), NewMessageId());
}

TEST(WebhookTarget, TakesHttpsUrls) {
  auto url = ParseEndpointUrl("https://Hooks.Example.org:8443/in/sealpost?tenant=7");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "hooks.example.org");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/in/sealpost?tenant=7");
  EXPECT_FALSE(url->host_is_address);
  auto bare = ParseEndpointUrl("https://hooks.example.org");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->port, 443);
  EXPECT_EQ(bare->target, "/");
  auto v6 = ParseEndpointUrl("https://[2001:db8::1]/x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_TRUE(v6->host_is_address);
}

TEST(WebhookTarget, RefusesWhatIsNotAnHttpsEndpoint) {
  for (const char* bad : {"http://hooks.example.org/", "hooks.example.org/x", "https:///x",
                          "https://user:pw@hooks.example.org/", "ftp://hooks.example.org/",
                          "https://hooks.example.org:0/", ""}) {
    auto url = ParseEndpointUrl(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(url.error().field, "url") << bad;
  }
  EXPECT_FALSE(ParseEndpointUrl("https://h.example/" + std::string(kMaxUrlBytes, 'a')).ok());
}

TEST(WebhookTarget, KnowsInternalAddresses) {
  for (const char* internal :
       {"127.0.0.1", "127.8.8.8", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "100.64.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.1", "::1", "::",
        "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "64:ff9b::a00:1", "not an address", ""}) {
    EXPECT_TRUE(IsInternalAddress(internal)) << internal;
  }
  for (const char* external : {"8.8.8.8", "172.32.0.1", "192.0.2.10", "2001:db8::1",
                               "2a00:1450::1", "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
    EXPECT_FALSE(IsInternalAddress(external)) << external;
  }
}

TEST(WebhookTarget, ANameIsJudgedByEveryAddressItResolvesTo) {
  AddressLookup lookup = [](const std::string& host) -> Result<std::vector<std::string>> {
    if (host == "inside.example") return std::vector<std::string>{"10.0.0.7", "::1"};
    if (host == "both.example") return std::vector<std::string>{"fd00::1", "192.0.2.80"};
    return MakeError(ErrorCode::kNotFound, "no such host");
  };
  auto inside = ParseEndpointUrl("https://inside.example/hook");
  ASSERT_TRUE(inside.ok());
  auto refused = AddressFor(*inside, false, lookup);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(refused.error().field, "url");
  EXPECT_EQ(AddressFor(*inside, true, lookup).value(), "10.0.0.7");
  // The request goes to the address checked: the outside one.
  EXPECT_EQ(AddressFor(*ParseEndpointUrl("https://both.example/"), false, lookup).value(),
            "192.0.2.80");
  EXPECT_EQ(AddressFor(*ParseEndpointUrl("https://gone.example/"), false, lookup).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(AddressFor(*inside, false, nullptr).error().code, ErrorCode::kUnavailable);

  EXPECT_EQ(CheckEndpointUrl("https://inside.example/", false, lookup).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_TRUE(CheckEndpointUrl("https://inside.example/", true, lookup).ok());
  EXPECT_TRUE(CheckEndpointUrl("https://gone.example/", false, lookup).ok());  // checked later
  EXPECT_TRUE(CheckEndpointUrl("https://inside.example/", false, nullptr).ok());
  EXPECT_EQ(CheckEndpointUrl("https://169.254.169.254/latest", false, nullptr).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(CheckEndpointUrl("http://192.0.2.80/", true, lookup).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(WebhookEvents, TypesAreCheckedAndKeptInOneOrder) {
  auto types = NormaliseTypes({"message.viewed", "message.accepted", "message.viewed"});
  ASSERT_TRUE(types.ok());
  EXPECT_EQ(*types, "message.accepted message.viewed");
  EXPECT_TRUE(Wants(*types, "message.viewed"));
  EXPECT_FALSE(Wants(*types, "message.view"));
  EXPECT_FALSE(Wants(*types, "message.delivered"));
  auto unknown = NormaliseTypes({"message.accepted", "message.read"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "events");
  EXPECT_NE(unknown.error().message.find("message.read"), std::string::npos);
  EXPECT_FALSE(NormaliseTypes({}).ok());
  EXPECT_EQ(TypeOfEvent("delivered").value_or(""), "message.delivered");
  EXPECT_FALSE(TypeOfEvent("notice_queued").has_value());
  EXPECT_FALSE(TypeOfEvent("link_opened").has_value());
}

TEST(WebhookEvents, PayloadCarriesIdsStatusesAndTimesOnly) {
  EventFacts facts{"message.delivered", 1764900000, "m1", "clinic", "r1", "delivered", "tls"};
  const std::string payload = Payload(facts);
  EXPECT_EQ(payload,
            R"({"type":"message.delivered","timestamp":"2025-12-05T02:00:00Z","data":)"
            R"({"message_id":"m1","account":"clinic","recipient_id":"r1","status":"delivered",)"
            R"("method":"tls","at":"2025-12-05T02:00:00Z"}})");
  auto with = WithSubject(payload, "Lab results \"B\"");
  ASSERT_TRUE(with.ok());
  EXPECT_NE(with->find(R"("subject":"Lab results \"B\"")"), std::string::npos);
  EXPECT_FALSE(WithSubject("[]", "x").ok());
}

TEST(WebhookEvents, AFormSubmissionIsNamedNotShown) {
  EXPECT_EQ(TypeOfEvent("form_submitted").value_or(""), "form.submitted");
  EXPECT_EQ(NormaliseTypes({"form.submitted", "message.accepted"}).value(),
            "message.accepted form.submitted");
  EventFacts facts{"form.submitted", 1764900000, "m1", "clinic", "", "", "", "intake", "s1"};
  EXPECT_EQ(Payload(facts),
            R"({"type":"form.submitted","timestamp":"2025-12-05T02:00:00Z","data":)"
            R"({"message_id":"m1","account":"clinic","form":"intake","submission_id":"s1",)"
            R"("at":"2025-12-05T02:00:00Z"}})");
}

TEST(WebhookEvents, ACampaignsEngagementNamesTheCampaign) {
  for (const char* e : {"opened", "clicked", "unsubscribed", "complained"}) {
    EXPECT_EQ(TypeOfEvent(e).value_or(""), std::string("message.") + e);
  }
  EventFacts facts{"message.clicked", 1764900000, "m1", "clinic", "", "", "", "", ""};
  facts.campaign = "flu";
  EXPECT_EQ(Payload(facts),
            R"({"type":"message.clicked","timestamp":"2025-12-05T02:00:00Z","data":)"
            R"({"message_id":"m1","account":"clinic","campaign":"flu",)"
            R"("at":"2025-12-05T02:00:00Z"}})");
}

TEST(WebhookEvents, RetriesSpanMoreThanADayThenStop) {
  const auto& schedule = DefaultRetrySchedule();
  std::int64_t total = 0;
  int attempts = 1;
  while (auto delay = RetryDelay(schedule, attempts)) {
    total += *delay;
    ++attempts;
  }
  EXPECT_GE(total, 24 * 3600);
  EXPECT_EQ(attempts, static_cast<int>(schedule.size()) + 1);
  EXPECT_EQ(RetryDelay(schedule, 1).value_or(0), 5);
  EXPECT_FALSE(RetryDelay(schedule, 0).has_value());
  EXPECT_FALSE(RetryDelay({}, 1).has_value());
}

}  // namespace
}  // namespace sealpost::webhooks
