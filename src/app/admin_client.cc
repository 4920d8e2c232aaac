// `sealpost admin client …`: API clients (api/auth.h): the credentials integrations
// present, with their scopes. Create, list, rotate, revoke.
#include <CLI/CLI.hpp>
#include <iostream>

#include "api/admin_api.h"
#include "app/admin_common.h"

namespace sealpost::admin {
namespace {

std::string StateOf(const ApiClientRecord& r) {
  return r.revoked_at ? "revoked " + FormatRfc3339(*r.revoked_at) : "active";
}

}  // namespace

void RegisterClientCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                            int& exit_code) {
  auto* client = admin->add_subcommand("client", "API clients (credentials with scopes)")
                     ->require_subcommand(1);

  auto* create = client->add_subcommand("create", "Create a client; its secret is shown once");
  create->add_option("name", args->name, "what it is for (\"EHR interface\")")->required();
  create->add_option("--account", args->account, "the account it acts in")->required();
  create->add_option("--user", args->user_id, "bind it to this sender (messages scopes only)");
  create->add_option("--scopes", args->scopes,
                     "space-separated: messages:send messages:read admin audit:read campaigns "
                     "(default: messages:send messages:read)");
  create->add_option("--rate-limit", args->rate_limit,
                     "requests a minute (default: api.rate_limit_per_minute)");
  create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto scopes = api::ParseScopes(a.scopes.empty() ? "messages:send messages:read" : a.scopes);
    if (!scopes.ok()) {
      Error e = scopes.error();
      e.field = "--scopes";
      return e;
    }
    auto issued = api::CreateClientChecked(*c.directory, *c.api_clients, c.clock,
                                           {a.name, a.account, a.user_id, *scopes, a.rate_limit});
    if (!issued.ok()) {
      Error e = issued.error();
      if (e.field == "rate_limit_per_minute") e.field = "rate-limit";
      if (!e.field.empty() && e.field != "name") e.field = "--" + e.field;
      return e;
    }
    std::cout << "client " << issued->id << " created (" << api::FormatScopes(*scopes) << ")\n"
              << "credentials (shown once, keep them safe): " << issued->header_value() << "\n";
    return OkStatus();
  }));

  auto* list = client->add_subcommand("list", "List clients (never their secrets)");
  list->add_option("--account", args->account, "only this account's");
  list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto clients = c.api_clients->List(a.account);
    if (!clients.ok()) return std::move(clients).error();
    for (const auto& r : *clients) {
      std::cout << r.id << "\t" << r.name << "\t" << r.account << "\t"
                << (r.user.empty() ? "-" : r.user) << "\t" << r.scopes << "\t"
                << (r.rate_limit_per_minute ? std::to_string(*r.rate_limit_per_minute) + "/min"
                                            : "default rate")
                << "\tcreated " << FormatRfc3339(r.created_at) << "\tlast used "
                << (r.last_used_at ? FormatRfc3339(*r.last_used_at) : "never") << "\t" << StateOf(r)
                << "\n";
    }
    return OkStatus();
  }));

  auto* rotate = client->add_subcommand(
      "rotate", "Give a client a new secret (shown once); the old one stops after the grace");
  rotate->add_option("id", args->name)->required();
  rotate->add_option("--grace-minutes", args->grace_minutes,
                     "how long the old secret keeps working (0 to 10080; default 0)");
  rotate->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto issued =
        api::RotateClient(*c.api_clients, c.clock, a.name, std::int64_t{60} * a.grace_minutes);
    if (!issued.ok()) {
      Error e = issued.error();
      if (e.field == "grace") e.field = "--grace-minutes";
      return e;
    }
    std::cout << "client " << a.name << " rotated; the old secret "
              << (a.grace_minutes > 0
                      ? "works for " + std::to_string(a.grace_minutes) + " more minute(s)"
                      : "no longer works")
              << "\ncredentials (shown once, keep them safe): " << issued->header_value() << "\n";
    return OkStatus();
  }));

  auto* revoke = client->add_subcommand(
      "revoke", "Revoke a client: its credentials and access tokens stop at the next request");
  revoke->add_option("id", args->name)->required();
  revoke->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.api_clients->Revoke(a.name, c.clock.NowUnix());
    if (s.ok()) std::cout << "client " << a.name << " revoked\n";
    return s;
  }));
}

}  // namespace sealpost::admin
