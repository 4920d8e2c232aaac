// Delivers the webhook outbox (store/stores.h, WebhookStore): each pass takes what is
// due, opens each endpoint's secrets, checks where its URL leads (no internal address
// unless allowed, and the request goes to the address checked, so a DNS answer that
// changes between check and connect changes nothing), and POSTs every delivery signed
// as Standard Webhooks specifies, a bounded number at a time per endpoint. A 2xx is
// delivered; anything else is tried again on the retry schedule, for more than a day
// by default; a delivery that runs out of it fails, and its endpoint — when nothing
// reached it since that delivery was made — is disabled and its owner told by mail.
// Thread-safety: one pass at a time (one worker thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "store/stores.h"
#include "webhooks/target.h"

namespace boost::asio::ssl {
class context;
}

namespace sealpost {
class PurposeKey;
class QueueStore;
}  // namespace sealpost

namespace sealpost::delivery {

struct WebhookSenderSettings {
  std::vector<std::int64_t> retry_schedule;  // seconds; empty: webhooks::DefaultRetrySchedule()
  int max_in_flight_per_endpoint = 4;
  int batch = 200;
  std::chrono::seconds timeout{15};
  // Loopback, private and link-local targets (for receivers on the organisation's own
  // network, and development); off by default.
  bool allow_internal = false;
  std::string trusted_ca_file;  // the CAs endpoints' certificates must chain to
  std::string notice_from;      // the envelope and From of "endpoint disabled" mail
  std::string organisation;
  // What a delivery carries beyond its stored payload, made as it leaves (a secure
  // form's answers, when the form asks for them): the body to send instead; nullopt:
  // the payload as it is. An error leaves the payload as it is, logged. Blocking.
  std::function<Result<std::optional<std::string>>(const WebhookDeliveryRecord&)> content;
};

class WebhookSender {
 public:
  WebhookSender(WebhookSenderSettings settings, WebhookStore& store, QueueStore& queue,
                const PurposeKey& metadata_key, const PurposeKey& queue_key,
                webhooks::AddressLookup lookup, const Clock& clock,
                std::function<void()> mail_queued);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Sends what is due; whether a whole batch went (there may be more).
  Result<bool> RunOnce();

 private:
  struct Target;
  Result<Target> Prepare(const WebhookEndpointRecord& endpoint) const;
  Status TellOwner(const WebhookEndpointRecord& endpoint, const std::string& reason);
  // The message's kept subject, opened; nullopt when none is kept (any more).
  std::optional<std::string> Subject(const std::string& message_id) const;

  WebhookSenderSettings settings_;
  WebhookStore& store_;
  QueueStore& queue_;
  const PurposeKey& metadata_key_;
  const PurposeKey& queue_key_;
  webhooks::AddressLookup lookup_;
  const Clock& clock_;
  std::function<void()> mail_queued_;
  std::unique_ptr<boost::asio::ssl::context> https_;
};

}  // namespace sealpost::delivery
