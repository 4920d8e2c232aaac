#include "app/admin.h"

#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/admin_common.h"

namespace sealpost {
namespace admin {

Result<std::string> ReadSmallFile(const std::string& path, std::uintmax_t limit) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return MakeError(ErrorCode::kNotFound, "cannot read " + path + ": " + ec.message());
  if (size > limit) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "is larger than " + std::to_string(limit / (1024 * 1024)) + " MiB", path);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::string> AnswerFromStdinIfDash(const std::string& given) {
  if (given != "-") return given;
  std::string line;
  if (!std::getline(std::cin, line)) {
    return MakeError(ErrorCode::kInvalidArgument, "expected the answer on standard input", "answer");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int Fail(const Error& e) {
  std::cerr << "sealpost admin: " << (e.field.empty() ? "" : e.field + ": ") << e.message << "\n";
  return e.code == ErrorCode::kInvalidArgument || e.code == ErrorCode::kNotFound ||
                 e.code == ErrorCode::kAlreadyExists
             ? 2
             : 1;
}

audit::AuditRecord AdminRecord(const Context& c, const AdminArgs& args) {
  audit::AuditRecord r;
  r.at = c.clock.NowUnix();
  r.actor_kind = "admin_cli";
  // The account the command ran under: what the system knows of who ran it.
  const passwd* user = ::getpwuid(::geteuid());
  r.actor = user != nullptr ? user->pw_name : std::to_string(::geteuid());
  r.action = "admin." + (args.action.empty() ? std::string("command") : args.action);
  r.subject = !args.name.empty() ? args.name : args.book;
  r.result = "ok";
  return r;
}

Status RecordAccessNow(Context& c) { return CommitPendingAudit(*c.stores); }

void RecordFailure(Context& c, audit::AuditRecord record, const Error& e) {
  record.result = "failed";
  boost::json::object details{{"error", ErrorCodeName(e.code)}, {"message", e.message}};
  record.details = boost::json::serialize(details);
  // Best effort: the failure is reported on standard error whatever happens here.
  (void)c.stores->audit->Append(std::move(record));
}

Result<std::unique_ptr<Context>> Open(const std::string& config_path) {
  auto c = std::make_unique<Context>();
  auto config = LoadConfig(config_path);
  if (!config.ok()) return std::move(config).error();
  c->config = std::move(*config);
  auto stores = OpenStores(c->config);
  if (!stores.ok()) return std::move(stores).error();
  c->stores = std::move(*stores);
  Stores& s = *c->stores;
  c->keys = &s.keys;
  c->org = s.org.get();
  c->api_clients = s.api_clients.get();
  c->book_store = s.address_books.get();
  c->queue = s.queue.get();
  c->inbound = s.inbound.get();
  c->portal_accounts = s.portal_accounts.get();
  c->books.emplace(*c->book_store, c->keys->metadata(), c->clock);
  c->directory.emplace(*c->org, c->keys->metadata(), c->clock);
  c->identities.emplace(*c->org, c->keys->metadata(), c->clock);
  return c;
}

}  // namespace admin

void RegisterAdminCommands(CLI::App& app, int& exit_code) {
  using namespace admin;
  auto args = std::make_shared<AdminArgs>();
  auto* admin = app.add_subcommand("admin", "Administer accounts, domains, users and settings");
  admin->add_option("--config", args->config, "Configuration file")->required();
  admin->require_subcommand(1);
  RegisterOrgCommands(admin, args, exit_code);
  RegisterClientCommands(admin, args, exit_code);
  RegisterFormCommands(admin, args, exit_code);
  RegisterContactCommands(admin, args, exit_code);
  RegisterCampaignCommands(admin, args, exit_code);
  RegisterNamespaceCommands(admin, args, exit_code);
  RegisterSettingsCommands(admin, args, exit_code);
  RegisterBookCommands(admin, args, exit_code);
  RegisterIdentityCommands(admin, args, exit_code);
  RegisterMxCommands(admin, args, exit_code);
  RegisterDkimCommands(admin, args, exit_code);
  RegisterTlsReportCommands(admin, args, exit_code);
  RegisterMessageCommands(admin, args, exit_code);
  RegisterQueueCommands(admin, args, exit_code);
  RegisterExplainCommands(admin, args, exit_code);
  RegisterBackupCommands(admin, args, exit_code);
  RegisterCheckCommands(admin, args, exit_code);
  RegisterKeyCommands(admin, args, exit_code);
  RegisterAuditCommands(admin, args, exit_code);
  // Each command names itself for the audit trail as it is parsed ("dkim.rollover").
  std::function<void(CLI::App*, const std::string&)> name = [&](CLI::App* app,
                                                                const std::string& path) {
    for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) {
      const std::string full = path.empty() ? sub->get_name() : path + "." + sub->get_name();
      sub->preparse_callback([args, full](std::size_t) { args->action = full; });
      name(sub, full);
    }
  };
  name(admin, "");
}

}  // namespace sealpost
