#include "app/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "app/audit_forward.h"
#include "delivery/route.h"
#include "mime/address.h"
#include "queue/backlog.h"

namespace sealpost {
namespace {

// An IPv4/IPv6 address, optionally with a prefix length.
bool ValidNetwork(const std::string& text) {
  auto slash = text.find('/');
  std::string address = text.substr(0, slash);
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(address, ec);
  if (ec) return false;
  if (slash == std::string::npos) return true;
  std::string prefix = text.substr(slash + 1);
  if (prefix.empty() || prefix.size() > 3 || prefix.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  return std::stoi(prefix) <= (ip.is_v4() ? 32 : 128);
}

Error At(const Config& c, const toml::source_region& where, const std::string& message) {
  return MakeError(ErrorCode::kInvalidArgument, message,
                   c.path + ":" + std::to_string(where.begin.line));
}

// Reads the settings of one table, refusing keys it does not know.
class Table {
 public:
  Table(const Config& c, const toml::table& root, const char* name, std::optional<Error>& error)
      : c_(c), name_(name), error_(error) {
    const toml::node* node = root.get(name);
    if (!node) return;
    table_ = node->as_table();
    if (!table_ && !error_) error_ = At(c_, node->source(), std::string("[") + name + "] must be a table");
  }

  void String(const char* key, std::string& out) {
    if (auto* n = Get(key)) {
      if (auto v = n->value<std::string>()) out = *v;
      else FailValue(n, "must be a string");
    }
  }
  void Bool(const char* key, bool& out) {
    if (auto* n = Get(key)) {
      if (auto v = n->value<bool>()) out = *v;
      else FailValue(n, "must be true or false");
    }
  }
  void StringList(const char* key, std::vector<std::string>& out) {
    if (auto* n = Get(key)) {
      const toml::array* list = n->as_array();
      if (!list) return FailValue(n, "must be a list of strings");
      out.clear();
      for (const auto& item : *list) {
        auto v = item.value<std::string>();
        if (!v) return FailValue(&item, "must be a list of strings");
        out.push_back(*v);
      }
    }
  }
  void IntList(const char* key, std::vector<std::int64_t>& out, std::size_t max_items,
               std::int64_t min, std::int64_t max) {
    if (auto* n = Get(key)) {
      const std::string expected = "must be a list of 1 to " + std::to_string(max_items) +
                                   " whole numbers from " + std::to_string(min) + " to " +
                                   std::to_string(max);
      const toml::array* list = n->as_array();
      if (!list || list->empty() || list->size() > max_items) return FailValue(n, expected);
      std::vector<std::int64_t> values;
      for (const auto& item : *list) {
        auto v = item.value<std::int64_t>();
        if (!v || *v < min || *v > max) return FailValue(&item, expected);
        values.push_back(*v);
      }
      out = std::move(values);
    }
  }
  template <typename T>
  void Int(const char* key, T& out, std::int64_t min, std::int64_t max) {
    if (auto* n = Get(key)) {
      auto v = n->value<std::int64_t>();
      if (!v || *v < min || *v > max) {
        FailValue(n, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      } else {
        out = static_cast<T>(*v);
      }
    }
  }
  // Call after reading every key: anything left is unknown.
  void RefuseUnknown() {
    if (!table_) return;
    for (const auto& [k, v] : *table_) {
      if (!known_.count(std::string(k.str()))) {
        Fail(&v, "unknown setting \"" + std::string(k.str()) + "\" in [" + name_ + "]");
      }
    }
  }
  // Records the first problem only: one clear message beats a cascade.
  void Fail(const toml::node* n, const std::string& message) {
    if (!error_) error_ = At(c_, n->source(), message);
  }
  void FailValue(const toml::node* n, const std::string& message) {
    Fail(n, std::string(name_) + "." + last_ + " " + message);
  }

 private:
  const toml::node* Get(const char* key) {
    known_.insert(key);
    last_ = key;
    return table_ ? table_->get(key) : nullptr;
  }

  const Config& c_;
  const char* name_;
  const toml::table* table_ = nullptr;
  std::optional<Error>& error_;
  std::set<std::string> known_;
  std::string last_;
};

}  // namespace

std::string Config::Resolve(const std::string& p) const {
  if (p.empty() || p.front() == '/') return p;
  return dir + "/" + p;
}

Result<Config> LoadConfig(const std::string& path) {
  Config c;
  std::error_code ec;
  c.path = path;
  // Through links: /etc/sealpost/config.toml links to the file in the data directory,
  // and relative paths are relative to where the file really is.
  auto absolute = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  c.dir = absolute.parent_path().string();
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    if (!std::filesystem::exists(path)) {
      return MakeError(ErrorCode::kNotFound, "no configuration file at " + path);
    }
    return MakeError(ErrorCode::kInvalidArgument, std::string(e.description()),
                     path + ":" + std::to_string(e.source().begin.line));
  }

  std::optional<Error> error;
  std::vector<std::unique_ptr<Table>> tables;
  auto table = [&](const char* name) -> Table& {
    tables.push_back(std::make_unique<Table>(c, root, name, error));
    return *tables.back();
  };
  static const std::set<std::string> kSections = {
      "server", "tls",   "storage", "keys",     "organisation", "escrow",  "api", "webhooks",
      "portal", "forms", "smtp",    "delivery", "log",          "metrics", "dev", "audit"};
  for (const auto& [k, v] : root) {
    if (!kSections.count(std::string(k.str())) && !error) {
      Table& t = table("server");
      t.Fail(&v, "unknown setting \"" + std::string(k.str()) + "\" at the top level");
    }
  }

  std::string subject_mode = c.notice_shows_subject ? "real" : "fixed";
  {
    Table& t = table("server");
    t.String("listen", c.listen);
    t.Int("port", c.port, 0, 65535);
    t.String("public_url", c.public_url);
    t.Int("worker_threads", c.worker_threads, 1, 256);
    t.Int("max_connections", c.max_connections, 1, 100000);
    t.Int("max_connections_per_client", c.max_connections_per_client, 1, 100000);
    t.Int("max_waiting_work", c.max_waiting_work, 1, 1000000);
    t.Int("max_body_memory_bytes", c.max_body_memory_bytes, 1024 * 1024,
          std::int64_t{64} * 1024 * 1024 * 1024);
    t.Int("upload_seconds", c.upload_seconds, 10, 86400);
    t.RefuseUnknown();
  }
  {
    Table& t = table("tls");
    t.String("certificate", c.certificate);
    t.String("private_key", c.private_key);
    t.RefuseUnknown();
  }
  {
    Table& t = table("storage");
    t.String("database", c.database);
    t.String("blobs", c.blobs);
    t.Int("database_connections", c.database_connections, 1, 1000);
    t.RefuseUnknown();
  }
  {
    Table& t = table("keys");
    t.String("master_key", c.master_key);
    t.RefuseUnknown();
  }
  {
    Table& t = table("organisation");
    t.String("name", c.organisation);
    t.String("notice_from", c.notice_from);
    t.String("feedback_address", c.feedback_address);
    t.RefuseUnknown();
  }
  {
    Table& t = table("escrow");
    t.String("notice_subject", subject_mode);
    t.String("fixed_subject", c.fixed_subject);
    t.Int("default_expiry_days", c.default_expiry_days, 1, 3650);
    t.Int("max_answer_failures", c.max_answer_failures, 1, 100);
    t.Int("expiry_sweep_seconds", c.expiry_sweep_seconds, 1, 3600);
    t.RefuseUnknown();
  }
  {
    Table& t = table("api");
    t.Int("max_json_bytes", c.max_json_bytes, 1024, std::int64_t{1} << 32);
    t.Int("max_attachment_bytes", c.max_attachment_bytes, 0, std::int64_t{1} << 40);
    t.Int("max_recipients", c.max_recipients, 1, 10000);
    t.Int("access_token_minutes", c.access_token_minutes, 1, 1440);
    t.Int("session_hours", c.session_hours, 1, 720);
    t.Int("rate_limit_per_minute", c.rate_limit_per_minute, 0, 1000000);
    t.Int("max_auth_failures_per_address_per_hour", c.max_auth_failures_per_address_per_hour, 1,
          1000000);
    t.RefuseUnknown();
  }
  {
    Table& t = table("webhooks");
    t.Bool("allow_internal", c.webhooks_allow_internal);
    t.IntList("retry_seconds", c.webhook_retry_seconds, 30, 1, 7 * 86400);
    t.Int("max_in_flight_per_endpoint", c.webhook_max_in_flight_per_endpoint, 1, 64);
    t.Int("timeout_seconds", c.webhook_timeout_seconds, 1, 120);
    t.Int("keep_deliveries_days", c.webhook_keep_deliveries_days, 1, 3650);
    t.RefuseUnknown();
  }
  {
    Table& t = table("portal");
    t.Int("session_idle_minutes", c.session_idle_minutes, 1, 24 * 60);
    t.Int("namespace_refresh_seconds", c.namespace_refresh_seconds, 1, 3600);
    t.Int("max_failures_per_address_per_hour", c.max_failures_per_address_per_hour, 1, 100000);
    t.Int("max_failures_per_account_per_hour", c.max_failures_per_account_per_hour, 1, 100000);
    t.RefuseUnknown();
  }
  {
    Table& t = table("forms");
    t.Int("submissions_per_address_per_hour", c.form_submissions_per_address_per_hour, 1, 1000000);
    t.Int("submissions_per_form_per_hour", c.form_submissions_per_form_per_hour, 1, 10000000);
    t.Int("submissions_without_script_per_hour", c.form_submissions_without_script_per_hour, 1,
          1000000);
    t.Int("proof_of_work_bits", c.form_proof_of_work_bits, 0, 24);
    t.Int("min_fill_seconds", c.form_min_fill_seconds, 0, 600);
    t.RefuseUnknown();
  }
  {
    Table& t = table("delivery");
    t.String("mode", c.delivery_mode);
    t.String("outbox", c.outbox);
    t.String("helo_name", c.delivery_hostname);
    t.String("resolver", c.resolver);
    t.String("dnssec_trust_anchor", c.dnssec_trust_anchor);
    t.Int("dns_timeout_seconds", c.dns_timeout_seconds, 1, 300);
    t.Int("mx_port", c.mx_port, 1, 65535);
    t.Int("mta_sts_port", c.mta_sts_port, 1, 65535);
    t.String("trusted_ca_file", c.trusted_ca_file);
    t.String("tls_report_from", c.tls_report_from);
    t.StringList("transport", c.transport);
    t.Int("max_connections_per_domain", c.max_connections_per_domain, 1, 1000);
    t.Int("connection_reuse_seconds", c.connection_reuse_seconds, 0, 300);
    t.Int("max_in_flight", c.max_in_flight, 1, 100000);
    t.Int("max_queue_days", c.max_queue_days, 1, 30);
    t.Int("backlog_slow_down", c.backlog_slow_down, 1, 100000000);
    t.Int("backlog_refuse", c.backlog_refuse, 1, 100000000);
    t.Int("in_flow_delay_ms", c.in_flow_delay_ms, 0, 60000);
    t.Int("first_retry_seconds", c.first_retry_seconds, 1, 86400);
    t.Int("max_retry_seconds", c.max_retry_seconds, 1, 7 * 86400);
    t.Int("connect_timeout_seconds", c.connect_timeout_seconds, 1, 600);
    t.Int("reply_timeout_seconds", c.delivery_command_timeout_seconds, 1, 3600);
    t.Int("tls_probe_ttl_hours", c.tls_probe_ttl_hours, 1, 30 * 24);
    t.RefuseUnknown();
  }
  {
    Table& t = table("smtp");
    t.Bool("enabled", c.smtp_enabled);
    t.String("listen", c.smtp_listen);
    t.Int("submission_port", c.smtp_submission_port, 0, 65535);
    t.Int("implicit_tls_port", c.smtp_implicit_tls_port, 0, 65535);
    t.String("hostname", c.smtp_hostname);
    t.Int("max_message_bytes", c.smtp_max_message_bytes, 1024, std::int64_t{1} << 30);
    t.Int("max_recipients", c.smtp_max_recipients, 100, 10000);
    t.Int("max_connections", c.smtp_max_connections, 1, 100000);
    t.Int("max_connections_per_client", c.smtp_max_connections_per_client, 1, 100000);
    t.Int("command_timeout_seconds", c.smtp_command_timeout_seconds, 1, 3600);
    t.Int("session_limit_seconds", c.smtp_session_limit_seconds, 1, 86400);
    t.Int("max_login_failures_per_hour", c.smtp_max_login_failures_per_hour, 1, 100000);
    t.StringList("trusted_networks", c.smtp_trusted_networks);
    t.RefuseUnknown();
  }
  {
    Table& t = table("log");
    t.String("format", c.log_format);
    t.RefuseUnknown();
  }
  {
    Table& t = table("audit");
    t.Int("retention_days", c.audit_retention_days, 1, 36500);
    t.String("forward", c.audit_forward);
    t.RefuseUnknown();
  }
  {
    Table& t = table("metrics");
    t.String("listen", c.metrics_listen);
    t.Int("port", c.metrics_port, 0, 65535);
    t.String("token_file", c.metrics_token_file);
    t.RefuseUnknown();
  }
  {
    Table& t = table("dev");
    t.Bool("enabled", c.dev);
    t.RefuseUnknown();
  }
  if (error) return *error;

  // Values that parse but do not make sense.
  auto line_of = [&](const char* section, const char* key) {
    auto node = root[section][key].node();
    return path + ":" + std::to_string(node ? node->source().begin.line : 0);
  };
  if (subject_mode != "fixed" && subject_mode != "real") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "escrow.notice_subject must be \"fixed\" or \"real\"",
                     line_of("escrow", "notice_subject"));
  }
  c.notice_shows_subject = subject_mode == "real";
  if (!IsValidAddress(c.notice_from)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "organisation.notice_from is not a valid address: it " +
                         AddressProblem(c.notice_from),
                     line_of("organisation", "notice_from"));
  }
  if (!c.feedback_address.empty() && !IsValidAddress(c.feedback_address)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "organisation.feedback_address is not a valid address: it " +
                         AddressProblem(c.feedback_address),
                     line_of("organisation", "feedback_address"));
  }
  if (c.public_url.rfind("https://", 0) != 0 || c.public_url.back() == '/') {
    return MakeError(ErrorCode::kInvalidArgument,
                     "server.public_url must start with https:// and not end with /",
                     line_of("server", "public_url"));
  }
  if (c.fixed_subject.find_first_of("\r\n") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "escrow.fixed_subject must be one line",
                     line_of("escrow", "fixed_subject"));
  }
  if (auto forward = CheckAuditForwardTarget(c.audit_forward); !forward.ok()) {
    return MakeError(ErrorCode::kInvalidArgument, "audit.forward " + forward.error().message,
                     line_of("audit", "forward"));
  }
  if (c.log_format != "text" && c.log_format != "json") {
    return MakeError(ErrorCode::kInvalidArgument, "log.format must be \"text\" or \"json\"",
                     line_of("log", "format"));
  }
  {
    // Metrics are no secret, but they tell a lot about an organisation's mail: off
    // loopback, a scraper must show a token.
    boost::system::error_code bad;
    auto address = boost::asio::ip::make_address(c.metrics_listen, bad);
    if (bad) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "metrics.listen: \"" + c.metrics_listen + "\" is not an IP address",
                       line_of("metrics", "listen"));
    }
    if (c.metrics_port != 0 && !address.is_loopback() && c.metrics_token_file.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "metrics.listen is not a loopback address: set metrics.token_file too, "
                       "or listen on 127.0.0.1",
                       line_of("metrics", "listen"));
    }
  }
  for (const auto& net : c.smtp_trusted_networks) {
    if (!ValidNetwork(net)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "smtp.trusted_networks: \"" + net +
                           "\" is not an address or network (e.g. \"192.0.2.0/24\")",
                       line_of("smtp", "trusted_networks"));
    }
  }
  if (c.backlog_refuse <= c.backlog_slow_down) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "delivery.backlog_refuse must be larger than delivery.backlog_slow_down",
                     line_of("delivery", "backlog_refuse"));
  }
  if (c.delivery_mode != "smtp" && c.delivery_mode != "outbox") {
    return MakeError(ErrorCode::kInvalidArgument, "delivery.mode must be \"smtp\" or \"outbox\"",
                     line_of("delivery", "mode"));
  }
  for (const auto& line : c.transport) {
    auto rule = delivery::ParseTransportRule(line);
    if (!rule.ok()) {
      return MakeError(ErrorCode::kInvalidArgument, "delivery." + rule.error().message,
                       line_of("delivery", "transport"));
    }
  }
  if (c.delivery_hostname.empty() ||
      c.delivery_hostname.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "delivery.helo_name must be a host name",
                     line_of("delivery", "helo_name"));
  }
  if (c.smtp_hostname.empty() ||
      c.smtp_hostname.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
          std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "smtp.hostname must be a host name",
                     line_of("smtp", "hostname"));
  }
  if (c.tls_report_from.empty()) c.tls_report_from = "tlsrpt-noreply@" + c.delivery_hostname;
  if (!IsValidAddress(c.tls_report_from)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "delivery.tls_report_from is not a valid address: it " +
                         AddressProblem(c.tls_report_from),
                     line_of("delivery", "tls_report_from"));
  }
  return c;
}

Result<SettingsText> ReadSettingsText(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(e.description()),
                     path + ":" + std::to_string(e.source().begin.line));
  }
  SettingsText settings;
  for (const auto& [section, node] : root) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      std::ostringstream text;
      node.visit([&text](const auto& v) { text << v; });
      settings[std::string(section.str())] = text.str();
      continue;
    }
    for (const auto& [key, value] : *table) {
      std::ostringstream text;
      value.visit([&text](const auto& v) { text << v; });
      settings[std::string(section.str()) + "." + std::string(key.str())] = text.str();
    }
  }
  return settings;
}

std::vector<std::string> ChangedSettings(const SettingsText& before, const SettingsText& after) {
  std::vector<std::string> changed;
  for (const auto& [name, value] : before) {
    auto found = after.find(name);
    if (found == after.end() || found->second != value) changed.push_back(name);
  }
  for (const auto& [name, value] : after) {
    if (!before.count(name)) changed.push_back(name);
  }
  std::sort(changed.begin(), changed.end());
  return changed;
}

std::string DefaultConfigText(bool dev) {
  std::string text =
      R"(# sealpost configuration. Relative paths are relative to this file's directory.

[server]
listen = "127.0.0.1"            # address the HTTPS listener binds
port = 8443
public_url = "https://localhost:8443"   # base of the links in notice emails
worker_threads = 8              # pool for Argon2id, sealing and database work
max_connections = 1024          # HTTPS connections in all
max_connections_per_client = 64 # from one client address (an IPv6 /64 counts as one)
max_body_memory_bytes = 268435456   # request bodies buffered in memory at once; then 503
max_waiting_work = 512              # requests' blocking work waiting for the worker pool; then 503
upload_seconds = 3600           # the longest one request body may take to arrive

[tls]
certificate = "tls/cert.pem"    # PEM chain; init makes a self-signed ECDSA one
private_key = "tls/key.pem"

[storage]
database = "sealpost.db"        # SQLite, WAL; or "postgresql://user@host/db" for several nodes
blobs = "blobs"                 # encrypted message bodies and attachments

[keys]
master_key = "master.key"       # 32 random bytes, mode 0600; back it up apart from the data

[organisation]
name = "sealpost"               # shown in notices and on the portal
notice_from = "notices@localhost"
feedback_address = ""           # complaints (ARF) about campaign messages come here: read, never delivered

[escrow]
notice_subject = "fixed"        # "fixed": fixed_subject below; "real": the message's subject
fixed_subject = "You have been sent a secure message"
default_expiry_days = 30        # 1 to 3650
max_answer_failures = 5         # wrong answers before a message locks
expiry_sweep_seconds = 60       # how often expired messages lose their keys (one node at a time)

[api]
max_json_bytes = 33554432       # largest JSON body (base64 attachments included)
max_attachment_bytes = 104857600  # all attachments of one message together
max_recipients = 100
access_token_minutes = 15       # OAuth access tokens expire after this (1 to 1440)
session_hours = 12              # signed-request sessions last this long (1 to 720)
rate_limit_per_minute = 600     # requests a minute per API client, unless it has its own (0: no limit)
max_auth_failures_per_address_per_hour = 100  # failed API sign-ins from one address; 429 with growing waits after 20

[webhooks]
allow_internal = false          # endpoints on loopback, private and link-local addresses (a receiver on your own network)
retry_seconds = [5, 300, 1800, 7200, 18000, 36000, 36000]  # waits between attempts (27 hours in all); then the delivery fails
max_in_flight_per_endpoint = 4  # deliveries under way to one endpoint at once
timeout_seconds = 15            # for each attempt
keep_deliveries_days = 30       # the delivery log keeps finished deliveries this long

[portal]
session_idle_minutes = 15
namespace_refresh_seconds = 5  # how soon `admin namespace` changes reach the running portal
max_failures_per_address_per_hour = 30  # wrong answers, passwords, codes from one client address; growing delays after 10
max_failures_per_account_per_hour = 100  # wrong passwords and codes for one account; growing delays after 5

[forms]
submissions_per_address_per_hour = 20     # secure forms sent from one client address (429 past it)
submissions_per_form_per_hour = 600       # sent to one form, from everyone
submissions_without_script_per_hour = 20  # sent to one form from browsers that ran no script (no proof of work)
proof_of_work_bits = 16                   # the bot challenge: about 2^bits hashes per submission (under a second in a browser)
min_fill_seconds = 3                      # sooner than this after the page was shown: refused as a robot's

[delivery]
mode = )" +
      std::string(dev ? "\"outbox\"" : "\"smtp\"") +
      R"(                 # "smtp": to recipients' mail servers; "outbox": filed in outbox/ (--dev: always)
outbox = "outbox"
helo_name = "localhost"         # our name in EHLO and in bounce reports (DSNs)
resolver = ""                   # DNS: "" uses /etc/resolv.conf; "192.0.2.53" or "127.0.0.1@5353": that server only
dnssec_trust_anchor = "/usr/share/dns/root.key"  # DNSSEC validation for DANE; the resolver must pass DNSSEC records; "" turns it off
dns_timeout_seconds = 20        # a DNS query unanswered this long fails, and its delivery is retried later
mx_port = 25                    # the port of recipients' mail servers
mta_sts_port = 443              # the port of recipients' MTA-STS policy servers (mta-sts.DOMAIN)
trusted_ca_file = ""            # CAs that vouch for MTA-STS policy, mail servers and webhook receivers; "": the system's
tls_report_from = ""            # From of TLS reports (RFC 8460) to domains that ask; "": tlsrpt-noreply@ + helo_name
transport = []                  # e.g. ["partner.example = relay.partner.example:25 tls=required", "* = smarthost.example:587"]
max_connections_per_domain = 10
connection_reuse_seconds = 2    # a connection waits this long for the domain's next transaction; 0: closed at once
max_in_flight = 100             # queue entries being delivered at once
max_queue_days = 5              # then a message expires and its sender gets a DSN
backlog_slow_down = 5000        # waiting submissions + entries: each acceptance waits in_flow_delay_ms
backlog_refuse = 50000          # ...: new mail refused (SMTP 452 4.3.1, API 503) until it drains
in_flow_delay_ms = 1000
first_retry_seconds = 60        # doubled after each failed attempt ...
max_retry_seconds = 3600        # ... up to this
connect_timeout_seconds = 30
reply_timeout_seconds = 300     # a server's reply (RFC 5321 §4.5.3.2); the end of data waits twice as long
tls_probe_ttl_hours = 24        # TLS-only: whether a domain's servers offer STARTTLS is probed again after this

[smtp]
enabled = true                  # submission for mail programs and devices
listen = "127.0.0.1"
submission_port = )" +
      std::string(dev ? "2587" : "587") + R"(          # STARTTLS (RFC 3207), AUTH inside TLS only
implicit_tls_port = )" +
      std::string(dev ? "2465" : "465") + R"(        # implicit TLS (RFC 8314); 0 turns it off
hostname = "localhost"          # our name in the greeting
max_message_bytes = 26214400    # SIZE, enforced while reading
max_recipients = 100            # 100 to 10000
max_connections = 256
max_connections_per_client = 20
command_timeout_seconds = 300
session_limit_seconds = 1800
max_login_failures_per_hour = 30  # per client address, then logins are refused
trusted_networks = []           # e.g. ["192.0.2.10/32"]: may submit without AUTH (devices)

[audit]
retention_days = 2190           # six years (HIPAA); older records are pruned, the chain still verifies
forward = ""                    # also copy each record to "file:PATH" (JSON Lines) or
                                # "syslog:udp:HOST:PORT" / "syslog:unix:/dev/log" (RFC 5424)

[log]
format = "text"                 # "json": one object a line (time, level, component, id, message)

[metrics]
listen = "127.0.0.1"            # Prometheus scrapes GET /metrics here, in plain HTTP
port = 9469                     # 0 turns it off
token_file = ""                 # a file with the bearer token scrapes send; needed off loopback

[dev]
enabled = )";
  text += dev ? "true" : "false";
  text += "                 # development mode: /dev/outbox page\n";
  return text;
}

BacklogLimits BacklogLimitsOf(const Config& config) {
  BacklogLimits limits;
  limits.slow_down = config.backlog_slow_down;
  limits.refuse = config.backlog_refuse;
  limits.in_flow_delay = std::chrono::milliseconds(config.in_flow_delay_ms);
  return limits;
}

}  // namespace sealpost
