// API clients in the console (issue 22, organisation administrators): the credentials
// integrations present — listed (never their secrets), made (name, account, an optional
// sender they are bound to, scopes, a rate limit), given a new secret with a grace
// period for the old one, revoked. Each by integrations/clients.h, the one way the CLI and
// the API make them too, as the administrator, with the request's audit record (which
// names the client and its scopes, never the secret). A secret is on one page, once:
// not stored, not kept by the browser (no-store), not in any log.
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include "base/secret.h"
#include "base/text.h"
#include "integrations/clients.h"
#include "portal/common.h"
#include "portal/console_pages.h"
#include "store/stores.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

Response ConsolePages::ClientsPage(int status, const Visitor& visitor, const std::string& error,
                                   const std::string& notice) {
  auto clients = services_.clients->List("");
  auto accounts = clients.ok() ? services_.org->ListAccounts()
                               : Result<std::vector<AccountRecord>>(clients.error());
  if (!accounts.ok()) {
    spdlog::error("console: API clients not read: {}", accounts.error().ToString());
    return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  return Page(status, "console_clients.tpl", "API clients", &visitor, "CLIENTS_CURRENT",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                ShowOutcome(d, error, notice);
                if (clients->empty()) d.ShowSection("NONE");
                for (const auto& c : *clients) {
                  auto* row = d.AddSectionDictionary("CLIENT");
                  row->SetValue("ID", c.id);
                  row->SetValue("NAME", c.name);
                  row->SetValue("ACCOUNT", c.account);
                  row->SetValue("USER", c.user.empty() ? "any of the account's senders" : c.user);
                  row->SetValue("SCOPES", c.scopes);
                  row->SetValue("RATE", c.rate_limit_per_minute
                                            ? std::to_string(*c.rate_limit_per_minute) + " a minute"
                                            : "the default");
                  row->SetValue("CREATED", HumanTime(c.created_at));
                  row->SetValue("USED", c.last_used_at ? HumanTime(*c.last_used_at) : "never");
                  if (c.revoked_at) {
                    row->SetValue("STATE", "revoked " + HumanTime(*c.revoked_at));
                  } else {
                    row->SetValue("STATE", "active");
                    auto* live = row->AddSectionDictionary("ACTIVE");
                    live->SetValue("ID", c.id);
                    live->SetValue("NAME", c.name);
                    live->SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                  }
                }
                AddAccountOptions(d, *accounts);
                for (auto scope :
                     {integrations::kMessagesSend, integrations::kMessagesRead,
                      integrations::kAdmin, integrations::kAuditRead, integrations::kCampaigns}) {
                  d.AddSectionDictionary("SCOPE")->SetValue(
                      "NAME", std::string(integrations::ScopeName(scope)));
                }
              });
}

awaitable<Response> ConsolePages::Clients(http::Request&, const Visitor& visitor) {
  co_return co_await MadeOffLoop([&] { return ClientsPage(200, visitor, "", ""); });
}

// A secret, shown this once (its page kept by no cache), then wiped.
Response ConsolePages::SecretPage(const Visitor& visitor, const OnceShown& shown,
                                  std::string& secret) const {
  Response r = Page(200, "console_secret.tpl", shown.heading, &visitor, shown.current,
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("HEADING", shown.heading);
                      d.SetValue("NAME", shown.name);
                      d.SetValue("WHAT", shown.what);
                      d.SetValue("SECRET", secret);
                      d.SetValue("BACK", shown.back);
                      d.SetValue("BACK_LABEL", shown.back_label);
                      if (!shown.previous.empty()) {
                        d.ShowSection("PREVIOUS");
                        d.SetValue("PREVIOUS_TEXT", shown.previous);
                      }
                    });
  r.Set("Cache-Control", "no-store");
  WipeMemory(secret.data(), secret.size());
  return r;
}

awaitable<Response> ConsolePages::CreateClient(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/clients", "Back to the API clients");
  }
  auto form = http::ParseForm(req.body);
  integrations::NewClient client;
  client.name = std::string(TrimWhitespace(Field(form, "name")));
  client.account = Field(form, "account");
  client.user = std::string(TrimWhitespace(Field(form, "user")));
  std::string scopes;
  if (form.ok()) {
    for (const auto& [key, value] : *form) {
      if (key == "scope") scopes += value + " ";
    }
  }
  std::string refused;
  auto parsed = integrations::ParseScopes(scopes);
  const std::string rate = std::string(TrimWhitespace(Field(form, "rate")));
  auto per_minute = rate.empty() ? std::optional<std::int64_t>(0)
                                 : WholeNumber(rate, integrations::kMaxRateLimitPerMinute);
  if (!parsed.ok()) {
    refused = Refusal(parsed.error());
  } else if (!per_minute) {
    refused =
        "Rate limit: a whole number of requests a minute, up to 1000000 (empty: the "
        "default).";
  } else {
    client.scopes = *parsed;
    client.rate_limit_per_minute = *per_minute;
  }
  std::optional<integrations::IssuedSecret> issued;
  Status made = OkStatus();
  if (refused.empty()) {
    if (auto busy = co_await Change(
            req, visitor, client.name,
            [&]() -> Status {
              auto created = integrations::CreateClientChecked(
                  *services_.directory, *services_.clients, ctx_.clock, client);
              if (!created.ok()) return std::move(created).error();
              issued.emplace(std::move(*created));
              return OkStatus();
            },
            &made)) {
      co_return std::move(*busy);
    }
    if (!made.ok()) refused = "The client was not made: " + Refusal(made.error());
  }
  if (!refused.empty()) {
    co_return co_await MadeOffLoop([&] {
      return ClientsPage(made.ok() ? 422 : StatusOf(made.error()), visitor, refused, "");
    });
  }
  spdlog::info("console[{}]: API client {} made", req.id, issued->id);
  std::string credentials = issued->header_value();
  WipeMemory(issued->secret.data(), issued->secret.size());
  co_return SecretPage(visitor,
                       {"API client made", client.name, "Credentials (id:secret)", "",
                        "/console/clients", "Back to the API clients", "CLIENTS_CURRENT"},
                       credentials);
}

awaitable<Response> ConsolePages::RotateClient(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/clients", "Back to the API clients");
  }
  const std::string id = req.params[0];
  auto form = http::ParseForm(req.body);
  const std::string grace_text = std::string(TrimWhitespace(Field(form, "grace")));
  auto grace = grace_text.empty()
                   ? std::optional<std::int64_t>(0)
                   : WholeNumber(grace_text, integrations::kMaxRotationGraceSeconds / 60);
  std::string refused;
  std::optional<integrations::IssuedSecret> issued;
  std::string name;
  Status rotated = OkStatus();
  if (!grace) {
    refused = "Keep the old secret working for 0 to 10080 minutes (a week).";
  } else {
    if (auto busy = co_await Change(
            req, visitor, id,
            [&]() -> Status {
              auto found = services_.clients->Find(id);
              if (!found.ok()) return std::move(found).error();
              if (!found->has_value() || (*found)->revoked_at) {
                return MakeError(ErrorCode::kNotFound, "there is no such active API client");
              }
              name = (*found)->name;
              auto made =
                  integrations::RotateClient(*services_.clients, ctx_.clock, id, *grace * 60);
              if (!made.ok()) return std::move(made).error();
              issued.emplace(std::move(*made));
              return OkStatus();
            },
            &rotated)) {
      co_return std::move(*busy);
    }
    if (!rotated.ok()) refused = "No new secret: " + Refusal(rotated.error());
  }
  if (!refused.empty()) {
    co_return co_await MadeOffLoop([&] {
      return ClientsPage(rotated.ok() ? 422 : StatusOf(rotated.error()), visitor, refused, "");
    });
  }
  const std::string previous = *grace > 0 ? "The old secret keeps working until " +
                                                HumanTime(ctx_.clock.NowUnix() + *grace * 60) + "."
                                          : "The old secret no longer works.";
  std::string credentials = issued->header_value();
  WipeMemory(issued->secret.data(), issued->secret.size());
  co_return SecretPage(visitor,
                       {"New secret", name, "Credentials (id:secret)", previous, "/console/clients",
                        "Back to the API clients", "CLIENTS_CURRENT"},
                       credentials);
}

awaitable<Response> ConsolePages::RevokeClient(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/clients", "Back to the API clients");
  }
  const std::string id = req.params[0];
  auto form = http::ParseForm(req.body);
  std::string refused;
  Status revoked = OkStatus();
  if (Field(form, "confirm") != "yes") {
    refused = "Tick “Yes, revoke it” to revoke the client.";
  } else {
    if (auto busy = co_await Change(
            req, visitor, id, [&] { return services_.clients->Revoke(id, ctx_.clock.NowUnix()); },
            &revoked)) {
      co_return std::move(*busy);
    }
    if (!revoked.ok()) refused = "The client was not revoked: " + Refusal(revoked.error());
  }
  const int status = refused.empty() ? 200 : revoked.ok() ? 422 : StatusOf(revoked.error());
  const std::string notice =
      refused.empty() ? "The client is revoked: its credentials and tokens stop working now." : "";
  co_return co_await MadeOffLoop([&] { return ClientsPage(status, visitor, refused, notice); });
}

}  // namespace sealpost::portal
