// `sealpost admin account|domain|user …`: accounts, their mail domains and their users
// (senders: API keys, SMTP passwords).
#include <CLI/CLI.hpp>
#include <iostream>

#include "api/auth.h"
#include "app/admin_common.h"
#include "console/roles.h"
#include "crypto/password_hash.h"
#include "crypto/random.h"
#include "portal/accounts.h"

namespace sealpost::admin {

void RegisterOrgCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                         int& exit_code) {
  auto* account = admin->add_subcommand("account", "Accounts")->require_subcommand(1);
  auto* account_create = account->add_subcommand("create", "Create an account");
  account_create->add_option("name", args->name)->required();
  account_create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.directory->CreateAccount(a.name);
    if (s.ok()) std::cout << "account " << a.name << " created\n";
    return s;
  }));

  auto* account_delete = account->add_subcommand(
      "delete",
      "Delete an account without domains: its clients are revoked, its books and "
      "webhooks go, its messages stay until they expire");
  account_delete->add_option("name", args->name)->required();
  account_delete->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.directory->Delete(OrgLevel::kAccount, a.name);
    if (s.ok()) std::cout << "account " << a.name << " deleted\n";
    return s;
  }));

  auto* domain = admin->add_subcommand("domain", "Mail domains")->require_subcommand(1);
  auto* domain_delete =
      domain->add_subcommand("delete", "Delete a domain without users: its settings and books go");
  domain_delete->add_option("domain", args->name)->required();
  domain_delete->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.directory->Delete(OrgLevel::kDomain, a.name);
    if (s.ok()) std::cout << "domain " << a.name << " deleted\n";
    return s;
  }));
  auto* domain_create = domain->add_subcommand("create", "Create a domain in an account");
  domain_create->add_option("domain", args->name)->required();
  domain_create->add_option("--account", args->account)->required();
  domain_create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.directory->CreateDomain(a.name, a.account);
    if (s.ok()) std::cout << "domain " << a.name << " created in account " << a.account << "\n";
    return s;
  }));

  auto* account_list = account->add_subcommand("list", "List the accounts");
  account_list->callback(Command(args, exit_code, [](Context& c, AdminArgs&) -> Status {
    auto all = c.org->ListAccounts();
    if (!all.ok()) return std::move(all).error();
    for (const auto& a : *all)
      std::cout << a.name << "\tcreated " << FormatRfc3339(a.created_at) << "\n";
    return OkStatus();
  }));
  auto* domain_list = domain->add_subcommand("list", "List the mail domains");
  domain_list->add_option("--account", args->account, "only this account's");
  domain_list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto all = c.org->ListDomains(a.account);
    if (!all.ok()) return std::move(all).error();
    for (const auto& d : *all) {
      std::cout << d.name << "\t" << d.account << "\tcreated " << FormatRfc3339(d.created_at)
                << "\n";
    }
    return OkStatus();
  }));

  auto* user = admin->add_subcommand("user", "Users (senders)")->require_subcommand(1);
  auto* user_list = user->add_subcommand("list", "List the users (senders)");
  user_list->add_option("--account", args->account, "only this account's");
  user_list->add_option("--domain", args->host, "only this domain's");
  user_list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto all = c.org->ListUsers(a.account, a.host);
    if (!all.ok()) return std::move(all).error();
    for (const auto& u : *all) {
      std::cout << u.address << "\t" << u.domain << "\tSMTP login "
                << (u.smtp_password_hash.empty() ? "off" : "on") << "\tconsole "
                << (u.console_role.empty() ? "none" : u.console_role) << "\tcreated "
                << FormatRfc3339(u.created_at) << "\n";
    }
    return OkStatus();
  }));
  auto* user_create = user->add_subcommand("create", "Create a user; their domain must exist");
  user_create->add_option("address", args->name)->required();
  user_create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.directory->CreateUser(a.name);
    if (s.ok()) std::cout << "user " << a.name << " created\n";
    return s;
  }));

  auto* user_delete = user->add_subcommand(
      "delete",
      "Delete a user: SMTP login, personal books and links go, their API clients are "
      "revoked; the messages they sent stay with the account");
  user_delete->add_option("address", args->name)->required();
  user_delete->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.directory->Delete(OrgLevel::kUser, a.name);
    if (s.ok()) std::cout << "user " << a.name << " deleted\n";
    return s;
  }));

  auto* user_console = user->add_subcommand(
      "console",
      "Give the user a role in the web console (sender, auditor, domain-admin, org-admin) and "
      "mail them a link to choose their password; \"none\" takes the console away");
  user_console->add_option("address", args->name)->required();
  user_console->add_option("role", args->role)->required();
  user_console->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto role = console::ParseRole(a.role);
    if (!role) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "must be sender, auditor, domain-admin, org-admin or none", "role");
    }
    auto s = c.directory->SetConsoleRole(a.name, console::RoleName(*role));
    if (!s.ok()) return s;
    if (*role == console::Role::kNone) {
      std::cout << "console access taken from " << a.name << "\n";
      return OkStatus();
    }
    // Mailed from the server's address, like a recipient's reset link; the queue
    // delivers it (a running server picks it up at its next poll).
    portal::AccountSettings settings;
    settings.audience = portal::Audience::kConsole;
    settings.public_url = c.config.public_url;
    settings.organisation = c.config.organisation;
    settings.mail_from = c.config.notice_from;
    portal::PortalAccounts accounts(settings, *c.portal_accounts, *c.queue, *c.keys, c.clock,
                                    nullptr);
    auto invited = accounts.Invite(kConsolePool, a.name);
    if (!invited.ok()) return std::move(invited).error();
    if (!*invited) {
      std::cout << a.name << " is now " << console::RoleTitle(*role)
                << " in the console (they sign in with their password)\n";
      return OkStatus();
    }
    std::cout << a.name << " is now " << console::RoleTitle(*role)
              << " in the console; a link to choose their password was mailed to them (it "
                 "works once, for 72 hours)\n";
    return OkStatus();
  }));

  auto* user_key = user->add_subcommand("api-key", "Create an API key that sends as this user");
  user_key->add_option("address", args->name)->required();
  user_key->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto account = c.directory->AccountOfUser(a.name);
    if (!account.ok()) return std::move(account).error();
    auto key = api::CreateClient(*c.api_clients, c.clock,
                                 {"user " + a.name, *account, a.name, api::kSenderScopes});
    if (!key.ok()) return std::move(key).error();
    std::cout << "API key for " << a.name << " (shown once, keep it safe): " << key->header_value()
              << "\n";
    return OkStatus();
  }));

  auto* user_smtp = user->add_subcommand(
      "smtp-password", "Set the user's SMTP submission password (printed once), or turn it off");
  user_smtp->add_option("address", args->name)->required();
  user_smtp->add_option("--password", args->password,
                        "\"-\": read the password from standard input; default: a random one");
  user_smtp->add_flag("--off", args->off, "turn SMTP login off for this user");
  user_smtp->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    if (a.off) {
      auto s = c.org->SetSmtpPassword(a.name, "");
      if (s.ok()) std::cout << "SMTP login off for " << a.name << "\n";
      return s;
    }
    std::string password;
    if (a.password.empty()) {
      password = NewPassword();
    } else if (a.password != "-") {
      // A password in the arguments would show in the process list and shell history.
      return MakeError(ErrorCode::kInvalidArgument,
                       "give \"-\" and write the password to standard input", "--password");
    } else {
      auto read = AnswerFromStdinIfDash(a.password);
      if (!read.ok()) return std::move(read).error();
      password = std::move(*read);
    }
    if (password.size() < 12 || password.size() > 1024) {
      return MakeError(ErrorCode::kInvalidArgument, "must have 12 to 1024 characters", "password");
    }
    auto hash = HashSecret(password);
    if (!hash.ok()) return std::move(hash).error();
    auto s = c.org->SetSmtpPassword(a.name, *hash);
    if (!s.ok()) return s;
    if (a.password.empty()) {
      std::cout << "SMTP password for " << a.name << " (shown once, keep it safe): " << password
                << "\n";
    } else {
      std::cout << "SMTP password for " << a.name << " set\n";
    }
    WipeMemory(password.data(), password.size());
    return OkStatus();
  }));
}

}  // namespace sealpost::admin
