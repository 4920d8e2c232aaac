#include "app/serve.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "api/admin_api.h"
#include "api/auth.h"
#include "api/campaigns_api.h"
#include "api/docs_api.h"
#include "api/gate.h"
#include "api/messages_api.h"
#include "api/oauth.h"
#include "api/public_keys.h"
#include "api/requests_api.h"
#include "api/sessions_api.h"
#include "app/admin_common.h"
#include "app/audit_checkpoints.h"
#include "app/audit_forward.h"
#include "app/check.h"
#include "app/key_rotation.h"
#include "app/limit_exchange.h"
#include "app/logging.h"
#include "app/open_stores.h"
#include "app/readiness.h"
#include "app/reload.h"
#include "app/signing_key.h"
#include "base/worker.h"
#include "campaigns/automations.h"
#include "campaigns/campaigns.h"
#include "campaigns/contacts.h"
#include "campaigns/engagement.h"
#include "campaigns/road.h"
#include "console/webauthn.h"
#include "crypto/key_ring.h"
#include "delivery/queue_runner.h"
#include "delivery/smtp_target.h"
#include "delivery/tls_probe.h"
#include "delivery/tls_sessions.h"
#include "delivery/webhook_sender.h"
#include "dkim/domain_signer.h"
#include "dns/unbound_resolver.h"
#include "escrow/answer_keys.h"
#include "escrow/escrow_service.h"
#include "escrow/message_center.h"
#include "forms/form_directory.h"
#include "forms/kept.h"
#include "forms/requests.h"
#include "http/server.h"
#include "integrations/webhook_endpoints.h"
#include "metrics/exporter.h"
#include "metrics/registry.h"
#include "net/tls.h"
#include "policy/address_books.h"
#include "policy/org_directory.h"
#include "policy/portal_registry.h"
#include "policy/recipient_planner.h"
#include "policy/signing_identities.h"
#include "portal/portal.h"
#include "queue/backlog.h"
#include "smtp/server.h"
#include "store/sqlite/stores.h"
#include "submission/dispatcher.h"
#include "submission/processor.h"
#include "submission/spool.h"
#include "submission/user_authenticator.h"
#include "tlsrpt/reporter.h"

namespace sealpost {
namespace {

// The public's secure forms, from the [forms] settings.
portal::FormServices FormServicesOf(const Config& config, forms::FormDirectory& directory,
                                    FormStore& store, BlobStore& blobs, QueueStore& queue,
                                    std::function<void()> notify_queue,
                                    forms::RequestDesk& requests) {
  portal::FormServices services{
      &directory, &store, &blobs, {}, &queue, config.notice_from, std::move(notify_queue),
      &requests};
  services.limits.per_client_per_hour = config.form_submissions_per_address_per_hour;
  services.limits.per_form_per_hour = config.form_submissions_per_form_per_hour;
  services.limits.without_script_per_hour = config.form_submissions_without_script_per_hour;
  services.limits.challenge.bits = config.form_proof_of_work_bits;
  services.limits.challenge.min_seconds = config.form_min_fill_seconds;
  return services;
}

// How sealpost reaches recipients' mail servers, from the [delivery] settings.
Result<delivery::SmtpTargetOptions> SmtpOptions(const Config& config) {
  delivery::SmtpTargetOptions options;
  options.client.helo_name = config.delivery_hostname;
  options.client.connect_timeout = std::chrono::seconds(config.connect_timeout_seconds);
  options.client.greeting_timeout = std::chrono::seconds(config.delivery_command_timeout_seconds);
  options.client.command_timeout = std::chrono::seconds(config.delivery_command_timeout_seconds);
  options.client.data_timeout = std::chrono::seconds(2 * config.delivery_command_timeout_seconds);
  options.route.port = config.mx_port;
  options.mta_sts.port = config.mta_sts_port;
  options.trusted_ca_file = config.Resolve(config.trusted_ca_file);
  for (const auto& line : config.transport) {
    auto rule = delivery::ParseTransportRule(line);
    if (!rule.ok()) return std::move(rule).error();
    options.route.transports.push_back(std::move(*rule));
  }
  options.max_connections_per_domain = config.max_connections_per_domain;
  options.connection_idle = std::chrono::seconds(config.connection_reuse_seconds);
  return options;
}

}  // namespace

Result<std::unique_ptr<dns::Resolver>> NewResolver(const Config& config) {
  dns::UnboundOptions options;
  options.forwarder = config.resolver;
  options.trust_anchor_file = config.Resolve(config.dnssec_trust_anchor);
  options.timeout = std::chrono::seconds(config.dns_timeout_seconds);
  return dns::NewUnboundResolver(options);
}

EscrowSettings EscrowSettingsOf(const Config& config) {
  EscrowSettings s;
  s.public_url = config.public_url;
  s.organisation = config.organisation;
  s.notice_from = config.notice_from;
  s.notice_shows_subject = config.notice_shows_subject;
  s.fixed_subject = config.fixed_subject;
  s.max_answer_failures = config.max_answer_failures;
  return s;
}

tlsrpt::TlsReporterSettings TlsReporterSettingsOf(const Config& config) {
  return {config.delivery_hostname, config.organisation, config.tls_report_from,
          config.Resolve(config.trusted_ca_file)};
}

bool SendsOverTheNetwork(const Config& config) {
  return !config.dev && config.delivery_mode == "smtp";
}

namespace {

// Where mail leaves: the outbox in development (and when configured), else the
// recipients' mail servers.
Result<std::unique_ptr<DeliveryTarget>> NewDeliveryTarget(const Config& config, const Clock& clock,
                                                           delivery::TlsSessionLog* tls_sessions,
                                                           MtaStsStore* sts_store) {
  if (!SendsOverTheNetwork(config)) {
    spdlog::info("outbound mail is filed in {}, not sent", config.Resolve(config.outbox));
    return NewOutboxTarget(config.Resolve(config.outbox));
  }
  auto resolver = NewResolver(config);
  if (!resolver.ok()) return std::move(resolver).error();
  auto options = SmtpOptions(config);
  if (!options.ok()) return std::move(options).error();
  options->tls_sessions = tls_sessions;
  options->sts_store = sts_store;
  auto target = delivery::SmtpTarget::Create(std::move(*options), std::move(*resolver), clock);
  if (!target.ok()) return std::move(target).error();
  return std::unique_ptr<DeliveryTarget>(std::move(*target));
}

// The probe behind TLS-only decisions: short timeouts, since a sender may be waiting.
Result<std::unique_ptr<delivery::TlsProbe>> NewTlsProbe(const Config& config,
                                                       dns::Resolver& resolver) {
  auto options = SmtpOptions(config);
  if (!options.ok()) return std::move(options).error();
  constexpr std::chrono::seconds kProbeTimeout{20};
  options->client.connect_timeout = std::min(options->client.connect_timeout, kProbeTimeout);
  options->client.greeting_timeout = std::min(options->client.greeting_timeout, kProbeTimeout);
  options->client.command_timeout = std::min(options->client.command_timeout, kProbeTimeout);
  return std::make_unique<delivery::TlsProbe>(options->route, options->client, resolver);
}

}  // namespace

TlsKnowledgeParts::TlsKnowledgeParts() = default;
TlsKnowledgeParts::TlsKnowledgeParts(TlsKnowledgeParts&&) noexcept = default;
TlsKnowledgeParts::~TlsKnowledgeParts() = default;

Result<TlsKnowledgeParts> NewTlsKnowledge(const Config& config, OrgStore& org, const Clock& clock) {
  TlsKnowledgeParts parts;
  if (!SendsOverTheNetwork(config)) {
    parts.knowledge = std::make_unique<policy::StoredTlsKnowledge>(org);
    return parts;
  }
  auto resolver = NewResolver(config);
  if (!resolver.ok()) return std::move(resolver).error();
  parts.resolver = std::move(*resolver);
  auto created = NewTlsProbe(config, *parts.resolver);
  if (!created.ok()) return std::move(created).error();
  parts.probe = std::move(*created);
  parts.knowledge = std::make_unique<policy::StoredTlsKnowledge>(
      org, clock,
      [p = parts.probe.get()](const std::string& domain,
                              policy::PlanDeadline deadline) -> Result<policy::TlsCapability> {
        auto found = p->Probe(domain, deadline);
        if (!found.ok()) return std::move(found).error();
        return policy::TlsCapability{found->starttls, found->host};
      },
      std::int64_t{3600} * config.tls_probe_ttl_hours);
  return parts;
}

namespace {

// The bearer token Prometheus must send, from metrics.token_file (its whitespace
// trimmed). Never logged.
Result<std::string> ReadMetricsToken(const Config& config) {
  if (config.metrics_token_file.empty()) return std::string();
  const std::string path = config.Resolve(config.metrics_token_file);
  auto text = admin::ReadSmallFile(path, admin::kMaxKeyFile);
  if (!text.ok()) return std::move(text).error();
  std::string token = std::move(*text);
  const auto first = token.find_first_not_of(" \t\r\n");
  const auto last = token.find_last_not_of(" \t\r\n");
  token = first == std::string::npos ? "" : token.substr(first, last - first + 1);
  if (token.size() < 16 || token.find_first_of(" \t\r\n") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "metrics.token_file " + path +
                         " must hold one token of 16 characters or more");
  }
  return token;
}

// What the queue and the backlog hold, read when Prometheus scrapes.
void CollectQueue(metrics::Registry& registry, QueueStore& queue, const Backlog& backlog,
                  const Clock& clock) {
  registry.DeclareGauge("sealpost_queue_entries",
                        "Queue entries not yet in a final state, by state.");
  registry.DeclareGauge("sealpost_queue_oldest_age_seconds",
                        "Age of the oldest queue entry in each state that is not final.");
  registry.DeclareGauge("sealpost_backlog",
                        "Work waiting, as back-pressure counts it: submissions not yet "
                        "processed, and outbound entries waiting to leave.");
  registry.OnCollect(
      {"sealpost_queue_entries", "sealpost_queue_oldest_age_seconds", "sealpost_backlog"},
      [&queue, &backlog, &clock](metrics::Registry& r) {
        const std::int64_t now = clock.NowUnix();
        for (QueueState state : {QueueState::kQueued, QueueState::kInFlight,
                                 QueueState::kDeferred, QueueState::kStandby}) {
          r.Set("sealpost_queue_entries", {{"state", QueueStateName(state)}}, 0);
          r.Set("sealpost_queue_oldest_age_seconds", {{"state", QueueStateName(state)}}, 0);
        }
        auto counts = queue.CountByState();
        if (!counts.ok()) {
          spdlog::error("metrics: queue not read: {}", counts.error().ToString());
          return;
        }
        for (const auto& c : *counts) {
          r.Set("sealpost_queue_entries", {{"state", QueueStateName(c.state)}},
                static_cast<double>(c.entries));
          r.Set("sealpost_queue_oldest_age_seconds", {{"state", QueueStateName(c.state)}},
                static_cast<double>(std::max<std::int64_t>(0, now - c.oldest_created_at)));
        }
        const auto waiting = backlog.last();
        r.Set("sealpost_backlog", {{"kind", "submissions"}},
              static_cast<double>(waiting.submissions));
        r.Set("sealpost_backlog", {{"kind", "outbound"}},
              static_cast<double>(waiting.outbound));
      });
}

}  // namespace

// On SIGTERM, what the HTTP server is reading or answering gets this long to finish: an
// API client cut off mid-answer would send its message again.
constexpr std::chrono::seconds kDrainSeconds{10};

Status Serve(const Config& config, const std::function<void(std::uint16_t)>& on_ready,
             const std::function<void(const RouteList&)>& routes_only) {
  // Signals are taken by one thread with sigwait; every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  UseLogFormat(ParseLogFormat(config.log_format).value_or(LogFormat::kText));
  SystemClock clock;
  metrics::Registry metrics;
  auto metrics_token = ReadMetricsToken(config);
  if (!metrics_token.ok()) return std::move(metrics_token).error();
  auto opened = OpenStores(config);
  if (!opened.ok()) return std::move(opened).error();
  Stores& stores = **opened;
  const KeyRing* keys = &stores.keys;
  auto& api_clients = stores.api_clients;
  auto& signing_keys = stores.signing_keys;
  auto& messages = stores.messages;
  auto& events = stores.events;
  auto& queue = stores.queue;
  auto& org = stores.org;
  auto& book_store = stores.address_books;
  auto& inbound = stores.inbound;
  // A rotation of the master key waits until every process seals with the new one.
  const KeyHolderRecord holder = ThisHolder(*keys, clock);
  if (auto held = stores.key_store->PutHolder(holder); !held.ok()) return held;
  spdlog::info(
      "sealing with master key {}{}", holder.key_id,
      keys->generation_count() > 1 ? " (rotation under way: the previous key still opens)" : "");
  struct HolderRecord {
    KeyStore& store;
    std::string name;
    ~HolderRecord() { (void)store.RemoveHolder(name); }
  } holder_record{*stores.key_store, holder.holder};
  auto signer = LoadSigningIdentity(*signing_keys, *keys);
  if (!signer.ok()) return std::move(signer).error();

  EscrowSealer sealer(*stores.blobs, *signer, keys->metadata(), clock);
  EscrowOpener opener(*stores.blobs, *signing_keys);
  // TLS sessions with recipients' servers, tallied for the domains' TLS reports.
  delivery::TlsSessionLog tls_sessions;
  tls_sessions.CountInto(&metrics);
  auto& sts_store = stores.mta_sts;
  auto target = NewDeliveryTarget(config, clock, &tls_sessions, sts_store.get());
  if (!target.ok()) return std::move(target).error();

  // A namespace's name and host for the mail its recipients get (read when it is built,
  // so a change of branding shows in the next notice).
  auto find_namespace = [&org](const std::string& name) -> std::optional<NamespaceRecord> {
    auto found = org->FindNamespace(name);
    if (!found.ok()) {
      spdlog::error("namespace {} not read: {}", name, found.error().ToString());
      return std::nullopt;
    }
    return std::move(*found);
  };
  EscrowSettings escrow_settings = EscrowSettingsOf(config);
  escrow_settings.find_namespace = find_namespace;
  escrow_settings.metrics = &metrics;
  CenterKeys center_keys(*org, *keys);
  escrow_settings.center = &center_keys;

  // The escrow service notifies the queue runner when it queues something; both live
  // until the end of this function.
  QueueRunner* runner_ptr = nullptr;
  EscrowService escrow(escrow_settings, sealer, opener, *messages, *events, *keys, clock,
                       [&runner_ptr] { if (runner_ptr) runner_ptr->Notify(); });
  QueueSettings queue_settings;
  queue_settings.max_age_seconds = std::int64_t{86400} * config.max_queue_days;
  queue_settings.first_retry_seconds = config.first_retry_seconds;
  queue_settings.max_retry_seconds = config.max_retry_seconds;
  queue_settings.max_in_flight = config.max_in_flight;
  queue_settings.hostname = config.delivery_hostname;
  queue_settings.organisation = config.organisation;
  // Recipients move on with their deliveries in the queue's own transaction.
  QueueRunner runner(queue_settings, *queue, *stores.blobs, **target, keys->queue(), clock);
  runner_ptr = &runner;
  runner.CountInto(&metrics);
  // DKIM: mail from a domain with keys (sealpost admin dkim create) leaves signed.
  dkim::DomainSigner dkim_signer(*org, keys->metadata(), clock);
  runner.SignWith(
      [&dkim_signer](std::string_view header, const std::string& body_hash) {
        return dkim_signer.SignHeader(header, body_hash);
      },
      [&dkim_signer](std::string_view header) { return dkim_signer.Covers(header); });

  // TLS reports (RFC 8460): tallies kept in the store every few seconds; each day's
  // reports queued once the day is over.
  auto& tls_reports = stores.tls_reports;
  std::unique_ptr<dns::Resolver> report_resolver;
  std::unique_ptr<tlsrpt::TlsReporter> reporter;
  std::unique_ptr<PollingWorker> report_worker;
  if (SendsOverTheNetwork(config)) {
    auto resolver = NewResolver(config);
    if (!resolver.ok()) return std::move(resolver).error();
    report_resolver = std::move(*resolver);
    reporter = std::make_unique<tlsrpt::TlsReporter>(TlsReporterSettingsOf(config), *tls_reports,
                                                       *queue, keys->queue(), *report_resolver,
                                                       clock);
    // Each node keeps its own tallies; one node at a time sends the day's reports.
    auto report_once = OnOneNode(stores, "tls-reports", [&] {
      auto sent = reporter->ReportDue();
      if (!sent.ok()) {
        spdlog::error("TLS reports not sent: {}", sent.error().ToString());
      } else if (*sent > 0) {
        spdlog::info("{} TLS report(s) queued", *sent);
        runner.Notify();
      }
      return false;
    });
    report_worker = std::make_unique<PollingWorker>(
        [&, report_once] {
          auto kept = reporter->Keep(tls_sessions);
          if (!kept.ok()) spdlog::error("TLS report tallies not kept: {}", kept.error().ToString());
          return report_once();
        },
        std::chrono::seconds(10));
  }

  // Webhooks: the outbox, filled with each event, delivered by its own worker. Names
  // are resolved by a resolver of their own (one lookup at a time), also in
  // development, where mail does not leave.
  auto webhook_resolver = NewResolver(config);
  if (!webhook_resolver.ok()) {
    spdlog::warn("webhooks: no resolver ({}): only endpoints named by address are reached",
                 webhook_resolver.error().message);
  }
  std::mutex webhook_lookup_mu;
  webhooks::AddressLookup webhook_lookup;
  if (webhook_resolver.ok()) {
    webhook_lookup = [&](const std::string& host) -> Result<std::vector<std::string>> {
      std::lock_guard lock(webhook_lookup_mu);
      auto answer = (*webhook_resolver)->Addresses(host);
      if (!answer.ok()) return std::move(answer).error();
      return std::move(answer->addresses);
    };
  }
  const bool webhooks_allow_internal = config.webhooks_allow_internal || config.dev;
  delivery::WebhookSenderSettings webhook_settings;
  webhook_settings.retry_schedule = config.webhook_retry_seconds;
  webhook_settings.max_in_flight_per_endpoint = config.webhook_max_in_flight_per_endpoint;
  webhook_settings.timeout = std::chrono::seconds(config.webhook_timeout_seconds);
  webhook_settings.allow_internal = webhooks_allow_internal;
  webhook_settings.trusted_ca_file = config.Resolve(config.trusted_ca_file);
  webhook_settings.notice_from = config.notice_from;
  webhook_settings.organisation = config.organisation;
  // A secure form that asks for it gets its answers on form.submitted, opened as each
  // delivery leaves.
  webhook_settings.content =
      [&stores, &keys](const WebhookDeliveryRecord& d) -> Result<std::optional<std::string>> {
    if (d.event_type != "form.submitted") return std::optional<std::string>();
    return forms::WithSubmittedValues(*stores.forms, keys->metadata(), d.payload);
  };
  delivery::WebhookSender webhook_sender(webhook_settings, *stores.webhooks, *queue,
                                         keys->metadata(), keys->queue(), webhook_lookup, clock,
                                         [&runner] { runner.Notify(); });
  PollingWorker webhook_worker(OnOneNode(stores, "webhooks",
                                         [&webhook_sender] {
                                           auto sent = webhook_sender.RunOnce();
                                           if (!sent.ok()) {
                                             spdlog::error("webhooks: not sent: {}",
                                                           sent.error().ToString());
                                             return false;
                                           }
                                           return *sent;
                                         }),
                               std::chrono::milliseconds(200));

  http::ServerOptions server_options;
  server_options.address = config.listen;
  server_options.port = config.port;
  server_options.cert_file = config.Resolve(config.certificate);
  server_options.key_file = config.Resolve(config.private_key);
  // One certificate for every listener, renewed for all of them by SIGHUP.
  auto tls = net::ServerTls::Load(server_options.cert_file, server_options.key_file);
  if (!tls.ok()) return std::move(tls).error();
  server_options.tls = std::move(*tls);
  Reloader reloader(config, *server_options.tls, stores.keys, *stores.key_store, clock);
  server_options.worker_threads = config.worker_threads;
  server_options.metrics = &metrics;
  server_options.max_connections = config.max_connections;
  server_options.max_connections_per_client = config.max_connections_per_client;
  server_options.max_body_memory = config.max_body_memory_bytes;
  server_options.max_waiting_work = static_cast<std::size_t>(config.max_waiting_work);
  server_options.upload_timeout = std::chrono::seconds(config.upload_seconds);
  auto server = http::Server::Create(server_options);
  if (!server.ok()) return std::move(server).error();

  // Signed-request sessions keep their HMAC keys sealed under the metadata key.
  api::Authenticator auth(*api_clients, stores.audit.get(), clock, &keys->metadata());
  api::ApiSettings api_settings;
  api_settings.max_json_bytes = config.max_json_bytes;
  api_settings.limits.max_attachment_bytes = config.max_attachment_bytes;
  api_settings.limits.max_recipients = static_cast<std::size_t>(config.max_recipients);
  policy::OrgDirectory directory(*org, keys->metadata(), clock);
  // TLS-only decisions rest on what the recipients' servers offer: probed and kept for
  // a while when mail leaves over the network; the administrator's table otherwise.
  auto tls_parts = NewTlsKnowledge(config, *org, clock);
  if (!tls_parts.ok()) return std::move(tls_parts).error();
  policy::StoredTlsKnowledge& tls_knowledge = *tls_parts->knowledge;
  policy::AddressBookDirectory books(*book_store, keys->metadata(), clock);
  policy::StoredAddressBooks book_view(*book_store);
  policy::SigningIdentities identities(*org, keys->metadata(), clock);
  auto& portal_accounts = stores.portal_accounts;
  policy::StoredPortalAccounts portal_registry(*portal_accounts);
  // Answers kept in address books and default questions: stretched once each.
  auto& answer_key_store = stores.answer_keys;
  AnswerKeys answer_keys(*answer_key_store, keys->metadata(), keys->lookup(), clock);
  // The one road every way in takes: one planner (the dev outbox is no network: TLS
  // cannot be checked there, so TLS-only is re-planned), one dispatcher.
  policy::RecipientPlanner planner(directory, books, book_view, tls_knowledge, portal_registry,
                                   config.default_expiry_days, SendsOverTheNetwork(config));
  submission::DispatchSettings dispatch_settings;
  dispatch_settings.organisation = config.organisation;
  dispatch_settings.notice_from = config.notice_from;
  dispatch_settings.webhooks_want_subjects = [&stores](const std::string& account) {
    auto wants = stores.webhooks->WantsSubjects(account);
    return wants.ok() && *wants;
  };
  submission::Dispatcher dispatcher(dispatch_settings, escrow, identities, *stores.blobs,
                                    keys->queue(), clock, &answer_keys);
  // Back-pressure: how much waits to be processed and sent, counted once a second.
  Backlog backlog(BacklogLimitsOf(config), *inbound, *queue, clock);
  backlog.Refresh();
  // Every /api/v1/ call passes the gate first: its credentials and its scope.
  // Failed API sign-ins by client address: 20 free, then growing waits, then a cap.
  GuardOptions api_guard_options;
  api_guard_options.max_per_hour = config.max_auth_failures_per_address_per_hour;
  api_guard_options.free_failures = std::min(20, api_guard_options.max_per_hour);
  FailureGuard api_failures(api_guard_options, clock);
  api::GateSettings gate_settings;
  gate_settings.rate_limit_per_minute = config.rate_limit_per_minute;
  api::ApiGate gate(gate_settings, auth, api_failures, *stores.audit, clock, **server);
  gate.Install((*server)->router());
  api::MessagesApi messages_api(api_settings, escrow, planner, dispatcher, *queue, **server,
                                &backlog);
  messages_api.Register((*server)->router());
  api::AdminApi admin_api(*api_clients, directory, books, *stores.audit, *org, *portal_accounts,
                          *keys, clock, **server);
  admin_api.ShowBacklog(backlog);
  integrations::WebhookEndpoints webhook_endpoints(
      *stores.webhooks, directory, keys->metadata(), clock,
      {webhooks_allow_internal, webhook_lookup, [&webhook_worker] { webhook_worker.Notify(); }});
  admin_api.ManageWebhooks({stores.webhooks.get(), &webhook_endpoints});
  forms::FormDirectory form_directory(*stores.forms, *org, clock);
  admin_api.ManageForms(form_directory);
  // Secure requests: a sender's one-time upload link, by the API and the console.
  forms::RequestDesk request_desk(
      *stores.forms, *queue, keys->metadata(), keys->queue(), clock,
      {config.public_url, config.organisation, config.notice_from, [&runner_ptr] {
         if (runner_ptr) runner_ptr->Notify();
       }});
  api::RequestsApi requests_api(request_desk, **server, clock);
  requests_api.Register((*server)->router());
  admin_api.Register((*server)->router());
  // OAuth 2.0: tokens for clients; the password grant checks users' passwords as SMTP
  // does, recorded as its own kind of sign-in.
  submission::UserAuthenticator oauth_users(*org, *stores.audit, clock, "auth.oauth.password");
  api::OAuthSettings oauth_settings;
  oauth_settings.access_token_seconds = std::int64_t{60} * config.access_token_minutes;
  api::OAuthApi oauth(oauth_settings, auth, *api_clients, oauth_users, directory, api_failures,
                      clock, **server);
  oauth.Register((*server)->router());
  api::SessionsApi sessions(std::int64_t{3600} * config.session_hours, *api_clients,
                            keys->metadata(), clock, **server);
  sessions.Register((*server)->router());
  api::PublicKeys public_keys(identities, **server);
  public_keys.Register((*server)->router());
  api::RegisterApiDocs((*server)->router());

  portal::PortalSettings portal_settings;
  portal_settings.organisation = config.organisation;
  portal_settings.session_idle_seconds = std::int64_t{60} * config.session_idle_minutes;
  portal_settings.guard.max_per_hour = config.max_failures_per_address_per_hour;
  portal_settings.account_guard.max_per_hour = config.max_failures_per_account_per_hour;
  portal_settings.dev_outbox = config.dev;
  portal_settings.outbox_dir = config.Resolve(config.outbox);
  // Several nodes share one portal: a session made on one opens on any other.
  if (stores.pg) portal_settings.shared_sessions = stores.portal_sessions.get();
  portal::AccountSettings account_settings;
  account_settings.public_url = config.public_url;
  account_settings.organisation = config.organisation;
  account_settings.mail_from = config.notice_from;
  account_settings.find_namespace = find_namespace;
  account_settings.metrics = &metrics;
  account_settings.audit = stores.audit.get();
  portal::PortalAccounts accounts(account_settings, *portal_accounts, *queue, *keys, clock,
                                  [&runner_ptr] { if (runner_ptr) runner_ptr->Notify(); });
  // Console sign-ins of organisation users: the same rules, in a pool of their own.
  portal::AccountSettings console_account_settings = account_settings;
  console_account_settings.audience = portal::Audience::kConsole;
  console_account_settings.find_namespace = nullptr;
  portal::PortalAccounts console_accounts(console_account_settings, *portal_accounts, *queue, *keys,
                                          clock, [&runner_ptr] {
                                            if (runner_ptr) runner_ptr->Notify();
                                          });
  // The console switches a domain to its next DKIM key once DNS publishes it: a
  // resolver of its own (one lookup at a time), so that a slow zone never holds up the
  // webhooks' lookups.
  auto dkim_resolver = NewResolver(config);
  std::mutex dkim_lookup_mu;
  auto dkim_published = [&](const DkimKeyRecord& key) -> Result<bool> {
    if (!dkim_resolver.ok()) return dkim_resolver.error();
    std::lock_guard lock(dkim_lookup_mu);
    auto record = LookUpDkimRecord(**dkim_resolver, key);
    if (!record.ok()) return std::move(record).error();
    return *record == DkimRecord::kThisKey;
  };
  // Passkeys need the console's site to have a host name (WebAuthn takes no IP address).
  std::optional<console::RelyingParty> relying_party;
  if (auto rp = console::RelyingPartyOf(config.public_url, config.organisation); rp.ok()) {
    relying_party = std::move(*rp);
  } else {
    spdlog::warn("console: passkeys are off: {}", rp.error().message);
  }
  portal::BrandBook brands(*org, config.organisation, clock, config.namespace_refresh_seconds);
  MessageCenter message_center(escrow, opener, *messages, &center_keys, clock);
  // Campaigns (issue 25): each contact's message by the one road, a step a second at
  // each campaign's pace; contacts choose what they get at /u/{token} (the portal's).
  campaigns::ContactBook contact_book(*stores.contacts, keys->metadata(), clock);
  const campaigns::Road campaign_road =
      campaigns::OneRoad(planner, dispatcher, escrow, *messages, *stores.events, &backlog);
  campaigns::Campaigns campaign_desk(*stores.campaigns, *stores.contacts, contact_book,
                                     keys->metadata(), clock,
                                     {config.public_url, config.organisation, 4}, campaign_road);
  campaigns::Automations automations(*stores.campaigns, *stores.contacts, contact_book,
                                     keys->metadata(), clock,
                                     {config.public_url, config.organisation}, campaign_road);
  campaigns::Engagement engagement(*stores.campaigns, *stores.contacts, contact_book,
                                   *stores.events, keys->metadata(), clock, config.public_url);

  portal::Portal portal(
      portal_settings, escrow, message_center, accounts, brands, planner, dispatcher, **server,
      *keys, clock,
      {&console_accounts,
       org.get(),
       stores.audit.get(),
       &directory,
       &books,
       stores.dashboard.get(),
       queue.get(),
       &identities,
       &dkim_signer,
       dkim_published,
       stores.tls_reports.get(),
       stores.api_clients.get(),
       stores.webhooks.get(),
       &webhook_endpoints,
       relying_party,
       &form_directory,
       stores.forms.get(),
       stores.blobs.get(),
       config.public_url,
       &request_desk},
      FormServicesOf(
          config, form_directory, *stores.forms, *stores.blobs, *queue,
          [&runner_ptr] {
            if (runner_ptr) runner_ptr->Notify();
          },
          request_desk),
      {&engagement, &contact_book, &campaign_desk, &automations, stores.campaigns.get()});
  portal.Register((*server)->router());

  api::CampaignsApi campaigns_api(contact_book, campaign_desk, automations, **server, *stores.audit,
                                  clock);
  campaigns_api.Register((*server)->router());
  PollingWorker campaign_worker(
      OnOneNode(stores, "campaigns",
                [&campaign_desk, &automations, &runner] {
                  auto sent = campaign_desk.Step();
                  if (!sent.ok()) {
                    spdlog::error("campaigns: a step failed: {}", sent.error().ToString());
                  } else if (*sent > 0) {
                    runner.Notify();
                  }
                  auto stepped = automations.Step();
                  if (!stepped.ok()) {
                    spdlog::error("automations: a step failed: {}", stepped.error().ToString());
                  } else if (*stepped > 0) {
                    runner.Notify();
                  }
                  // A step takes at most a batch of contacts from a segment: while messages go,
                  // the next step comes at once (the pace and a busy queue end it with nothing
                  // sent).
                  return (sent.ok() && *sent > 0) || (stepped.ok() && *stepped > 0);
                }),
      std::chrono::seconds(1));

  // SMTP submission: session → spool (group commit, the 250) → processor → queue.
  submission::ProcessorSettings processor_settings;
  processor_settings.organisation = config.organisation;
  processor_settings.notice_from = config.notice_from;
  processor_settings.limits = api_settings.limits;
  processor_settings.feedback_address = config.feedback_address;
  processor_settings.feedback = [&engagement](std::string_view report) {
    return engagement.Complaint(report);
  };
  submission::SubmissionProcessor processor(processor_settings, *inbound, *stores.blobs, escrow,
                                            planner, dispatcher, directory, keys->queue(), clock,
                                            [&runner] { runner.Notify(); });
  submission::Spool spool(*inbound, *stores.blobs, keys->queue(), clock,
                          [&processor] { processor.Notify(); }, &backlog);
  submission::UserAuthenticator smtp_auth(*org, *stores.audit, clock);
  std::unique_ptr<smtp::Server> smtp_server;
  if (config.smtp_enabled) {
    smtp::ServerOptions smtp_options;
    smtp_options.address = config.smtp_listen;
    smtp_options.starttls_port = config.smtp_submission_port;
    smtp_options.implicit_tls = config.smtp_implicit_tls_port != 0;
    smtp_options.implicit_tls_port = config.smtp_implicit_tls_port;
    smtp_options.cert_file = server_options.cert_file;
    smtp_options.key_file = server_options.key_file;
    smtp_options.tls = server_options.tls;
    smtp_options.metrics = &metrics;
    smtp_options.hostname = config.smtp_hostname;
    smtp_options.limits.max_message_bytes = config.smtp_max_message_bytes;
    smtp_options.limits.max_recipients = static_cast<std::size_t>(config.smtp_max_recipients);
    smtp_options.trusted_networks = config.smtp_trusted_networks;
    smtp_options.max_connections = static_cast<std::size_t>(config.smtp_max_connections);
    smtp_options.max_connections_per_client =
        static_cast<std::size_t>(config.smtp_max_connections_per_client);
    smtp_options.command_timeout = std::chrono::seconds(config.smtp_command_timeout_seconds);
    smtp_options.session_limit = std::chrono::seconds(config.smtp_session_limit_seconds);
    smtp_options.max_login_failures_per_hour = config.smtp_max_login_failures_per_hour;
    auto created = smtp::Server::Create(smtp_options, smtp_auth, spool);
    if (!created.ok()) return std::move(created).error();
    smtp_server = std::move(*created);
  }

  // Expired messages lose their keys, then their blobs, within a minute (issue 7; the
  // interval is [escrow] expiry_sweep_seconds).
  constexpr int kSweepBatch = 100;
  const std::int64_t keep_webhook_deliveries =
      std::int64_t{86400} * config.webhook_keep_deliveries_days;
  PollingWorker expiry_sweeper(
      OnOneNode(
          stores, "expiry-sweep",
          [&escrow, &api_clients, &clock, &stores, keep_webhook_deliveries] {
            // Portal sessions kept for every node, once they ended.
            if (auto ended = stores.portal_sessions->PruneExpired(clock.NowUnix()); !ended.ok()) {
              spdlog::error("ended portal sessions not removed: {}", ended.error().ToString());
            }
            // Expired access tokens and signed sessions are forgotten too: they open nothing.
            if (auto pruned = api_clients->PruneExpired(clock.NowUnix()); !pruned.ok()) {
              spdlog::error("expired access tokens and sessions not removed: {}",
                            pruned.error().ToString());
            }
            // The webhook delivery log keeps finished deliveries for a while.
            auto pruned = stores.webhooks->PruneFinished(clock.NowUnix() - keep_webhook_deliveries);
            if (!pruned.ok()) {
              spdlog::error("old webhook deliveries not removed: {}", pruned.error().ToString());
            }
            // Secure forms' submissions past their form's retention.
            auto kept = forms::DestroyExpiredSubmissions(*stores.forms, *stores.blobs,
                                                         clock.NowUnix(), kSweepBatch);
            if (!kept.ok()) {
              spdlog::error("expired form submissions not destroyed: {}", kept.error().ToString());
            } else if (*kept > 0) {
              spdlog::info("{} form submission(s) past their retention destroyed", *kept);
            }
            auto destroyed = escrow.DestroyExpired(kSweepBatch);
            if (!destroyed.ok()) {
              spdlog::error("expired messages not destroyed: {}", destroyed.error().ToString());
              return false;
            }
            if (*destroyed > 0) spdlog::info("{} expired message(s) destroyed", *destroyed);
            return *destroyed == kSweepBatch || (kept.ok() && *kept == kSweepBatch);
          }),
      std::chrono::seconds(config.expiry_sweep_seconds));

  // Signed requests' nonces ride in the next transaction anyone commits; when none comes
  // soon, this writes them (another node, or this one after a restart, then sees them).
  PollingWorker nonce_writer(
      [&api_clients] {
        if (auto written = api_clients->WriteNonces(); !written.ok()) {
          spdlog::error("signed requests' nonces not written: {}", written.error().ToString());
        }
        return false;
      },
      std::chrono::milliseconds(50));

  // With several nodes, the guessing guards and rate limits count what every node saw
  // (issue 23): a few times a second each node passes on its counts and takes the others'.
  std::optional<LimitExchange> limit_exchange;
  std::optional<PollingWorker> limit_worker;
  if (stores.limit_events) {
    limit_exchange.emplace(*stores.limit_events, keys->lookup(), clock);
    const portal::Portal::Limits portal_limits = portal.limits();
    limit_exchange->Add("api.address", api_failures);
    limit_exchange->Add("api.client", gate.rates());
    limit_exchange->Add("portal.client", portal_limits.by_client);
    limit_exchange->Add("portal.account", portal_limits.by_account);
    limit_exchange->Add("forms.client", portal_limits.form_clients);
    limit_exchange->Add("forms.form", portal_limits.forms);
    limit_exchange->Add("forms.scriptless", portal_limits.scriptless_forms);
    limit_worker.emplace(
        [&limit_exchange, failing = false]() mutable {
          // Said once when it starts failing and once when it works again, not ten times
          // a second: meanwhile each node counts alone.
          auto passed = limit_exchange->Pass(RateLimiter::NowMs());
          if (!passed.ok() && !failing) {
            spdlog::error("guards and rate limits not shared with the other nodes: {}",
                          passed.error().ToString());
          } else if (passed.ok() && failing) {
            spdlog::info("guards and rate limits shared with the other nodes again");
          }
          failing = !passed.ok();
          return false;
        },
        std::chrono::milliseconds(LimitExchange::kPassMs));
  }

  // The audit trail's head is sealed with a signed checkpoint once an hour when it grew.
  // Once a day, records older than the retention period go (from a signed checkpoint).
  AuditCheckpointer checkpointer(*stores.audit, *signer, clock);
  const std::int64_t retention = std::int64_t{config.audit_retention_days} * 86400;
  PollingWorker audit_checkpoints(
      OnOneNode(stores, "audit-checkpoints",
                [&checkpointer, retention] {
                  auto sealed = checkpointer.RunOnce();
                  if (!sealed.ok()) {
                    spdlog::error("audit: checkpoint not made: {}", sealed.error().ToString());
                  }
                  if (sealed.ok() && *sealed > 0)
                    spdlog::info("audit: checkpoint at record {}", *sealed);
                  auto pruned = checkpointer.PruneIfDue(retention);
                  if (!pruned.ok())
                    spdlog::error("audit: not pruned: {}", pruned.error().ToString());
                  if (pruned.ok() && *pruned > 0) {
                    spdlog::info("audit: {} record(s) past the retention period removed", *pruned);
                  }
                  return false;
                }),
      std::chrono::seconds(60));
  // Every record is copied to the organisation's log system, if it has one configured.
  std::unique_ptr<AuditForwarder> forwarder;
  if (!config.audit_forward.empty()) {
    auto opened_forwarder = AuditForwarder::Open(config.audit_forward, *stores.audit);
    if (!opened_forwarder.ok()) return std::move(opened_forwarder).error();
    forwarder = std::move(*opened_forwarder);
  }
  PollingWorker audit_forwarding(OnOneNode(stores, "audit-forwarding",
                                           [&forwarder] {
                                             if (!forwarder) return false;
                                             auto sent = forwarder->RunOnce();
                                             if (!sent.ok()) {
                                               spdlog::error("audit: records not forwarded: {}",
                                                             sent.error().ToString());
                                               return false;
                                             }
                                             return *sent > 0;
                                           }),
                                 std::chrono::seconds(1));

  // Metrics: listening before the workers start, so a port in use stops nothing midway.
  CollectQueue(metrics, *queue, backlog, clock);
  std::unique_ptr<metrics::Exporter> exporter;
  if (config.metrics_port != 0) {
    auto started = metrics::Exporter::Start(
        {config.metrics_listen, config.metrics_port, std::move(*metrics_token)}, metrics);
    if (!started.ok()) return std::move(started).error();
    exporter = std::move(*started);
    spdlog::info("metrics for Prometheus on http://{}:{}/metrics", config.metrics_listen,
                 exporter->port());
  }
  runner.Start();
  expiry_sweeper.Start();
  campaign_worker.Start();
  nonce_writer.Start();
  if (limit_worker) limit_worker->Start();
  webhook_worker.Start();
  audit_checkpoints.Start();
  audit_forwarding.Start();
  if (report_worker) report_worker->Start();
  processor.Start();
  backlog.Start();
  spool.Start();
  std::thread smtp_thread;
  if (smtp_server) {
    smtp_thread = std::thread([&] { smtp_server->Run(); });
    spdlog::info("sealpost SMTP submission on {}:{} (STARTTLS){}", config.smtp_listen,
                 smtp_server->starttls_port(),
                 smtp_server->implicit_tls_port()
                     ? fmt::format(" and {}:{} (implicit TLS)", config.smtp_listen,
                                   smtp_server->implicit_tls_port())
                     : std::string());
  }
  std::vector<ReadinessCheck> checks = {
      DatabaseReadiness(*queue, clock), BlobReadiness(*stores.blobs),
      {"queue", [&runner] { return runner.Alive(); }},
      {"submission", [&processor] { return processor.Alive(); }}};
  if (smtp_server) {
    checks.push_back({"smtp", [&] {
                        return smtp_server->Listening()
                                   ? OkStatus()
                                   : Status(MakeError(ErrorCode::kUnavailable, "not listening"));
                      }});
    checks.push_back({"spool", [&spool] { return spool.Alive(std::chrono::minutes(1)); }});
  }
  Readiness readiness(std::move(checks), clock);
  auto readyz = [&](http::Request&) -> boost::asio::awaitable<http::Response> {
    auto answered = co_await http::Offload<http::Response>(
        **server, [&]() -> Result<http::Response> { return readiness.Answer(); },
        std::chrono::seconds(5));
    co_return answered.ok() ? std::move(*answered)
                            : http::ProblemResponse(503, "Not ready", "too busy to check");
  };
  (*server)->router().Add("GET", "/readyz", readyz);
  std::thread signal_thread([&] {
    for (;;) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (sig == SIGHUP) {
        LogReload(reloader.Reload());
        continue;
      }
      spdlog::info("signal {}: shutting down; requests and messages under way have {} s to finish",
                   sig, kDrainSeconds.count());
      if (smtp_server) smtp_server->Stop(kDrainSeconds);
      (*server)->Stop(kDrainSeconds);
      return;
    }
  });
  if (routes_only) {
    routes_only((*server)->router().Routes());
  } else {
    spdlog::info("sealpost listening on https://{}:{} (public URL {})", config.listen,
                 (*server)->port(), config.public_url);
    if (on_ready) on_ready((*server)->port());
    (*server)->Run();
  }
  // Stop taking mail first (a signal already told SMTP to drain; this waits for it);
  // then the spool answers whatever is waiting, and only then the processor and the
  // queue stop.
  if (smtp_server) {
    smtp_server->Stop(kDrainSeconds);
    smtp_thread.join();
  }
  spool.Stop();
  campaign_worker.Stop();  // it makes work for the queue: before the runner stops
  backlog.Stop();
  processor.Stop();
  runner.Stop();
  expiry_sweeper.Stop();
  nonce_writer.Stop();
  if (limit_worker) limit_worker->Stop();
  webhook_worker.Stop();
  audit_checkpoints.Stop();
  audit_forwarding.Stop();
  if (report_worker) {
    report_worker->Stop();
    (void)reporter->Keep(tls_sessions);  // the last tallies, after the last deliveries
  }
  // The signal thread waits for a signal that may never come if Run() ended otherwise.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return OkStatus();
}

}  // namespace sealpost
