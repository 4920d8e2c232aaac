// Webhook endpoints in the console (issue 22, organisation administrators): where
// sealpost posts message events — listed with their state (on, turned off by hand or
// after failing, last success), made (URL checked for where it leads, event types, the
// account, whether the subject goes too, who is told when it fails), turned on and off,
// given a new signing secret (the old one signs too for a grace period), deleted. Each by
// integrations::WebhookEndpoints, as the API does it, with the request's audit record. A
// signing secret is on one page, once. Each endpoint's delivery log: every delivery with
// each try's answer, filtered by state, sent again on request (as the API's redeliver).
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include "base/secret.h"
#include "base/text.h"
#include "integrations/webhook_endpoints.h"
#include "portal/common.h"
#include "portal/console_pages.h"
#include "store/stores.h"
#include "webhooks/events.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

Response ConsolePages::WebhooksPage(int status, const Visitor& visitor, const std::string& error,
                                    const std::string& notice) {
  auto endpoints = services_.webhooks->List("");
  auto accounts = endpoints.ok() ? services_.org->ListAccounts()
                                 : Result<std::vector<AccountRecord>>(endpoints.error());
  if (!accounts.ok()) {
    spdlog::error("console: webhook endpoints not read: {}", accounts.error().ToString());
    return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  const std::string csrf = ctx_.FormToken("console", visitor.cookie);
  return Page(
      status, "console_webhooks.tpl", "Webhooks", &visitor, "WEBHOOKS_CURRENT",
      [&](ctemplate::TemplateDictionary& d) {
        d.SetValue("CSRF", csrf);
        ShowOutcome(d, error, notice);
        if (endpoints->empty()) d.ShowSection("NONE");
        for (const auto& e : *endpoints) {
          auto* row = d.AddSectionDictionary("ENDPOINT");
          row->SetValue("ID", e.id);
          row->SetValue("URL", e.url);
          row->SetValue("ACCOUNT", e.account);
          std::string types;
          for (const auto& t : webhooks::EventTypes()) {
            if (webhooks::Wants(e.event_types, t)) types += (types.empty() ? "" : ", ") + t;
          }
          row->SetValue("EVENTS", types);
          row->SetValue("SUBJECT", e.with_subject ? "sent" : "not sent");
          row->SetValue("DESCRIPTION", e.description);
          row->SetValue("STATE",
                        e.enabled ? "on"
                                  : "off" + (e.disabled_reason.empty() ? std::string()
                                                                       : ": " + e.disabled_reason));
          row->SetValue("SUCCESS", e.last_success_at ? HumanTime(*e.last_success_at) : "never");
          row->SetValue("CSRF", csrf);
          row->SetValue("SWITCH_TO", e.enabled ? "off" : "on");
          row->SetValue("SWITCH_WORD", e.enabled ? "Turn it off" : "Turn it on");
        }
        AddAccountOptions(d, *accounts);
        for (const auto& t : webhooks::EventTypes()) {
          d.AddSectionDictionary("EVENT")->SetValue("NAME", t);
        }
      });
}

awaitable<Response> ConsolePages::Webhooks(http::Request&, const Visitor& visitor) {
  co_return co_await MadeOffLoop([&] { return WebhooksPage(200, visitor, "", ""); });
}

awaitable<Response> ConsolePages::CreateWebhook(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/webhooks", "Back to the webhooks");
  }
  auto form = http::ParseForm(req.body);
  integrations::EndpointChange change;
  change.url = std::string(TrimWhitespace(Field(form, "url")));
  change.events.emplace();
  if (form.ok()) {
    for (const auto& [key, value] : *form) {
      if (key == "event") change.events->push_back(value);
    }
  }
  change.with_subject = Field(form, "with_subject") == "yes";
  change.description = std::string(TrimWhitespace(Field(form, "description")));
  change.notify = std::string(TrimWhitespace(Field(form, "notify")));
  const std::string account = Field(form, "account");
  std::optional<std::pair<WebhookEndpointRecord, integrations::EndpointSecret>> made;
  Status done = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, account,
          [&]() -> Status {
            auto created = services_.webhook_endpoints->Create(account, change);
            if (!created.ok()) return std::move(created).error();
            made.emplace(std::move(*created));
            return OkStatus();
          },
          &done)) {
    co_return std::move(*busy);
  }
  if (!done.ok()) {
    co_return co_await MadeOffLoop([&] {
      return WebhooksPage(StatusOf(done.error()), visitor,
                          "The webhook was not made: " + Refusal(done.error()), "");
    });
  }
  spdlog::info("console[{}]: webhook endpoint {} made", req.id, made->first.id);
  co_return SecretPage(visitor,
                       {"Webhook made", made->first.url, "Signing secret", "", "/console/webhooks",
                        "Back to the webhooks", "WEBHOOKS_CURRENT"},
                       made->second.secret);
}

awaitable<Response> ConsolePages::SwitchWebhook(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/webhooks", "Back to the webhooks");
  }
  const std::string id = req.params[0];
  auto form = http::ParseForm(req.body);
  const std::string to = Field(form, "to");
  std::string refused;
  Status switched = OkStatus();
  if (to != "on" && to != "off") {
    refused = "Turn it on or off.";
  } else {
    integrations::EndpointChange change;
    change.enabled = to == "on";
    if (auto busy = co_await Change(
            req, visitor, id,
            [&]() -> Status {
              auto updated = services_.webhook_endpoints->Update(id, change);
              return updated.ok() ? OkStatus() : Status(updated.error());
            },
            &switched)) {
      co_return std::move(*busy);
    }
    if (!switched.ok()) refused = "Nothing changed: " + Refusal(switched.error());
  }
  const int status = refused.empty() ? 200 : switched.ok() ? 422 : StatusOf(switched.error());
  const std::string notice = refused.empty() ? "The webhook is " + to + "." : "";
  co_return co_await MadeOffLoop([&] { return WebhooksPage(status, visitor, refused, notice); });
}

awaitable<Response> ConsolePages::RotateWebhook(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/webhooks", "Back to the webhooks");
  }
  const std::string id = req.params[0];
  auto form = http::ParseForm(req.body);
  auto grace =
      WholeNumber(TrimWhitespace(Field(form, "grace")), integrations::kMaxSecretGraceMinutes);
  std::optional<integrations::EndpointSecret> secret;
  Status rotated = OkStatus();
  std::string refused;
  if (!grace) {
    refused = "Keep the old secret signing for 0 to 10080 minutes (a week).";
  } else {
    if (auto busy = co_await Change(
            req, visitor, id,
            [&]() -> Status {
              auto made = services_.webhook_endpoints->Rotate(id, *grace);
              if (!made.ok()) return std::move(made).error();
              secret.emplace(std::move(*made));
              return OkStatus();
            },
            &rotated)) {
      co_return std::move(*busy);
    }
    if (!rotated.ok()) refused = "No new secret: " + Refusal(rotated.error());
  }
  if (!refused.empty()) {
    co_return co_await MadeOffLoop([&] {
      return WebhooksPage(rotated.ok() ? 422 : StatusOf(rotated.error()), visitor, refused, "");
    });
  }
  const std::string previous =
      secret->previous_valid_until > 0
          ? "The old secret signs too until " + HumanTime(secret->previous_valid_until) + "."
          : "The old secret no longer signs.";
  co_return SecretPage(visitor,
                       {"New signing secret", "the webhook " + id, "Signing secret", previous,
                        "/console/webhooks", "Back to the webhooks", "WEBHOOKS_CURRENT"},
                       secret->secret);
}

awaitable<Response> ConsolePages::DeleteWebhook(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/webhooks", "Back to the webhooks");
  }
  const std::string id = req.params[0];
  auto form = http::ParseForm(req.body);
  std::string refused;
  Status deleted = OkStatus();
  if (Field(form, "confirm") != "yes") {
    refused = "Tick “Yes, delete it” to delete the webhook.";
  } else {
    if (auto busy = co_await Change(
            req, visitor, id, [&] { return services_.webhook_endpoints->Delete(id); }, &deleted)) {
      co_return std::move(*busy);
    }
    if (!deleted.ok()) refused = "The webhook was not deleted: " + Refusal(deleted.error());
  }
  const int status = refused.empty() ? 200 : deleted.ok() ? 422 : StatusOf(deleted.error());
  const std::string notice = refused.empty() ? "The webhook was deleted." : "";
  co_return co_await MadeOffLoop([&] { return WebhooksPage(status, visitor, refused, notice); });
}

constexpr int kDeliveriesPage = 50;

Response ConsolePages::WebhookLogPage(int status, const Visitor& visitor, const std::string& id,
                                      const std::string& state, const std::string& before,
                                      const std::string& error, const std::string& notice) {
  auto endpoint = services_.webhooks->Find(id);
  if (endpoint.ok() && !endpoint->has_value()) {
    return Info(404, "No such webhook", {"It may have been deleted."}, &visitor,
                "/console/webhooks", "Back to the webhooks");
  }
  auto list = endpoint.ok() ? services_.webhooks->Deliveries(id, state, before, kDeliveriesPage + 1)
                            : Result<std::vector<WebhookDeliveryRecord>>(endpoint.error());
  std::vector<std::vector<WebhookAttemptRecord>> tries;
  Status read = list.ok() ? OkStatus() : Status(list.error());
  if (read.ok()) {
    for (const auto& d : *list) {
      auto attempts = services_.webhooks->Attempts(d.id);
      if (!attempts.ok()) {
        read = attempts.error();
        break;
      }
      tries.push_back(std::move(*attempts));
    }
  }
  if (!read.ok()) {
    spdlog::error("console: webhook deliveries not read: {}", read.error().ToString());
    return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  const bool more = static_cast<int>(list->size()) > kDeliveriesPage;
  if (more) list->pop_back();
  const WebhookEndpointRecord& e = **endpoint;
  const std::string csrf = ctx_.FormToken("console", visitor.cookie);
  return Page(status, "console_webhook_log.tpl", "Deliveries of a webhook", &visitor,
              "WEBHOOKS_CURRENT", [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("ID", e.id);
                d.SetValue("URL", e.url);
                d.SetValue("STATE", e.enabled ? "on" : "off");
                ShowOutcome(d, error, notice);
                if (state.empty()) d.ShowSection("ANY");
                for (const char* s : {"pending", "delivered", "failed"}) {
                  auto* o = d.AddSectionDictionary("STATE_OPTION");
                  o->SetValue("NAME", s);
                  if (state == s) o->ShowSection("SELECTED");
                }
                d.SetIntValue("SHOWN", static_cast<long>(list->size()));
                for (std::size_t i = 0; i < list->size(); ++i) {
                  const auto& delivery = (*list)[i];
                  auto* row = d.AddSectionDictionary("DELIVERY");
                  row->SetValue("DID", delivery.id);
                  row->SetValue("EVENT", delivery.event_type);
                  row->SetValue("MESSAGE", delivery.message_id);
                  row->SetValue("MADE", HumanTime(delivery.created_at));
                  row->SetValue("DSTATE", delivery.state);
                  row->SetIntValue("ATTEMPTS", delivery.attempts);
                  row->SetValue("LAST", delivery.attempts == 0 ? "not tried yet"
                                        : delivery.last_status != 0
                                            ? "HTTP " + std::to_string(delivery.last_status)
                                            : delivery.last_error);
                  if (!tries[i].empty()) {
                    auto* each = row->AddSectionDictionary("TRIES");
                    for (const auto& t : tries[i]) {
                      auto* li = each->AddSectionDictionary("TRY");
                      li->SetValue("AT", HumanTime(t.at));
                      li->SetValue("OUTCOME",
                                   t.status != 0 ? "HTTP " + std::to_string(t.status) : t.error);
                      li->SetIntValue("MS", static_cast<long>(t.duration_ms));
                    }
                  }
                  if (delivery.state != "pending") {
                    auto* again = row->AddSectionDictionary("AGAIN");
                    again->SetValue("CSRF", csrf);
                  }
                }
                if (more) {
                  auto* older = d.AddSectionDictionary("OLDER");
                  older->SetValue("STATE_Q", state);
                  older->SetValue("BEFORE", list->back().id);
                }
              });
}

awaitable<Response> ConsolePages::WebhookLog(http::Request& req, const Visitor& visitor) {
  auto query = http::ParseForm(req.query, 8);
  std::string state = Field(query, "state");
  if (state != "pending" && state != "delivered" && state != "failed") state.clear();
  const std::string before = Field(query, "before");
  co_return co_await MadeOffLoop([&] {
    return WebhookLogPage(200, visitor, req.params[0], state,
                          before.size() <= 64 ? before : std::string(), "", "");
  });
}

awaitable<Response> ConsolePages::RedeliverWebhook(http::Request& req, const Visitor& visitor) {
  const std::string id = req.params[0];
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/webhooks/" + id, "Back to the deliveries");
  }
  Status status = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, id,
          [&] { return services_.webhook_endpoints->Redeliver(id, req.params[1]); }, &status)) {
    co_return std::move(*busy);
  }
  if (!status.ok() && status.error().code != ErrorCode::kNotFound &&
      status.error().code != ErrorCode::kFailedPrecondition) {
    spdlog::error("console[{}]: redelivery failed: {}", req.id, status.error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  const int code = status.ok() ? 200 : StatusOf(status.error());
  const std::string error = status.ok()   ? ""
                            : code == 404 ? "There is no such delivery of this webhook."
                                          : "That delivery is waiting to be sent already.";
  co_return co_await MadeOffLoop([&] {
    return WebhookLogPage(code, visitor, id, "", "", error,
                          status.ok() ? "The delivery goes again now." : "");
  });
}

}  // namespace sealpost::portal
