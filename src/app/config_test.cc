#include <gtest/gtest.h>

#include "base/temp_dir.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "app/config.h"

namespace sealpost {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
  }
  std::string Write(const std::string& text) {
    std::string path = dir_ + "/config.toml";
    std::ofstream(path) << text;
    return path;
  }
  TempDir temp_;
  const std::string dir_ = temp_.path();
};

TEST_F(ConfigTest, DefaultTextLoads) {
  auto c = LoadConfig(Write(DefaultConfigText(true)));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_TRUE(c->dev);
  EXPECT_EQ(c->port, 8443);
  EXPECT_EQ(c->Resolve("master.key"), dir_ + "/master.key");
  EXPECT_EQ(c->Resolve("/abs/path"), "/abs/path");
}

TEST_F(ConfigTest, ErrorsNameFileAndLine) {
  struct Case { std::string text; int line; std::string says; };
  const Case cases[] = {
      {"[server]\nport = \"eighty\"\n", 2, "server.port must be a whole number"},
      {"[server]\nport = 70000\n", 2, "from 0 to 65535"},
      {"[escrow]\n\ndefault_expiry_days = 0\n", 3, "escrow.default_expiry_days"},
      {"[escrow]\nnotice_subjekt = \"real\"\n", 2, "unknown setting \"notice_subjekt\""},
      {"[servr]\nport = 1\n", 1, "unknown setting \"servr\""},
      {"[server]\nport = \n", 2, ""},  // syntax error
      {"[organisation]\nnotice_from = \"not an address\"\n", 2, "notice_from is not a valid address"},
      {"[escrow]\nnotice_subject = \"sometimes\"\n", 2, "\"fixed\" or \"real\""},
      {"[server]\npublic_url = \"http://x\"\n", 2, "https://"},
      {"[smtp]\n\ntrusted_networks = [\"10.0.0.0/33\"]\n", 3, "is not an address or network"},
      {"[smtp]\ntrusted_networks = \"10.0.0.1\"\n", 2, "must be a list of strings"},
      {"[smtp]\nmax_recipients = 50\n", 2, "from 100 to 10000"},
      {"[smtp]\nhostname = \"bad host\"\n", 2, "smtp.hostname must be a host name"},
  };
  for (const auto& c : cases) {
    auto path = Write(c.text);
    auto result = LoadConfig(path);
    ASSERT_FALSE(result.ok()) << c.text;
    EXPECT_EQ(result.error().field, path + ":" + std::to_string(c.line)) << c.text;
    EXPECT_NE(result.error().message.find(c.says), std::string::npos)
        << c.text << " -> " << result.error().message;
  }
}

TEST_F(ConfigTest, WebhookSettings) {
  auto c = LoadConfig(Write("[webhooks]\nallow_internal = true\nretry_seconds = [1, 2, 3]\n"
                            "max_in_flight_per_endpoint = 8\n"));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_TRUE(c->webhooks_allow_internal);
  EXPECT_EQ(c->webhook_retry_seconds, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(c->webhook_max_in_flight_per_endpoint, 8);
  for (const char* bad : {"retry_seconds = []", "retry_seconds = [5, 0]", "retry_seconds = 5",
                          "retry_seconds = [\"5\"]", "max_in_flight_per_endpoint = 0"}) {
    auto refused = LoadConfig(Write(std::string("[webhooks]\n\n") + bad + "\n"));
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().ToString().find("config.toml:3)"), std::string::npos)
        << refused.error().ToString();
  }
}

TEST_F(ConfigTest, SmtpSettings) {
  auto c = LoadConfig(Write("[smtp]\nsubmission_port = 2525\nimplicit_tls_port = 0\n"
                            "trusted_networks = [\"192.0.2.0/24\", \"2001:db8::1\"]\n"));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->smtp_submission_port, 2525);
  EXPECT_EQ(c->smtp_implicit_tls_port, 0);
  EXPECT_EQ(c->smtp_trusted_networks, (std::vector<std::string>{"192.0.2.0/24", "2001:db8::1"}));
  auto dev = LoadConfig(Write(DefaultConfigText(true)));
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(dev->smtp_submission_port, 2587);
  EXPECT_EQ(dev->smtp_implicit_tls_port, 2465);
  EXPECT_TRUE(dev->smtp_trusted_networks.empty());  // off by default
}

TEST_F(ConfigTest, ChangedSettingsNamesWhatWasSetUnsetOrChanged) {
  auto before = ReadSettingsText(Write("[server]\nport = 8443\nlisten = \"127.0.0.1\"\n"
                                       "[tls]\ncertificate = \"a.pem\"\n"
                                       "[smtp]\ntrusted_networks = [\"10.0.0.1/32\"]\n"));
  ASSERT_TRUE(before.ok()) << before.error().ToString();
  EXPECT_EQ(before->at("server.port"), "8443");
  auto after = ReadSettingsText(Write("[server]\nport = 8443\nlisten = \"0.0.0.0\"\n"
                                      "[tls]\ncertificate = \"a.pem\"\nprivate_key = \"k\"\n"
                                      "[smtp]\ntrusted_networks = [\"10.0.0.2/32\"]\n"));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(ChangedSettings(*before, *after),
            (std::vector<std::string>{"server.listen", "smtp.trusted_networks",
                                      "tls.private_key"}));
  EXPECT_TRUE(ChangedSettings(*after, *after).empty());
  auto broken = ReadSettingsText(Write("[server]\nport = \n"));
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().field, dir_ + "/config.toml:2");
}

TEST_F(ConfigTest, MetricsOffLoopbackNeedAToken) {
  std::string text = DefaultConfigText(false);
  auto c = LoadConfig(Write(text));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->metrics_listen, "127.0.0.1");
  EXPECT_EQ(c->metrics_port, 9469);
  const std::string open_listen = "[metrics]\nlisten = \"0.0.0.0\"";
  text.replace(text.find("[metrics]\nlisten = \"127.0.0.1\""),
               std::string("[metrics]\nlisten = \"127.0.0.1\"").size(), open_listen);
  auto refused = LoadConfig(Write(text));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("set metrics.token_file"), std::string::npos);
  const auto metrics_line =
      std::count(text.begin(), text.begin() + text.find(open_listen), '\n') + 2;
  EXPECT_EQ(refused.error().field, dir_ + "/config.toml:" + std::to_string(metrics_line));
  text.replace(text.find("token_file = \"\""), 15, "token_file = \"metrics.token\"");
  EXPECT_TRUE(LoadConfig(Write(text)).ok());
}

TEST_F(ConfigTest, RelativePathsAreRelativeToTheFileALinkPointsAt) {
  // The package's /etc/sealpost/config.toml links to the file in /var/lib/sealpost.
  const std::string real = Write(DefaultConfigText(false));
  std::filesystem::create_directories(dir_ + "/etc");
  std::filesystem::create_symlink(real, dir_ + "/etc/config.toml");
  auto c = LoadConfig(dir_ + "/etc/config.toml");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->Resolve(c->database), std::filesystem::canonical(dir_).string() + "/sealpost.db");
}

TEST_F(ConfigTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadConfig(dir_ + "/nope.toml").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace sealpost
