// What every `sealpost admin` command shares: its arguments, the context it runs in
// (the configuration and the server's stores, opened as `serve` opens them), and the way
// a command's result becomes an exit status and a message on standard error. Each noun
// (account, book, queue …) registers its commands from a file of its own (admin_*.cc).
#pragma once

#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/open_stores.h"
#include "audit/pending.h"
#include "base/clock.h"
#include "base/result.h"
#include "policy/address_books.h"
#include "policy/org_directory.h"
#include "policy/signing_identities.h"

namespace CLI { class App; }

namespace sealpost::admin {

struct AdminArgs {
  std::string config;
  std::string name, level, account, file, from, to, host, tls, role, book, question, answer;
  std::string password;  // "-": read from standard input
  std::string scope, user_id, address, key_file;
  // Shared by every command that has the option: never give one a CLI11 default_val,
  // which would change it for the others (the defaults are these initial values).
  int days = 730;
  int limit = 50;
  int wait_seconds = 30;  // keys rotate --wait
  int retire_days = 7;    // dkim activate --retire-days
  std::string state;
  std::string algorithm = "rsa", selector;
  std::string day;
  bool progress = false, off = false;
  std::vector<std::string> assignments;
  // Namespaces.
  std::string display_name, colour, support, logo_file, message_center;
  std::vector<std::string> hosts;
  std::vector<std::string> addresses;
  std::string action;  // the command, "dkim.rollover": set as it is parsed, for the audit trail
  // audit search and export: filters ("account" above is one too), paging, format.
  std::string since, until, actor, message, recipient, action_filter, result, format, output;
  std::int64_t before = 0;
  int older_than_days = 0;  // audit prune; 0: the configured retention
  std::string scopes;       // client create
  int grace_minutes = 0;    // client rotate
  std::int64_t rate_limit = 0;  // client create; 0: the configured default
  // Contacts, segments, templates and campaigns (issue 25).
  std::string list, consent, condition, reason, description;
  std::string subject, html_file, segment, template_name;
  bool phi = false, no_tracking = false;
  int per_minute = 600, per_domain = 120;
};

// Everything an admin command needs, opened from the configuration. The store pointers
// point into `stores`.
struct Context {
  Config config;
  SystemClock clock;
  std::unique_ptr<Stores> stores;
  const KeyRing* keys = nullptr;
  OrgStore* org = nullptr;
  ApiClientStore* api_clients = nullptr;
  AddressBookStore* book_store = nullptr;
  QueueStore* queue = nullptr;
  InboundStore* inbound = nullptr;  // SMTP submissions: their dead letters
  PortalAccountStore* portal_accounts = nullptr;
  std::optional<policy::AddressBookDirectory> books;
  std::optional<policy::OrgDirectory> directory;
  std::optional<policy::SigningIdentities> identities;
};

Result<std::unique_ptr<Context>> Open(const std::string& config_path);

// The message on standard error; the exit status: 2 for what the administrator can
// correct (bad input, something missing or already there), 1 for the rest.
int Fail(const Error& e);

// The audit record of an administrator's command: who ran it, what, on what.
audit::AuditRecord AdminRecord(const Context& c, const AdminArgs& args);
// Writes the running command's audit record now, in a transaction of its own: for a
// command that reads protected data out (an export) and changes nothing.
Status RecordAccessNow(Context& c);
// After a command: a failure is recorded (what changed before it was, with the change).
void RecordFailure(Context& c, audit::AuditRecord record, const Error& e);

// A command's callback: opens the context, runs `fn`, and leaves the exit status. What
// the command changes is recorded in the audit trail with the first change (in the same
// transaction); a command that changes nothing leaves no record, unless it fails.
template <typename Fn>
std::function<void()> Command(const std::shared_ptr<AdminArgs>& args, int& exit_code, Fn fn) {
  return [args, &exit_code, fn] {
    auto ctx = Open(args->config);
    if (!ctx.ok()) {
      exit_code = Fail(ctx.error());
      return;
    }
    audit::AuditRecord record = AdminRecord(**ctx, *args);
    Status s = OkStatus();
    {
      // What the command does to messages is recorded as the administrator's doing.
      audit::ActingAs acting({record.actor_kind, record.actor, "", ""});
      audit::PendingRecord pending(record);
      s = fn(**ctx, *args);
    }  // gone before a failure is recorded: it would go in with it
    if (!s.ok()) RecordFailure(**ctx, std::move(record), s.error());
    exit_code = s.ok() ? 0 : Fail(s.error());
  };
}

// Reads a whole input file, refusing one larger than `limit` before reading it.
Result<std::string> ReadSmallFile(const std::string& path, std::uintmax_t limit);
constexpr std::uintmax_t kMaxSettingsFile = 1024 * 1024;
constexpr std::uintmax_t kMaxCsvFile = 256ull * 1024 * 1024;
constexpr std::uintmax_t kMaxKeyFile = 1024 * 1024;

// An answer given as "-" is read from standard input, so it need not appear in the
// process list or the shell's history.
Result<std::string> AnswerFromStdinIfDash(const std::string& given);

// Each noun's commands, under `admin`.
using Registrar = void (*)(CLI::App* admin, const std::shared_ptr<AdminArgs>& args, int& exit_code);
void RegisterOrgCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                         int& exit_code);
void RegisterClientCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                            int& exit_code);
void RegisterFormCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args, int& exit_code);
void RegisterNamespaceCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                               int& exit_code);
void RegisterSettingsCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                              int& exit_code);
void RegisterBookCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                          int& exit_code);
void RegisterIdentityCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                              int& exit_code);
void RegisterMxCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                        int& exit_code);
void RegisterDkimCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                          int& exit_code);
void RegisterTlsReportCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                               int& exit_code);
void RegisterMessageCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                             int& exit_code);
void RegisterQueueCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                           int& exit_code);
void RegisterExplainCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                             int& exit_code);
void RegisterBackupCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                            int& exit_code);
void RegisterCheckCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                           int& exit_code);
void RegisterAuditCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                           int& exit_code);
void RegisterKeyCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args, int& exit_code);
void RegisterContactCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                             int& exit_code);
void RegisterCampaignCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                              int& exit_code);

}  // namespace sealpost::admin
