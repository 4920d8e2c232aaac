#include "delivery/webhook_sender.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/this_coro.hpp>
#include <map>

#include "base/text.h"
#include "crypto/key_ring.h"
#include "crypto/random.h"
#include "delivery/https_client.h"
#include "net/tls.h"
#include "queue/queue_entry.h"
#include "webhooks/events.h"
#include "webhooks/signature.h"
#include "webhooks/target.h"

namespace sealpost::delivery {
namespace asio = boost::asio;

namespace {

// Where one endpoint's deliveries go this pass, and what signs them.
struct Prepared {
  HttpsRequest request;  // without body and signature
  std::vector<std::string> secrets;
};

struct Job {
  const WebhookDeliveryRecord* delivery = nullptr;
  std::string body;
  std::int64_t at = 0;
  std::int64_t duration_ms = 0;
  Result<HttpsResponse> response = MakeError(ErrorCode::kInternal, "not sent");
};

struct EndpointRun {
  Prepared prepared;
  std::vector<Job> jobs;
  std::size_t next = 0;  // the next job a drainer takes (one thread: no lock)
};

// One of an endpoint's drainers: takes its next delivery until none is left. A plain
// function with pointers, not a capturing coroutine lambda (g++ 12).
asio::awaitable<void> Drain(asio::ssl::context* https, EndpointRun* run, const Clock* clock) {
  while (run->next < run->jobs.size()) {
    Job& job = run->jobs[run->next++];
    HttpsRequest request = run->prepared.request;
    job.at = clock->NowUnix();
    auto signature = webhooks::Sign(run->prepared.secrets, job.delivery->id, job.at, job.body);
    if (!signature.ok()) {
      job.response = std::move(signature).error();
      continue;
    }
    request.headers = {{"webhook-id", job.delivery->id},
                       {"webhook-timestamp", std::to_string(job.at)},
                       {"webhook-signature", std::move(*signature)}};
    request.body = job.body;
    const auto started = std::chrono::steady_clock::now();
    job.response = co_await HttpsExchange(co_await asio::this_coro::executor, *https, request);
    job.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  }
}

bool HeaderSafe(const std::string& s) { return s.find_first_of("\r\n<>") == std::string::npos; }

}  // namespace

struct WebhookSender::Target : Prepared {};

WebhookSender::WebhookSender(WebhookSenderSettings settings, WebhookStore& store, QueueStore& queue,
                             const PurposeKey& metadata_key, const PurposeKey& queue_key,
                             webhooks::AddressLookup lookup, const Clock& clock,
                             std::function<void()> mail_queued)
    : settings_(std::move(settings)),
      store_(store),
      queue_(queue),
      metadata_key_(metadata_key),
      queue_key_(queue_key),
      lookup_(std::move(lookup)),
      clock_(clock),
      mail_queued_(std::move(mail_queued)),
      https_(std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client)) {
  if (settings_.retry_schedule.empty()) settings_.retry_schedule = webhooks::DefaultRetrySchedule();
  settings_.max_in_flight_per_endpoint = std::max(1, settings_.max_in_flight_per_endpoint);
  net::ConfigureClientTls(*https_);
  auto trusted = net::LoadTrustedCas(*https_, settings_.trusted_ca_file);
  if (!trusted.ok()) spdlog::error("webhooks: {}", trusted.error().message);
}

WebhookSender::~WebhookSender() = default;

Result<WebhookSender::Target> WebhookSender::Prepare(const WebhookEndpointRecord& e) const {
  auto url = webhooks::ParseEndpointUrl(e.url);
  if (!url.ok()) return std::move(url).error();
  auto address = webhooks::AddressFor(*url, settings_.allow_internal, lookup_);
  if (!address.ok()) return std::move(address).error();
  auto opened = metadata_key_.Open(e.sealed_secrets, webhooks::SecretsAad(e.id));
  if (!opened.ok()) return MakeError(ErrorCode::kInternal, "the endpoint's secrets do not open");
  Target t;
  std::string_view rest = *opened;
  while (!rest.empty()) {
    auto space = rest.find(' ');
    t.secrets.emplace_back(rest.substr(0, space));
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  WipeMemory(opened->data(), opened->size());
  // The old secret signs too only while the rotation's grace period lasts.
  if (t.secrets.size() > 1 && clock_.NowUnix() >= e.previous_valid_until) t.secrets.resize(1);
  t.request.method = "POST";
  t.request.host = url->host;
  t.request.address = std::move(*address);
  t.request.port = url->port;
  t.request.target = url->target;
  t.request.content_type = "application/json";
  t.request.timeout = settings_.timeout;
  t.request.max_response_bytes = 16 * 1024;
  return t;
}

Result<bool> WebhookSender::RunOnce() {
  auto due = store_.Due(clock_.NowUnix(), settings_.batch);
  if (!due.ok()) return std::move(due).error();
  if (due->empty()) return false;
  std::map<std::string, std::vector<const WebhookDeliveryRecord*>> by_endpoint;
  for (const auto& d : *due) by_endpoint[d.endpoint_id].push_back(&d);

  std::vector<WebhookStore::Outcome> outcomes;
  std::vector<WebhookEndpointRecord> endpoints;
  endpoints.reserve(by_endpoint.size());  // `disabled` points into it
  std::map<std::string, std::unique_ptr<EndpointRun>> runs;
  auto failed_attempt = [&](const WebhookDeliveryRecord& d, std::int64_t at, int status,
                            std::string error, std::int64_t duration_ms) {
    WebhookStore::Outcome o{{d.id, at, status, std::move(error), duration_ms}, "pending", 0};
    if (auto delay = webhooks::RetryDelay(settings_.retry_schedule, d.attempts + 1)) {
      o.next_attempt_at = at + *delay;
    } else {
      o.state = "failed";
    }
    outcomes.push_back(std::move(o));
  };
  asio::io_context io;
  for (auto& [id, deliveries] : by_endpoint) {
    auto endpoint = store_.Find(id);
    if (!endpoint.ok()) return std::move(endpoint).error();
    if (!endpoint->has_value() || !(*endpoint)->enabled) continue;  // changed meanwhile
    endpoints.push_back(std::move(**endpoint));
    const WebhookEndpointRecord& e = endpoints.back();
    auto target = Prepare(e);
    if (!target.ok()) {
      for (const auto* d : deliveries) {
        failed_attempt(*d, clock_.NowUnix(), 0, target.error().message, 0);
      }
      continue;
    }
    auto run = std::make_unique<EndpointRun>();
    run->prepared = std::move(*target);
    for (const auto* d : deliveries) {
      Job job;
      job.delivery = d;
      job.body = d->payload;
      if (settings_.content) {
        auto content = settings_.content(*d);
        if (!content.ok()) {
          spdlog::error("webhooks: delivery {}: content not added: {}", d->id,
                        content.error().ToString());
        } else if (*content) {
          job.body = std::move(**content);
        }
      }
      if (e.with_subject) {
        if (auto subject = Subject(d->message_id)) {
          auto with = webhooks::WithSubject(job.body, *subject);
          if (with.ok()) job.body = std::move(*with);
        }
      }
      run->jobs.push_back(std::move(job));
    }
    const int drainers =
        std::min<int>(settings_.max_in_flight_per_endpoint, static_cast<int>(run->jobs.size()));
    for (int i = 0; i < drainers; ++i) {
      asio::co_spawn(io, Drain(https_.get(), run.get(), &clock_), asio::detached);
    }
    runs.emplace(id, std::move(run));
  }
  io.run();

  for (auto& [id, run] : runs) {
    for (auto& job : run->jobs) {
      const WebhookDeliveryRecord& d = *job.delivery;
      if (!job.response.ok()) {
        failed_attempt(d, job.at, 0, job.response.error().message, job.duration_ms);
      } else if (job.response->status < 200 || job.response->status > 299) {
        failed_attempt(d, job.at, job.response->status,
                       "HTTP " + std::to_string(job.response->status), job.duration_ms);
      } else {
        outcomes.push_back(
            {{d.id, job.at, job.response->status, "", job.duration_ms}, "delivered", 0});
      }
    }
  }

  // An endpoint is disabled when a delivery to it has failed for good and nothing
  // reached it since that delivery was made: it has been failing for the whole schedule.
  std::vector<WebhookStore::Disabling> disablings;
  std::vector<const WebhookEndpointRecord*> disabled;
  std::map<std::string, const WebhookDeliveryRecord*> by_id;
  for (const auto& d : *due) by_id[d.id] = &d;
  for (const auto& o : outcomes) {
    if (o.state != "failed") continue;
    const WebhookDeliveryRecord& d = *by_id[o.attempt.delivery_id];
    for (const auto& e : endpoints) {
      if (e.id != d.endpoint_id) continue;
      bool delivered_since = e.last_success_at && *e.last_success_at >= d.created_at;
      for (const auto& other : outcomes) {
        delivered_since |=
            other.state == "delivered" && by_id[other.attempt.delivery_id]->endpoint_id == e.id;
      }
      const bool already = std::any_of(disablings.begin(), disablings.end(),
                                       [&](const auto& x) { return x.endpoint_id == e.id; });
      if (delivered_since || already) continue;
      const std::int64_t hours = (o.attempt.at - d.created_at) / 3600;
      disablings.push_back({e.id, "every delivery failed for " + std::to_string(hours) +
                                      " hour(s); the last: " + o.attempt.error});
      disabled.push_back(&e);
    }
  }
  if (auto recorded = store_.Record(outcomes, disablings, clock_.NowUnix()); !recorded.ok()) {
    return std::move(recorded).error();
  }
  for (std::size_t i = 0; i < disabled.size(); ++i) {
    spdlog::warn("webhooks: endpoint {} of account {} disabled: {}", disabled[i]->id,
                 SanitizeForLog(disabled[i]->account, 100), disablings[i].reason);
    if (auto told = TellOwner(*disabled[i], disablings[i].reason); !told.ok()) {
      spdlog::error("webhooks: the owner of endpoint {} not told: {}", disabled[i]->id,
                    told.error().ToString());
    }
  }
  return static_cast<int>(due->size()) == settings_.batch;
}

std::optional<std::string> WebhookSender::Subject(const std::string& message_id) const {
  auto sealed = store_.SealedSubject(message_id);
  if (!sealed.ok() || sealed->empty()) return std::nullopt;
  auto opened = metadata_key_.Open(*sealed, webhooks::SubjectAad(message_id));
  if (!opened.ok()) {
    spdlog::error("webhooks: the subject of message {} does not open", message_id);
    return std::nullopt;
  }
  return std::move(*opened);
}

Status WebhookSender::TellOwner(const WebhookEndpointRecord& e, const std::string& reason) {
  if (e.notify.empty()) return OkStatus();
  if (!HeaderSafe(e.notify) || !HeaderSafe(settings_.notice_from)) {
    return MakeError(ErrorCode::kInvalidArgument, "an address a header cannot hold");
  }
  auto url = webhooks::ParseEndpointUrl(e.url);
  const std::string host = url.ok() ? url->host : "(an invalid URL)";
  const std::int64_t now = clock_.NowUnix();
  const std::string domain = settings_.notice_from.substr(settings_.notice_from.find('@') + 1);
  std::string mail;
  mail += "From: " + (settings_.organisation.empty() ? "" : "\"" + settings_.organisation + "\" ") +
          "<" + settings_.notice_from + ">\r\n";
  mail += "To: <" + e.notify + ">\r\n";
  mail += "Subject: Webhook endpoint " + e.id + " was disabled\r\n";
  mail += "Date: " + FormatRfc5322Date(now) + "\r\n";
  mail += "Message-ID: <" + NewId() + "@" + domain + ">\r\n";
  mail += "Auto-Submitted: auto-generated\r\n";
  mail += "MIME-Version: 1.0\r\n";
  mail += "Content-Type: text/plain; charset=utf-8\r\n\r\n";
  mail += "The webhook endpoint " + e.id + " of account " + e.account + " (at " + host +
          ") was disabled on " + FormatRfc3339(now) + ":\r\n" + reason +
          ".\r\n\r\nNo events are queued for it while it is disabled. When its receiver "
          "works again, enable it\r\n(PATCH /api/v1/webhooks/" +
          e.id + " with {\"enabled\": true}) and redeliver what failed\r\n(GET /api/v1/webhooks/" +
          e.id + "/deliveries?state=failed, then POST .../redeliver for each).\r\n";
  auto entry = SealQueueEntry(queue_key_, settings_.notice_from, e.notify, mail, now);
  if (!entry.ok()) return std::move(entry).error();
  if (auto queued = queue_.Record({}, {*entry}, {}); !queued.ok()) return queued;
  if (mail_queued_) mail_queued_();
  return OkStatus();
}

}  // namespace sealpost::delivery
