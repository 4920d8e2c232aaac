#include "integrations/webhook_endpoints.h"

#include <boost/json.hpp>

#include "audit/pending.h"
#include "base/secret.h"
#include "crypto/random.h"
#include "mime/address.h"
#include "policy/org_directory.h"
#include "webhooks/events.h"
#include "webhooks/signature.h"

namespace sealpost::integrations {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxDescription = 500;

json::array Types(const std::string& stored) {
  json::array out;
  for (const auto& t : webhooks::EventTypes()) {
    if (webhooks::Wants(stored, t)) out.emplace_back(t);
  }
  return out;
}

}  // namespace

Status WebhookEndpoints::Apply(const EndpointChange& change, bool creating,
                               WebhookEndpointRecord& e) const {
  if (creating && !change.url) return MakeError(ErrorCode::kInvalidArgument, "required", "url");
  if (creating && !change.events) {
    return MakeError(ErrorCode::kInvalidArgument, "a list of event types", "events");
  }
  if (change.url) {
    if (auto s =
            webhooks::CheckEndpointUrl(*change.url, settings_.allow_internal, settings_.lookup);
        !s.ok()) {
      return MakeError(ErrorCode::kInvalidArgument, s.error().message, "url");
    }
    e.url = *change.url;
  }
  if (change.events) {
    auto types = webhooks::NormaliseTypes(*change.events);
    if (!types.ok()) return std::move(types).error();
    e.event_types = std::move(*types);
  }
  if (change.with_subject) e.with_subject = *change.with_subject;
  if (change.enabled) e.enabled = *change.enabled;
  if (change.description) {
    if (change.description->size() > kMaxDescription) {
      return MakeError(ErrorCode::kInvalidArgument, "at most 500 bytes", "description");
    }
    e.description = *change.description;
  }
  if (change.notify) {
    if (!change.notify->empty() && !IsValidAddress(*change.notify)) {
      return MakeError(ErrorCode::kInvalidArgument, "an email address", "notify");
    }
    e.notify = *change.notify;
  }
  return OkStatus();
}

Result<std::pair<WebhookEndpointRecord, EndpointSecret>> WebhookEndpoints::Create(
    const std::string& account, const EndpointChange& change) {
  WebhookEndpointRecord e;
  if (auto s = Apply(change, true, e); !s.ok()) return std::move(s).error();
  e.account = account;
  if (e.account != "default") {
    auto found = directory_.Settings(OrgLevel::kAccount, e.account);
    if (!found.ok()) {
      return found.error().code == ErrorCode::kNotFound
                 ? MakeError(ErrorCode::kInvalidArgument, "no account " + e.account, "account")
                 : found.error();
    }
  }
  auto existing = store_.List(e.account);
  if (!existing.ok()) return std::move(existing).error();
  if (existing->size() >= kMaxEndpointsPerAccount) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "an account has at most 50 webhook endpoints; delete one first");
  }
  e.id = NewId();
  e.created_at = clock_.NowUnix();
  EndpointSecret secret{webhooks::NewSecret(), 0};
  auto sealed = metadata_.Seal(secret.secret, webhooks::SecretsAad(e.id));
  if (!sealed.ok()) return std::move(sealed).error();
  e.sealed_secrets = std::move(*sealed);
  audit::DetailPending(json::serialize(
      json::object{{"webhook", e.id}, {"account", e.account}, {"events", Types(e.event_types)}}));
  if (auto s = store_.Insert(e); !s.ok()) return std::move(s).error();
  return std::make_pair(std::move(e), std::move(secret));
}

Result<WebhookEndpointRecord> WebhookEndpoints::Update(const std::string& id,
                                                       const EndpointChange& change) {
  auto found = store_.Find(id);
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value()) {
    return MakeError(ErrorCode::kNotFound, "there is no such webhook endpoint");
  }
  WebhookEndpointRecord e = std::move(**found);
  if (auto s = Apply(change, false, e); !s.ok()) return std::move(s).error();
  // The names of what changed, not the values: a URL may carry a receiver's token.
  json::array changed;
  for (const auto& [name, set] : {std::pair{"url", change.url.has_value()},
                                  {"events", change.events.has_value()},
                                  {"with_subject", change.with_subject.has_value()},
                                  {"description", change.description.has_value()},
                                  {"notify", change.notify.has_value()},
                                  {"enabled", change.enabled.has_value()}}) {
    if (set) changed.emplace_back(name);
  }
  audit::DetailPending(
      json::serialize(json::object{{"webhook", e.id}, {"changed", std::move(changed)}}));
  if (auto s = store_.Update(e); !s.ok()) return std::move(s).error();
  auto now = store_.Find(e.id);
  if (!now.ok()) return std::move(now).error();
  if (!now->has_value()) {
    return MakeError(ErrorCode::kNotFound, "there is no such webhook endpoint");
  }
  return std::move(**now);
}

Status WebhookEndpoints::Delete(const std::string& id) {
  audit::DetailPending(json::serialize(json::object{{"webhook", id}}));
  return store_.Delete(id);
}

Status WebhookEndpoints::Redeliver(const std::string& endpoint_id, const std::string& delivery_id) {
  audit::DetailPending(
      json::serialize(json::object{{"webhook", endpoint_id}, {"delivery", delivery_id}}));
  auto again = store_.Redeliver(endpoint_id, delivery_id, clock_.NowUnix());
  if (again.ok() && settings_.wake) settings_.wake();
  return again;
}

Result<EndpointSecret> WebhookEndpoints::Rotate(const std::string& id, std::int64_t grace_minutes) {
  if (grace_minutes < 0 || grace_minutes > kMaxSecretGraceMinutes) {
    return MakeError(ErrorCode::kInvalidArgument, "a whole number of minutes, 0 to 10080 (a week)",
                     "grace_minutes");
  }
  auto found = store_.Find(id);
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value()) {
    return MakeError(ErrorCode::kNotFound, "there is no such webhook endpoint");
  }
  const WebhookEndpointRecord& e = **found;
  auto opened = metadata_.Open(e.sealed_secrets, webhooks::SecretsAad(e.id));
  if (!opened.ok()) return std::move(opened).error();
  std::string current = opened->substr(0, opened->find(' '));
  WipeMemory(opened->data(), opened->size());
  EndpointSecret secret{webhooks::NewSecret(), 0};
  const std::int64_t until = clock_.NowUnix() + grace_minutes * 60;
  auto sealed = metadata_.Seal(grace_minutes > 0 ? secret.secret + " " + current : secret.secret,
                               webhooks::SecretsAad(e.id));
  WipeMemory(current.data(), current.size());
  if (!sealed.ok()) return std::move(sealed).error();
  audit::DetailPending(
      json::serialize(json::object{{"webhook", e.id}, {"grace_minutes", grace_minutes}}));
  if (auto s = store_.SetSecrets(e.id, *sealed, until); !s.ok()) return std::move(s).error();
  if (grace_minutes > 0) secret.previous_valid_until = until;
  return secret;
}

}  // namespace sealpost::integrations
