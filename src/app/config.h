// sealpost's configuration: a TOML file parsed once into an immutable Config and
// passed to whatever needs it. Relative paths are resolved against the directory
// holding the file. Unknown sections and keys are errors, so a typo never silently
// falls back to a default; every error names the file and line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace sealpost {

struct BacklogLimits;

struct Config {
  std::string path;  // the file this came from
  std::string dir;   // its directory; base of relative paths

  // [server]
  std::string listen = "127.0.0.1";
  std::uint16_t port = 8443;
  std::string public_url = "https://localhost:8443";
  // More than the cores: a worker waits on the disk (a commit's sync) about as long as it
  // computes, and the commits that arrive together share a transaction
  // (submission/group_commit.h). On 2 cores, address-book sends alone (4 interleaved
  // rounds): 8 workers ~9 % more messages/s than 4; the whole API bench: within its noise.
  std::size_t worker_threads = 8;
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_client = 64;  // an IPv6 client is its /64
  std::uint64_t max_body_memory_bytes = 256 * 1024 * 1024;  // buffered bodies in flight
  int max_waiting_work = 512;  // blocking work waiting for the worker pool; then 503
  std::int64_t upload_seconds = 3600;  // the whole of one request body

  // [tls]
  std::string certificate = "tls/cert.pem";
  std::string private_key = "tls/key.pem";

  // [storage]
  // A SQLite file, or a PostgreSQL URI ("postgresql://user@host/db": several nodes share
  // it, and the blobs are kept in it; `blobs` is then not used).
  std::string database = "sealpost.db";
  std::string blobs = "blobs";
  int database_connections = 8;  // PostgreSQL: connections this node keeps at most

  // [keys]
  std::string master_key = "master.key";

  // [organisation]
  std::string organisation = "sealpost";
  std::string notice_from = "notices@localhost";
  // Where mailbox providers' feedback loops send complaints (ARF reports) about campaign
  // messages; mail to it through SMTP is read as a report, never delivered. "": none.
  std::string feedback_address;

  // [escrow]
  bool notice_shows_subject = false;
  std::string fixed_subject = "You have been sent a secure message";
  int default_expiry_days = 30;
  int max_answer_failures = 5;
  // How often the expiry sweep looks for messages past their time (on one node at a
  // time when several share a database).
  int expiry_sweep_seconds = 60;

  // [api]
  std::uint64_t max_json_bytes = 32ull * 1024 * 1024;
  std::uint64_t max_attachment_bytes = 100ull * 1024 * 1024;
  int max_recipients = 100;
  int access_token_minutes = 15;  // OAuth access tokens (issue 20)
  int session_hours = 12;         // signed-request sessions
  int rate_limit_per_minute = 600;  // per API client, unless it has its own; 0: none
  int max_auth_failures_per_address_per_hour = 100;  // failed API sign-ins

  // [webhooks]
  bool webhooks_allow_internal = false;
  std::vector<std::int64_t> webhook_retry_seconds = {5, 300, 1800, 7200, 18000, 36000, 36000};
  int webhook_max_in_flight_per_endpoint = 4;
  int webhook_timeout_seconds = 15;
  int webhook_keep_deliveries_days = 30;

  // [portal]
  int session_idle_minutes = 15;
  // How stale the portal's copy of the namespaces (brands, hosts, Message Center) may be:
  // `admin namespace` changes reach the running server within this time.
  int namespace_refresh_seconds = 5;
  int max_failures_per_address_per_hour = 30;  // wrong answers, passwords, codes per client address
  // Secure forms (issue 24): what the public may send, per hour; the bot challenge.
  int form_submissions_per_address_per_hour = 20;
  int form_submissions_per_form_per_hour = 600;
  int form_submissions_without_script_per_hour = 20;
  int form_proof_of_work_bits = 16;
  int form_min_fill_seconds = 3;
  int max_failures_per_account_per_hour = 100;  // wrong passwords and codes per portal account

  // [delivery] outbound mail (issue 4)
  std::string delivery_mode = "smtp";  // "smtp" or "outbox"; --dev means "outbox"
  std::string outbox = "outbox";
  std::string delivery_hostname = "localhost";  // EHLO name, Reporting-MTA
  std::string resolver;                         // "": /etc/resolv.conf; "IP[@port]"
  // DNSSEC validation (and so DANE): the root's trust anchor, from Debian's dns-root-data.
  std::string dnssec_trust_anchor = "/usr/share/dns/root.key";
  int dns_timeout_seconds = 20;  // each DNS query; then delivery defers (kIo)
  std::uint16_t mx_port = 25;
  std::uint16_t mta_sts_port = 443;     // of mta-sts.DOMAIN, where MTA-STS policies are
  std::string trusted_ca_file;          // CAs for MTA-STS; "": the system's
  std::string tls_report_from;          // TLS reports' From; "": tlsrpt-noreply@helo_name
  std::vector<std::string> transport;           // "DOMAIN = HOST[:PORT] [tls=...]"
  int max_connections_per_domain = 10;
  int connection_reuse_seconds = 2;  // kept open for the domain's next transaction
  int max_in_flight = 100;
  int max_queue_days = 5;
  // Back-pressure (queue/backlog.h): submissions and queue entries waiting.
  int backlog_slow_down = 5000;
  int backlog_refuse = 50000;
  int in_flow_delay_ms = 1000;
  int first_retry_seconds = 60;
  int max_retry_seconds = 3600;
  int connect_timeout_seconds = 30;
  int delivery_command_timeout_seconds = 300;
  int tls_probe_ttl_hours = 24;  // what a probe learnt of a domain's STARTTLS is kept so long

  // [smtp] submission listeners (issue 5)
  bool smtp_enabled = true;
  std::string smtp_listen = "127.0.0.1";
  std::uint16_t smtp_submission_port = 587;   // STARTTLS
  std::uint16_t smtp_implicit_tls_port = 465; // implicit TLS; 0: off
  std::string smtp_hostname = "localhost";
  std::uint64_t smtp_max_message_bytes = 25ull * 1024 * 1024;
  int smtp_max_recipients = 100;
  int smtp_max_connections = 256;
  int smtp_max_connections_per_client = 20;
  int smtp_command_timeout_seconds = 300;
  int smtp_session_limit_seconds = 1800;
  int smtp_max_login_failures_per_hour = 30;
  std::vector<std::string> smtp_trusted_networks;  // may submit without AUTH; empty: none

  // [audit] (issue 21)
  int audit_retention_days = 2190;  // six years: HIPAA's retention of documentation
  // Where records are copied as they are written: "" (nowhere), "file:PATH" (JSON
  // Lines), "syslog:udp:HOST:PORT" or "syslog:unix:PATH" (RFC 5424).
  std::string audit_forward;

  // [log]
  std::string log_format = "text";  // "text" or "json" (app/logging.h)

  // [metrics]: Prometheus scrapes GET /metrics on this listener, in plain HTTP.
  std::string metrics_listen = "127.0.0.1";
  std::uint16_t metrics_port = 9469;  // 0: no metrics listener
  std::string metrics_token_file;     // a bearer token scrapes must send; "": none

  // [dev]
  bool dev = false;

  // An absolute path for a configured one.
  std::string Resolve(const std::string& p) const;
};

// kInvalidArgument with field "<file>:<line>" for syntax and value errors.
Result<Config> LoadConfig(const std::string& path);

// Every setting the file names, "section.key" → its value as TOML text: what a reload
// compares with the file read at start. Errors as LoadConfig's.
using SettingsText = std::map<std::string, std::string>;
Result<SettingsText> ReadSettingsText(const std::string& path);
// The settings that differ (set, unset or changed), sorted.
std::vector<std::string> ChangedSettings(const SettingsText& before, const SettingsText& after);

// The file `sealpost init` writes, with every setting and a comment on each.
std::string DefaultConfigText(bool dev);

// The back-pressure limits the configuration sets.
BacklogLimits BacklogLimitsOf(const Config& config);

}  // namespace sealpost
