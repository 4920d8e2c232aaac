// Webhook endpoints as administrators set them up: made (URL checked for where it leads,
// event types, the signing secret sealed under the metadata key and returned once),
// changed, deleted, and given a new secret with the old one signing too for a grace
// period. The one way the API and the web console manage them; each records what it
// changed on the thread's pending audit record (names and ids, never a secret or a URL's
// value: a URL may carry a receiver's token). Blocking (store, DNS): off the event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/key_ring.h"
#include "store/stores.h"
#include "webhooks/target.h"

namespace sealpost::policy {
class OrgDirectory;
}

namespace sealpost::integrations {

// Days a replaced secret keeps signing by default, and at most.
inline constexpr std::int64_t kDefaultSecretGraceMinutes = 24 * 60;
inline constexpr std::int64_t kMaxSecretGraceMinutes = 7 * 24 * 60;
// Every event is queued once for each endpoint that wants it, in the event's own
// transaction: the fan-out of one account is bounded.
inline constexpr std::size_t kMaxEndpointsPerAccount = 50;

// What an administrator sets; what is not set stays as it is (a new endpoint needs url
// and events).
struct EndpointChange {
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> events;  // event type names
  std::optional<bool> with_subject;
  std::optional<bool> enabled;
  std::optional<std::string> description;  // at most 500 bytes
  std::optional<std::string> notify;       // an address told when it is disabled; "" nobody
};

struct EndpointSecret {
  std::string secret;                     // shown once
  std::int64_t previous_valid_until = 0;  // the old one signs too until then; 0 not at all
};

class WebhookEndpoints {
 public:
  struct Settings {
    bool allow_internal = false;     // endpoints on loopback and private addresses
    webhooks::AddressLookup lookup;  // checks where a name leads; null: at delivery only
    std::function<void()> wake;      // the delivery worker, told of a delivery due now
  };
  WebhookEndpoints(WebhookStore& store, policy::OrgDirectory& directory, const PurposeKey& metadata,
                   const Clock& clock, Settings settings)
      : store_(store),
        directory_(directory),
        metadata_(metadata),
        clock_(clock),
        settings_(std::move(settings)) {}

  // A new endpoint of `account` (one that exists, or "default"), with its secret.
  // kInvalidArgument naming the field; kFailedPrecondition past kMaxEndpointsPerAccount.
  Result<std::pair<WebhookEndpointRecord, EndpointSecret>> Create(const std::string& account,
                                                                  const EndpointChange& change);
  // kNotFound for an unknown id.
  Result<WebhookEndpointRecord> Update(const std::string& id, const EndpointChange& change);
  Status Delete(const std::string& id);
  // A new secret; the old one signs too for `grace_minutes` (0 to a week).
  Result<EndpointSecret> Rotate(const std::string& id, std::int64_t grace_minutes);
  // One of the endpoint's deliveries again, now, with a fresh schedule. kNotFound when it
  // is not the endpoint's; kFailedPrecondition while it is pending.
  Status Redeliver(const std::string& endpoint_id, const std::string& delivery_id);

 private:
  Status Apply(const EndpointChange& change, bool creating, WebhookEndpointRecord& e) const;

  WebhookStore& store_;
  policy::OrgDirectory& directory_;
  const PurposeKey& metadata_;
  const Clock& clock_;
  const Settings settings_;
};

}  // namespace sealpost::integrations
