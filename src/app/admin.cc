#include "app/admin.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include "api/auth.h"
#include "policy/recipient_planner.h"
#include "app/config.h"
#include "queue/backlog.h"
#include "app/serve.h"
#include "app/signing_key.h"
#include "base/clock.h"
#include "base/text.h"
#include "crypto/key_ring.h"
#include "crypto/password_hash.h"
#include "crypto/random.h"
#include "delivery/tls_probe.h"
#include "delivery/tls_report.h"
#include "delivery/tls_reporter.h"
#include "dns/resolver.h"
#include "dkim/domain_signer.h"
#include "escrow/escrow_service.h"
#include "policy/address_books.h"
#include "policy/namespaces.h"
#include "policy/org_directory.h"
#include "policy/portal_registry.h"
#include "policy/selection.h"
#include "policy/signing_identities.h"
#include "portal/accounts.h"
#include "store/sqlite/stores.h"

namespace sealpost {
namespace {

// What `queue show` says of an entry's content.
std::string ContentState(const QueueEntry& e) {
  if (e.sealed_content.empty() && e.content_key.empty()) return "deleted";
  if (e.content_blob.empty()) return "sealed, waiting";
  return "sealed, waiting (kept once, blob " + e.content_blob + ")";
}

struct AdminArgs {
  std::string config;
  std::string name, level, account, file, from, to, host, tls, role, book, question, answer;
  std::string password;  // "-": read from standard input
  std::string scope, user_id, address, key_file;
  int days = 730;
  int limit = 50;
  std::string state;
  std::string algorithm = "rsa", selector;
  std::string day;
  bool progress = false, off = false;
  std::vector<std::string> assignments;
  // Namespaces.
  std::string display_name, colour, support, logo_file, message_center;
  std::vector<std::string> hosts;
  std::vector<std::string> addresses;
};

// Key files are named by their address; the few characters an address may hold that a
// file name may not ('/') or that would be ambiguous ('%') are percent-encoded.
std::string AddressToFileName(const std::string& address) {
  std::string out;
  for (char ch : address) {
    if (ch == '/') out += "%2F";
    else if (ch == '%') out += "%25";
    else out.push_back(ch);
  }
  return out;
}

std::string FileNameToAddress(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name.compare(i, 3, "%2F") == 0 || name.compare(i, 3, "%2f") == 0) {
      out.push_back('/');
      i += 2;
    } else if (name.compare(i, 3, "%25") == 0) {
      out.push_back('%');
      i += 2;
    } else {
      out.push_back(name[i]);
    }
  }
  return out;
}

// Reads a whole input file, refusing one larger than `limit` before reading it.
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

constexpr std::uintmax_t kMaxSettingsFile = 1024 * 1024;
constexpr std::uintmax_t kMaxCsvFile = 256ull * 1024 * 1024;
constexpr std::uintmax_t kMaxKeyFile = 1024 * 1024;

// An answer given as "-" is read from standard input, so it need not appear in the
// process list or the shell's history.
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

// Everything an admin command needs, opened from the configuration.
struct Context {
  Config config;
  SystemClock clock;
  std::optional<KeyRing> keys;
  std::unique_ptr<sqlite::Database> db;
  std::unique_ptr<OrgStore> org;
  std::unique_ptr<ApiKeyStore> api_keys;
  std::unique_ptr<AddressBookStore> book_store;
  std::unique_ptr<QueueStore> queue;
  std::unique_ptr<InboundStore> inbound;  // SMTP submissions: their dead letters
  std::unique_ptr<PortalAccountStore> portal_accounts;
  std::optional<policy::AddressBookDirectory> books;
  std::optional<policy::OrgDirectory> directory;
  std::optional<policy::SigningIdentities> identities;
};

Result<std::unique_ptr<Context>> Open(const std::string& config_path) {
  auto c = std::make_unique<Context>();
  auto config = LoadConfig(config_path);
  if (!config.ok()) return std::move(config).error();
  c->config = std::move(*config);
  auto master = LoadMasterKeyFile(c->config.Resolve(c->config.master_key));
  if (!master.ok()) return std::move(master).error();
  auto keys = KeyRing::Derive(*master);
  if (!keys.ok()) return std::move(keys).error();
  c->keys.emplace(std::move(*keys));
  auto db = sqlite::Database::Open(c->config.Resolve(c->config.database));
  if (!db.ok()) return std::move(db).error();
  c->db = std::move(*db);
  c->org = sqlite::NewOrgStore(*c->db);
  c->api_keys = sqlite::NewApiKeyStore(*c->db);
  c->book_store = sqlite::NewAddressBookStore(*c->db);
  c->queue = sqlite::NewQueueStore(*c->db);
  c->inbound = sqlite::NewInboundStore(*c->db);
  c->portal_accounts = sqlite::NewPortalAccountStore(*c->db);
  c->books.emplace(*c->book_store, c->keys->metadata(), c->clock);
  c->directory.emplace(*c->org, c->keys->metadata(), c->clock);
  c->identities.emplace(*c->org, c->keys->metadata(), c->clock);
  return c;
}

// The escrow service over the server's stores, for commands on messages: what the
// API's sender controls do, for any account's message.
struct Escrow {
  std::unique_ptr<SigningKeyStore> signing_keys;
  std::unique_ptr<MessageStore> messages;
  std::unique_ptr<EventStore> events;
  std::unique_ptr<BlobStore> blobs;
  SigningIdentity signer;
  std::optional<EscrowSealer> sealer;
  std::optional<EscrowOpener> opener;
  std::optional<EscrowService> service;
  std::string account;  // the message's
};

Result<std::unique_ptr<Escrow>> OpenEscrow(Context& c, const std::string& message_id) {
  auto e = std::make_unique<Escrow>();
  e->signing_keys = sqlite::NewSigningKeyStore(*c.db);
  e->messages = sqlite::NewMessageStore(*c.db);
  e->events = sqlite::NewEventStore(*c.db);
  auto blobs = NewFileBlobStore(c.config.Resolve(c.config.blobs));
  if (!blobs.ok()) return std::move(blobs).error();
  e->blobs = std::move(*blobs);
  auto signer = LoadSigningIdentity(*e->signing_keys, *c.keys);
  if (!signer.ok()) return std::move(signer).error();
  e->signer = std::move(*signer);
  e->sealer.emplace(*e->blobs, e->signer, c.keys->metadata(), c.clock);
  e->opener.emplace(*e->blobs, *e->signing_keys);
  e->service.emplace(EscrowSettingsOf(c.config), *e->sealer, *e->opener, *e->messages, *e->events, *c.keys,
                     c.clock, [] {});
  auto message = e->messages->Find(message_id);
  if (!message.ok()) return std::move(message).error();
  if (!message->has_value()) return MakeError(ErrorCode::kNotFound, "no message " + message_id);
  e->account = (*message)->account;
  return e;
}

template <typename Fn>
std::function<void()> Command(const std::shared_ptr<AdminArgs>& args, int& exit_code, Fn fn) {
  return [args, &exit_code, fn] {
    auto ctx = Open(args->config);
    if (!ctx.ok()) {
      exit_code = Fail(ctx.error());
      return;
    }
    Status s = fn(**ctx, *args);
    exit_code = s.ok() ? 0 : Fail(s.error());
  };
}

}  // namespace

void RegisterAdminCommands(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<AdminArgs>();
  auto* admin = app.add_subcommand("admin", "Administer accounts, domains, users and settings");
  admin->add_option("--config", args->config, "Configuration file")->required();
  admin->require_subcommand(1);

  auto* account = admin->add_subcommand("account", "Accounts")->require_subcommand(1);
  auto* account_create = account->add_subcommand("create", "Create an account");
  account_create->add_option("name", args->name)->required();
  account_create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.directory->CreateAccount(a.name);
    if (s.ok()) std::cout << "account " << a.name << " created\n";
    return s;
  }));

  auto* ns = admin->add_subcommand("namespace", "Namespaces: separate, branded pools of portal accounts")
                 ->require_subcommand(1);
  // The same branding options for create and set; set changes only those given.
  struct BrandOptions {
    CLI::Option *display_name, *colour, *support, *host, *logo, *message_center;
  };
  auto brand_options = [&args](CLI::App* cmd) {
    return BrandOptions{
        cmd->add_option("--display-name", args->display_name, "shown in notices and on its portal"),
        cmd->add_option("--colour", args->colour, "accent colour #rrggbb (white text must be readable on it)"),
        cmd->add_option("--support", args->support, "how recipients reach help, e.g. an address and a phone number"),
        cmd->add_option("--host", args->hosts, "a host name its portal answers on (repeat for more)"),
        cmd->add_option("--logo", args->logo_file, "a PNG or SVG file, at most 256 KiB"),
        cmd->add_option("--message-center", args->message_center, "on or off (default off)")
            ->check(CLI::IsMember({"on", "off"}))};
  };
  auto apply_brand = [](const BrandOptions& o, AdminArgs& a, NamespaceRecord& n) -> Status {
    if (o.display_name->count()) n.display_name = a.display_name;
    if (o.colour->count()) n.colour = a.colour;
    if (o.support->count()) n.support_contact = a.support;
    if (o.host->count()) n.hosts = a.hosts;
    if (o.message_center->count()) n.message_center = a.message_center == "on";
    if (o.logo->count()) {
      if (a.logo_file.empty()) {
        n.logo.clear();  // --logo "": no logo
      } else {
        auto logo = ReadSmallFile(a.logo_file, 1024 * 1024);
        if (!logo.ok()) return std::move(logo).error();
        n.logo = std::move(*logo);
      }
    }
    auto checked = policy::CheckNamespace(n);
    if (!checked.ok() && checked.error().field == "logo") {
      return MakeError(ErrorCode::kInvalidArgument, checked.error().message, a.logo_file);
    }
    return checked;
  };
  auto* ns_create = ns->add_subcommand("create", "Create a namespace");
  ns_create->add_option("name", args->name)->required();
  const BrandOptions create_options = brand_options(ns_create);
  create_options.display_name->required();
  ns_create->callback(Command(args, exit_code, [create_options, apply_brand](Context& c, AdminArgs& a) -> Status {
    NamespaceRecord n;
    n.name = a.name;
    n.colour = "#0b5394";
    n.created_at = c.clock.NowUnix();
    auto checked = apply_brand(create_options, a, n);
    if (!checked.ok()) return checked;
    auto s = c.org->CreateNamespace(n);
    if (s.ok()) std::cout << "namespace " << n.name << " created (" << n.display_name << ")\n";
    if (s.ok() && n.message_center) {
      std::cout << "message center: on. " << policy::kMessageCenterTradeoff << "\n";
    }
    return s;
  }));
  auto* ns_set = ns->add_subcommand("set", "Change a namespace's branding, host names or mode");
  ns_set->add_option("name", args->name)->required();
  const BrandOptions set_options = brand_options(ns_set);
  ns_set->callback(Command(args, exit_code, [set_options, apply_brand](Context& c, AdminArgs& a) -> Status {
    auto found = c.org->FindNamespace(a.name);
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value()) return MakeError(ErrorCode::kNotFound, "no namespace " + a.name);
    NamespaceRecord n = std::move(**found);
    const bool center_before = n.message_center;
    auto checked = apply_brand(set_options, a, n);
    if (!checked.ok()) return checked;
    auto s = c.org->UpdateNamespace(n);
    if (s.ok()) std::cout << "namespace " << n.name << " changed\n";
    if (s.ok() && center_before != n.message_center) {
      std::cout << "message center: " << (n.message_center ? "on" : "off") << ". "
                << policy::kMessageCenterTradeoff << "\n";
    }
    return s;
  }));
  auto* ns_show = ns->add_subcommand("show", "Show a namespace");
  ns_show->add_option("name", args->name)->required();
  ns_show->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto found = c.org->FindNamespace(a.name);
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value()) return MakeError(ErrorCode::kNotFound, "no namespace " + a.name);
    const NamespaceRecord& n = **found;
    std::cout << "name: " << n.name << "\ndisplay name: " << n.display_name << "\ncolour: " << n.colour
              << "\nsupport: " << n.support_contact << "\nhosts:";
    for (const auto& h : n.hosts) std::cout << " " << h;
    std::cout << "\nlogo: "
              << (n.logo.empty() ? "none"
                                 : n.logo_type + ", " + std::to_string(n.logo.size()) + " bytes")
              << "\nmessage center: " << (n.message_center ? "on" : "off") << "\n"
              << policy::kMessageCenterTradeoff << "\n";
    return OkStatus();
  }));
  auto* ns_import = ns->add_subcommand(
      "import-accounts", "Copy portal accounts from the shared pool into a namespace");
  ns_import->add_option("name", args->name)->required();
  ns_import->add_option("--address", args->addresses,
                        "an account's address (repeat; default: all)");
  ns_import->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto found = c.org->FindNamespace(a.name);
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value()) return MakeError(ErrorCode::kNotFound, "no namespace " + a.name);
    auto done =
        portal::ImportSharedAccounts(*c.portal_accounts, *c.keys, c.clock, a.name, a.addresses);
    if (!done.ok()) return std::move(done).error();
    for (const auto& address : done->imported) std::cout << "imported " << address << "\n";
    for (const auto& [address, why] : done->skipped) {
      std::cout << "skipped " << address << ": " << why << "\n";
    }
    std::cout << done->imported.size() << " imported, " << done->skipped.size() << " skipped\n";
    return OkStatus();
  }));
  auto* ns_list = ns->add_subcommand("list", "List namespaces");
  ns_list->callback(Command(args, exit_code, [](Context& c, AdminArgs&) -> Status {
    auto all = c.org->ListNamespaces();
    if (!all.ok()) return std::move(all).error();
    for (const auto& n : *all) std::cout << n.name << "\t" << n.display_name << "\n";
    return OkStatus();
  }));

  auto* domain = admin->add_subcommand("domain", "Mail domains")->require_subcommand(1);
  auto* domain_create = domain->add_subcommand("create", "Create a domain in an account");
  domain_create->add_option("domain", args->name)->required();
  domain_create->add_option("--account", args->account)->required();
  domain_create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.directory->CreateDomain(a.name, a.account);
    if (s.ok()) std::cout << "domain " << a.name << " created in account " << a.account << "\n";
    return s;
  }));

  auto* user = admin->add_subcommand("user", "Users (senders)")->require_subcommand(1);
  auto* user_create = user->add_subcommand("create", "Create a user; their domain must exist");
  user_create->add_option("address", args->name)->required();
  user_create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.directory->CreateUser(a.name);
    if (s.ok()) std::cout << "user " << a.name << " created\n";
    return s;
  }));

  auto* user_key = user->add_subcommand("api-key", "Create an API key that sends as this user");
  user_key->add_option("address", args->name)->required();
  user_key->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto account = c.directory->AccountOfUser(a.name);
    if (!account.ok()) return std::move(account).error();
    auto key = api::CreateApiKey(*c.api_keys, c.clock, "user " + a.name, *account, a.name);
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

  auto* settings = admin->add_subcommand("settings", "Settings at any level")->require_subcommand(1);
  auto* set = settings->add_subcommand("set", "Set settings: name=value ... (name= unsets)");
  set->add_option("level", args->level, "account, domain or user")->required();
  set->add_option("name", args->name)->required();
  set->add_option("assignments", args->assignments)->required();
  set->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto level = policy::ParseOrgLevel(a.level);
    if (!level.ok()) return std::move(level).error();
    for (auto& assignment : a.assignments) {
      // default_question=Question?|- takes the answer from standard input.
      if (assignment.rfind("default_question=", 0) == 0 && assignment.size() > 2 &&
          assignment.compare(assignment.size() - 2, 2, "|-") == 0) {
        auto answer = AnswerFromStdinIfDash("-");
        if (!answer.ok()) return std::move(answer).error();
        assignment = assignment.substr(0, assignment.size() - 1) + *answer;
      }
    }
    auto s = c.directory->Set(*level, a.name, a.assignments);
    if (s.ok()) std::cout << a.level << " " << a.name << ": " << a.assignments.size() << " setting(s) changed\n";
    return s;
  }));
  auto* import = settings->add_subcommand("import", "Replace a level's settings with a JSON file");
  import->add_option("level", args->level)->required();
  import->add_option("name", args->name)->required();
  import->add_option("file", args->file)->required();
  import->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto level = policy::ParseOrgLevel(a.level);
    if (!level.ok()) return std::move(level).error();
    auto text = ReadSmallFile(a.file, kMaxSettingsFile);
    if (!text.ok()) return std::move(text).error();
    auto s = c.directory->Replace(*level, a.name, *text);
    if (!s.ok()) {
      Error e = std::move(s).error();
      e.field = a.file + (e.field.empty() ? "" : ": " + e.field);
      return e;
    }
    std::cout << a.level << " " << a.name << ": settings replaced from " << a.file << "\n";
    return OkStatus();
  }));
  auto* show = settings->add_subcommand("show", "Show a level's own settings (JSON)");
  show->add_option("level", args->level)->required();
  show->add_option("name", args->name)->required();
  show->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto level = policy::ParseOrgLevel(a.level);
    if (!level.ok()) return std::move(level).error();
    auto layer = c.directory->Settings(*level, a.name);
    if (!layer.ok()) return std::move(layer).error();
    std::cout << policy::SettingsForDisplay(*layer) << "\n";
    return OkStatus();
  }));

  auto* book = admin->add_subcommand("book", "Address books (named level:owner:name)")
                   ->require_subcommand(1);
  auto* book_create = book->add_subcommand("create", "Create an address book");
  book_create->add_option("book", args->book, "e.g. user:dr@clinic.example:personal")->required();
  book_create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto s = c.books->CreateBook(*ref);
    if (s.ok()) std::cout << "address book " << a.book << " created\n";
    return s;
  }));
  auto* book_link = book->add_subcommand("link", "Give a user a book as default, subscribed or preferred");
  book_link->add_option("user", args->name)->required();
  book_link->add_option("book", args->book)->required();
  book_link->add_option("--role", args->role, "default, subscribed or preferred")->required();
  book_link->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto s = c.books->Link(a.name, *ref, a.role);
    if (s.ok()) std::cout << a.name << ": " << a.book << " is a " << a.role << " book\n";
    return s;
  }));
  auto* book_import = book->add_subcommand(
      "import-questions", "Import questions and answers from CSV (address,question,answer)");
  book_import->add_option("book", args->book)->required();
  book_import->add_option("file", args->file)->required();
  book_import->add_flag("--progress", args->progress, "Show progress even when not on a terminal");
  book_import->callback([args, &exit_code] {
    auto ctx = Open(args->config);
    if (!ctx.ok()) {
      exit_code = Fail(ctx.error());
      return;
    }
    auto ref = policy::ParseBookRef(args->book);
    if (!ref.ok()) {
      exit_code = Fail(ref.error());
      return;
    }
    auto text = ReadSmallFile(args->file, kMaxCsvFile);
    if (!text.ok()) {
      exit_code = Fail(text.error());
      return;
    }
    const bool bar = args->progress || ::isatty(2);
    auto report = (*ctx)->books->ImportQuestionsCsv(
        *ref, *text, [bar](std::size_t done, std::size_t total) {
          if (!bar || total < 1000) return;
          const int width = 30;
          const int filled = static_cast<int>(width * done / total);
          std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ')
                    << "] " << done << "/" << total << " rows" << (done == total ? "\n" : "")
                    << std::flush;
        });
    if (!report.ok()) {
      exit_code = Fail(report.error());
      return;
    }
    for (const auto& p : report->problems) {
      std::cerr << args->file << ":" << p.line << ": " << p.reason << "\n";
    }
    std::cout << "imported " << report->imported << " entr" << (report->imported == 1 ? "y" : "ies")
              << " into " << args->book << "; " << report->problems.size() << " row"
              << (report->problems.size() == 1 ? "" : "s") << " refused\n";
    exit_code = report->problems.empty() ? 0 : 2;
  });

  auto* book_list = book->add_subcommand("list", "List a book's entries (no answers)");
  book_list->add_option("book", args->book)->required();
  book_list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto entries = c.books->List(*ref);
    if (!entries.ok()) return std::move(entries).error();
    for (const auto& e : *entries) std::cout << e.address << "\t" << e.kind << "\n";
    return OkStatus();
  }));
  auto* book_add = book->add_subcommand("add-question", "Add or replace one entry's question and answer");
  book_add->add_option("book", args->book)->required();
  book_add->add_option("address", args->name)->required();
  book_add->add_option("--question", args->question)->required();
  book_add->add_option("--answer", args->answer, "the answer, or - to read it from standard input")
      ->required();
  book_add->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto answer = AnswerFromStdinIfDash(a.answer);
    if (!answer.ok()) return std::move(answer).error();
    auto s = c.books->AddQuestion(*ref, a.name, {a.question, *answer});
    if (!s.ok()) return s;
    std::cout << a.book << ": " << a.name << " saved\n";
    return OkStatus();
  }));
  auto* book_key = book->add_subcommand(
      "add-key", "Add or replace an entry's OpenPGP public key or S/MIME certificate (armored, PEM or binary)");
  book_key->add_option("book", args->book)->required();
  book_key->add_option("address", args->name)->required();
  book_key->add_option("file", args->file, "the key or certificate file")->required();
  book_key->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto data = ReadSmallFile(a.file, kMaxKeyFile);
    if (!data.ok()) return std::move(data).error();
    auto added = c.books->AddKey(*ref, a.name, *data);
    if (!added.ok()) {
      Error e = std::move(added).error();
      // "key.asc: is revoked" reads better than a field name the user never typed.
      if (e.code == ErrorCode::kInvalidArgument && e.field != "address") e.field = a.file;
      return e;
    }
    std::cout << a.book << ": " << a.name << ": " << *added << "\n";
    return OkStatus();
  }));
  auto* book_keys_in = book->add_subcommand(
      "import-keys", "Import keys and certificates from a folder of files named <address>.asc, "
                     ".gpg, .pgp, .pem, .crt, .cer or .der");
  book_keys_in->add_option("book", args->book)->required();
  book_keys_in->add_option("folder", args->file)->required();
  book_keys_in->callback([args, &exit_code] {
    auto ctx = Open(args->config);
    if (!ctx.ok()) {
      exit_code = Fail(ctx.error());
      return;
    }
    auto ref = policy::ParseBookRef(args->book);
    if (!ref.ok()) {
      exit_code = Fail(ref.error());
      return;
    }
    // Each file names its recipient: "pat@example.net.asc" is Pat's key.
    std::vector<std::string> paths;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(args->file, ec)) {
      if (entry.is_regular_file()) paths.push_back(entry.path().string());
    }
    if (ec) {
      exit_code = Fail(MakeError(ErrorCode::kNotFound, "cannot read the folder " + args->file));
      return;
    }
    std::sort(paths.begin(), paths.end());
    static const std::set<std::string> kExtensions = {".asc", ".gpg", ".pgp", ".pem", ".crt", ".cer", ".der"};
    std::vector<std::pair<std::string, std::string>> keys;
    std::vector<std::string> sources;
    std::size_t skipped = 0;
    for (const auto& path : paths) {
      std::filesystem::path p(path);
      if (!kExtensions.count(AsciiLower(p.extension().string()))) {
        std::cerr << path << ": skipped: not named <address>.asc, .gpg, .pgp, .pem, .crt, .cer or .der\n";
        ++skipped;
        continue;
      }
      auto data = ReadSmallFile(path, kMaxKeyFile);
      if (!data.ok()) {
        std::cerr << path << ": " << data.error().message << "\n";
        ++skipped;
        continue;
      }
      keys.emplace_back(FileNameToAddress(p.stem().string()), std::move(*data));
      sources.push_back(path);
    }
    auto report = (*ctx)->books->ImportKeys(*ref, keys);
    if (!report.ok()) {
      exit_code = Fail(report.error());
      return;
    }
    for (const auto& problem : report->problems) {
      std::cerr << sources[problem.line - 1] << ": " << problem.reason << "\n";
    }
    const std::size_t refused = report->problems.size() + skipped;
    std::cout << "imported " << report->imported << " key" << (report->imported == 1 ? "" : "s")
              << " into " << args->book << "; " << refused << " file" << (refused == 1 ? "" : "s")
              << " refused\n";
    exit_code = refused == 0 ? 0 : 2;
  });
  auto* book_keys_out = book->add_subcommand(
      "export-keys", "Write a book's keys and certificates to a new folder, one <address>.asc or .pem each");
  book_keys_out->add_option("book", args->book)->required();
  book_keys_out->add_option("folder", args->file)->required();
  book_keys_out->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto keys = c.books->ExportKeys(*ref);
    if (!keys.ok()) return std::move(keys).error();
    std::error_code ec;
    if (!std::filesystem::create_directory(a.file, ec)) {
      return MakeError(ErrorCode::kAlreadyExists, "cannot create the folder " + a.file + " (it may exist)");
    }
    for (const auto& k : *keys) {
      const std::string path = a.file + "/" + AddressToFileName(k.address) +
                               (k.kind == "pgp" ? ".asc" : ".pem");
      std::ofstream out(path, std::ios::binary);
      out << k.data;
      if (!out) return MakeError(ErrorCode::kIo, "cannot write " + path);
    }
    std::cout << keys->size() << " key" << (keys->size() == 1 ? "" : "s") << " of " << a.book
              << " written to " << a.file << "\n";
    return OkStatus();
  }));
  auto* book_remove = book->add_subcommand("remove", "Remove one entry");
  book_remove->add_option("book", args->book)->required();
  book_remove->add_option("address", args->name)->required();
  book_remove->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto s = c.books->Remove(*ref, a.name);
    if (s.ok()) std::cout << a.book << ": " << a.name << " removed\n";
    return s;
  }));
  auto* book_export = book->add_subcommand(
      "export-questions", "Write a book's questions and answers as CSV (mode 0600; answers in clear)");
  book_export->add_option("book", args->book)->required();
  book_export->add_option("file", args->file)->required();
  book_export->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto csv = c.books->ExportQuestionsCsv(*ref);
    if (!csv.ok()) return std::move(csv).error();
    // The file holds answers: private to its owner, and never written over.
    int fd = ::open(a.file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return MakeError(ErrorCode::kAlreadyExists, "cannot create " + a.file + " (it may exist)");
    // Answers leave in clear: the audit trail says who took them (the local user), when.
    const char* who = std::getenv("USER");
    auto audited = sqlite::NewEventStore(*c.db)->Append(
        {0, "", "", "answers_exported", c.clock.NowUnix(), "cli",
         "address book " + a.book + " by " +
             (who ? SanitizeForLog(who, 64) : "uid " + std::to_string(::getuid())) + " to " +
             SanitizeForLog(a.file, 256)});
    if (!audited.ok()) {  // no record, no export
      ::close(fd);
      ::unlink(a.file.c_str());
      return audited;
    }
    bool ok = ::write(fd, csv->data(), csv->size()) == static_cast<ssize_t>(csv->size());
    ::close(fd);
    if (!ok) return MakeError(ErrorCode::kIo, "cannot write " + a.file);
    std::cout << a.book << " exported to " << a.file << " (it holds answers: keep it safe)\n";
    return OkStatus();
  }));

  auto* identity = admin->add_subcommand(
      "identity", "The organisation's signing keys (OpenPGP) and certificates (S/MIME), per domain or account")
      ->require_subcommand(1);
  auto print_identity = [](const policy::IdentitySummary& id) {
    std::cout << id.scope << ": " << (id.kind == "pgp" ? "OpenPGP key " : "S/MIME certificate ")
              << id.fingerprint << " (" << id.label << ")\n";
  };
  auto* id_gen_pgp = identity->add_subcommand("generate-pgp", "Generate an Ed25519/Curve25519 OpenPGP key");
  id_gen_pgp->add_option("scope", args->scope, "domain:NAME or account:NAME")->required();
  id_gen_pgp->add_option("--user-id", args->user_id, "e.g. \"Clinic <secure@clinic.example>\"")->required();
  id_gen_pgp->callback(Command(args, exit_code, [print_identity](Context& c, AdminArgs& a) -> Status {
    auto scope = policy::ParseIdentityScope(a.scope);
    if (!scope.ok()) return std::move(scope).error();
    auto id = c.identities->GeneratePgp(*scope, a.user_id);
    if (!id.ok()) return std::move(id).error();
    print_identity(*id);
    return OkStatus();
  }));
  auto* id_imp_pgp = identity->add_subcommand("import-pgp", "Import an OpenPGP secret key (without a passphrase)");
  id_imp_pgp->add_option("scope", args->scope)->required();
  id_imp_pgp->add_option("file", args->file)->required();
  id_imp_pgp->callback(Command(args, exit_code, [print_identity](Context& c, AdminArgs& a) -> Status {
    auto scope = policy::ParseIdentityScope(a.scope);
    if (!scope.ok()) return std::move(scope).error();
    auto data = ReadSmallFile(a.file, kMaxKeyFile);
    if (!data.ok()) return std::move(data).error();
    auto id = c.identities->ImportPgp(*scope, *data);
    WipeMemory(data->data(), data->size());
    if (!id.ok()) {
      Error e = std::move(id).error();
      if (e.code == ErrorCode::kInvalidArgument) e.field = a.file;
      return e;
    }
    print_identity(*id);
    return OkStatus();
  }));
  auto* id_gen_smime = identity->add_subcommand(
      "generate-smime", "Generate a P-256 key and a self-signed S/MIME signing certificate");
  id_gen_smime->add_option("scope", args->scope)->required();
  id_gen_smime->add_option("--address", args->address, "the address the certificate names")->required();
  id_gen_smime->add_option("--days", args->days, "validity (default 730)");
  id_gen_smime->callback(Command(args, exit_code, [print_identity](Context& c, AdminArgs& a) -> Status {
    auto scope = policy::ParseIdentityScope(a.scope);
    if (!scope.ok()) return std::move(scope).error();
    auto id = c.identities->GenerateSmime(*scope, a.address, c.config.organisation, a.days);
    if (!id.ok()) return std::move(id).error();
    print_identity(*id);
    return OkStatus();
  }));
  auto* id_imp_smime = identity->add_subcommand(
      "import-smime", "Import an S/MIME signing certificate and its private key (PEM or DER, unencrypted)");
  id_imp_smime->add_option("scope", args->scope)->required();
  id_imp_smime->add_option("certificate", args->file)->required();
  id_imp_smime->add_option("key", args->key_file)->required();
  id_imp_smime->callback(Command(args, exit_code, [print_identity](Context& c, AdminArgs& a) -> Status {
    auto scope = policy::ParseIdentityScope(a.scope);
    if (!scope.ok()) return std::move(scope).error();
    auto cert = ReadSmallFile(a.file, kMaxKeyFile);
    if (!cert.ok()) return std::move(cert).error();
    auto key = ReadSmallFile(a.key_file, kMaxKeyFile);
    if (!key.ok()) return std::move(key).error();
    auto id = c.identities->ImportSmime(*scope, *cert, *key);
    WipeMemory(key->data(), key->size());
    if (!id.ok()) {
      Error e = std::move(id).error();
      if (e.code == ErrorCode::kInvalidArgument) e.field = e.field == "private_key" ? a.key_file : a.file;
      return e;
    }
    print_identity(*id);
    return OkStatus();
  }));
  auto* id_public = identity->add_subcommand("public", "Print the public key (armored) or certificate (PEM)");
  id_public->add_option("scope", args->scope)->required();
  id_public->add_option("--kind", args->tls, "pgp or smime")->required()->check(CLI::IsMember({"pgp", "smime"}));
  id_public->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto scope = policy::ParseIdentityScope(a.scope);
    if (!scope.ok()) return std::move(scope).error();
    auto pub = c.identities->PublicPart(*scope, a.tls);
    if (!pub.ok()) return std::move(pub).error();
    std::cout << *pub;
    return OkStatus();
  }));

  auto* mx = admin->add_subcommand("mx", "What is known of recipient domains' TLS")->require_subcommand(1);
  auto* mx_set = mx->add_subcommand("set", "Record whether a domain's MX offers STARTTLS");
  mx_set->add_option("domain", args->name)->required();
  mx_set->add_option("--tls", args->tls, "yes or no")->required()->check(CLI::IsMember({"yes", "no"}));
  mx_set->add_option("--host", args->host, "the MX host name");
  mx_set->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.directory->SetMxTls(a.name, a.tls == "yes", a.host);
    if (s.ok()) std::cout << "mx " << a.name << ": STARTTLS " << a.tls << "\n";
    return s;
  }));
  auto* mx_show = mx->add_subcommand("show", "What is known of a domain's STARTTLS, and from whom");
  mx_show->add_option("domain", args->name)->required();
  mx_show->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto found = c.org->FindMxTls(AsciiLower(a.name));
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value()) {
      return MakeError(ErrorCode::kNotFound, "nothing is known of " + a.name +
                                                 " (the server probes it when it is needed)");
    }
    const MxTlsRecord& m = **found;
    if (m.host.empty()) {
      std::cout << m.domain << ": no mail server answered the probe at "
                << FormatRfc3339(m.updated_at) << "; probed again after "
                << FormatRfc3339(m.expires_at) << "\n";
    } else {
      std::cout << m.domain << ": " << m.host << (m.starttls ? " offers" : " does not offer")
                << " STARTTLS; "
                << (m.expires_at == 0 ? "set by an administrator at "
                                      : "probed at ")
                << FormatRfc3339(m.updated_at)
                << (m.expires_at == 0 ? "" : ", probed again after " + FormatRfc3339(m.expires_at))
                << "\n";
    }
    return OkStatus();
  }));
  auto* mx_forget = mx->add_subcommand("forget", "Forget a domain's STARTTLS: probed afresh when next needed");
  mx_forget->add_option("domain", args->name)->required();
  mx_forget->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.org->ForgetMxTls(AsciiLower(a.name));
    if (s.ok()) std::cout << "mx " << a.name << ": forgotten\n";
    return s;
  }));

  // DKIM keys (issue 4): made here, published by the domain's administrator in DNS.
  auto* dkim_cmd = admin->add_subcommand("dkim", "DKIM signing keys of sending domains")->require_subcommand(1);
  auto* dkim_create = dkim_cmd->add_subcommand(
      "create", "Make a domain's DKIM key (replacing its key of that algorithm) and print the DNS record");
  dkim_create->add_option("domain", args->name)->required();
  dkim_create->add_option("--algorithm", args->algorithm, "rsa (2048 bits, the default) or ed25519");
  dkim_create->add_option("--selector", args->selector, "default: sealpost-<algorithm>-<yyyymm>");
  dkim_create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto algorithm = dkim::ParseAlgorithm(a.algorithm);
    if (!algorithm.ok()) return std::move(algorithm).error();
    dkim::DomainSigner signer(*c.org, c.keys->metadata(), c.clock);
    auto key = signer.CreateKey(a.name, *algorithm, a.selector);
    if (!key.ok()) return std::move(key).error();
    std::cout << "DKIM key for " << key->domain << " (" << key->algorithm << "), selector "
              << key->selector << ". Mail from " << key->domain
              << " is signed with it from now on; publish this TXT record in its DNS zone:\n"
              << dkim::ZoneFileRecord(*key) << "\n";
    return OkStatus();
  }));
  auto* dkim_list = dkim_cmd->add_subcommand("list", "List DKIM keys and their DNS records");
  dkim_list->add_option("domain", args->name, "only this domain's");
  dkim_list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto keys = c.org->DkimKeys(AsciiLower(a.name));
    if (!keys.ok()) return std::move(keys).error();
    if (keys->empty() && !a.name.empty()) {
      return MakeError(ErrorCode::kNotFound, a.name + " has no DKIM key");
    }
    for (const auto& k : *keys) {
      std::cout << k.domain << "  " << k.algorithm << "  " << k.selector << "  created "
                << FormatRfc3339(k.created_at) << "\n  " << dkim::ZoneFileRecord(k) << "\n";
    }
    return OkStatus();
  }));
  auto* dkim_delete = dkim_cmd->add_subcommand("delete", "Stop signing a domain's mail with one of its keys");
  dkim_delete->add_option("domain", args->name)->required();
  dkim_delete->add_option("--algorithm", args->algorithm, "rsa or ed25519")->required();
  dkim_delete->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto algorithm = dkim::ParseAlgorithm(a.algorithm);
    if (!algorithm.ok()) return std::move(algorithm).error();
    auto s = c.org->DeleteDkimKey(AsciiLower(a.name), dkim::AlgorithmName(*algorithm));
    if (s.ok()) std::cout << a.name << ": " << dkim::AlgorithmName(*algorithm) << " key deleted\n";
    return s;
  }));

  // TLS reports (issue 4): the server sends each day's once it is over; this sends now.
  auto* tlsrpt = admin->add_subcommand("tlsrpt", "TLS reports (RFC 8460) to recipients' domains")
                     ->require_subcommand(1);
  auto* tlsrpt_send = tlsrpt->add_subcommand(
      "send", "Queue the reports of past days now (of one day with --day), to the domains that ask");
  tlsrpt_send->add_option("--day", args->day,
                          "YYYY-MM-DD or \"today\" (what is known so far; the rest goes later)");
  tlsrpt_send->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto resolver = NewResolver(c.config);
    if (!resolver.ok()) return std::move(resolver).error();
    auto store = sqlite::NewTlsReportStore(*c.db);
    delivery::TlsReporter reporter(TlsReporterSettingsOf(c.config), *store, *c.queue,
                                   c.keys->queue(), **resolver, c.clock);
    std::string day = a.day == "today" ? delivery::UtcDay(c.clock.NowUnix()) : a.day;
    auto sent = day.empty() ? reporter.ReportDue() : reporter.Report(day);
    if (!sent.ok()) return std::move(sent).error();
    std::cout << *sent << " TLS report(s) sent or queued\n";
    return OkStatus();
  }));

  // Sender controls (issue 7), as the API offers them.
  auto* message = admin->add_subcommand("message", "A sent message: withdraw it, change its expiry, its history")
                      ->require_subcommand(1);
  auto* message_retract = message->add_subcommand(
      "retract", "Withdraw a message: its keys are destroyed, no link opens it again");
  message_retract->add_option("id", args->name)->required();
  message_retract->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto e = OpenEscrow(c, a.name);
    if (!e.ok()) return std::move(e).error();
    auto s = (*e)->service->Retract(a.name, (*e)->account, "cli");
    if (s.ok()) std::cout << "message " << a.name << ": retracted\n";
    return s;
  }));
  auto* message_extend = message->add_subcommand(
      "extend", "Set a message's expiry to DAYS from now (1 to 3650; shorter or longer)");
  message_extend->add_option("id", args->name)->required();
  message_extend->add_option("--days", args->days, "from now")->required();
  message_extend->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto e = OpenEscrow(c, a.name);
    if (!e.ok()) return std::move(e).error();
    auto expires = (*e)->service->SetExpiry(a.name, (*e)->account, a.days, "cli");
    if (!expires.ok()) return std::move(expires).error();
    std::cout << "message " << a.name << ": expires " << FormatRfc3339(*expires) << "\n";
    return OkStatus();
  }));
  auto* message_events = message->add_subcommand("events", "What happened to a message, oldest first");
  message_events->add_option("id", args->name)->required();
  message_events->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto e = OpenEscrow(c, a.name);
    if (!e.ok()) return std::move(e).error();
    auto message = (*e)->messages->Find(a.name);
    if (!message.ok()) return std::move(message).error();
    std::map<std::string, std::string> address_of;
    for (const auto& r : (*message)->recipients) address_of[r.id] = r.address;
    auto events = (*e)->service->Events(a.name);
    if (!events.ok()) return std::move(events).error();
    for (const auto& ev : *events) {
      std::cout << FormatRfc3339(ev.at) << "  " << ev.type;
      if (!ev.recipient_id.empty()) std::cout << "  " << address_of[ev.recipient_id];
      if (!ev.client_address.empty()) std::cout << "  from " << ev.client_address;
      if (!ev.detail.empty()) std::cout << "  (" << ev.detail << ")";
      std::cout << "\n";
    }
    return OkStatus();
  }));

  // The outbound queue (issue 4): what is waiting, what happened, and a hand on it.
  auto* queue = admin->add_subcommand("queue", "The outbound queue")->require_subcommand(1);
  auto* queue_list = queue->add_subcommand("list", "List entries, newest first");
  queue_list->add_option("--state", args->state, "queued, in_flight, deferred, delivered, bounced, expired, "
                        "standby, replanned, superseded, or dead_letter (submissions that could "
                        "not be processed)");
  queue_list->add_option("--limit", args->limit, "at most this many (default 50)")->check(CLI::Range(1, 100000));
  queue_list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    // Submissions that could not be processed come first: they wait for a person.
    auto dead = c.inbound->DeadLetters(a.limit);
    if (!dead.ok()) return std::move(dead).error();
    if (a.state.empty() || a.state == "dead_letter") {
      if (!dead->empty()) {
        std::cout << "Submissions that could not be processed (dead letters; their senders were "
                     "told; `queue retry ID` tries again):\n";
      }
      for (const auto& d : *dead) {
        std::cout << fmt::format("{:<32}  {:<11}  {:>3}  {:<20}  {}\n", d.id, "dead_letter",
                                 d.attempts, FormatRfc3339(d.received_at),
                                 SanitizeForLog(d.last_error, 200));
      }
      if (!a.state.empty()) return OkStatus();
      if (!dead->empty()) std::cout << "\n";
    }
    std::optional<QueueState> state;
    if (!a.state.empty()) {
      state = ParseQueueState(a.state);
      if (!state) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "unknown state \"" + a.state + "\" (queued, in_flight, deferred, "
                         "delivered, bounced, expired, standby, replanned, superseded or "
                         "dead_letter)");
      }
    }
    auto entries = c.queue->List(state, a.limit);
    if (!entries.ok()) return std::move(entries).error();
    // The backlog first: what waits, against the limits that slow and refuse new mail.
    Backlog backlog(BacklogLimitsOf(c.config), *c.inbound, *c.queue, c.clock);
    const BacklogCount waiting = backlog.Refresh();
    std::cout << fmt::format("backlog: {} submissions to process, {} entries to send "
                             "(slows acceptance at {}, refuses at {}): {}\n\n",
                             waiting.submissions, waiting.outbound, backlog.limits().slow_down,
                             backlog.limits().refuse, PressureName(backlog.pressure()));
    std::cout << fmt::format("{:<32}  {:<9}  {:>3}  {:<20}  {:<20}  {}\n", "id", "state", "try",
                             "created", "next attempt", "recipient / last reply");
    for (const auto& e : *entries) {
      bool waiting = e.state == QueueState::kQueued || e.state == QueueState::kDeferred ||
                     e.state == QueueState::kInFlight;
      std::cout << fmt::format("{:<32}  {:<9}  {:>3}  {:<20}  {:<20}  {}{}\n", e.id,
                               QueueStateName(e.state), e.attempts, FormatRfc3339(e.created_at),
                               waiting ? FormatRfc3339(e.next_attempt_at) : "-", e.rcpt_to,
                               e.last_error.empty() ? "" : " / " + e.last_error);
    }
    return OkStatus();
  }));
  auto* queue_show = queue->add_subcommand("show", "Show one entry and its last delivery report");
  queue_show->add_option("id", args->name)->required();
  queue_show->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto entry = c.queue->Find(a.name);
    if (!entry.ok()) return std::move(entry).error();
    if (!entry->has_value()) return MakeError(ErrorCode::kNotFound, "no queue entry " + a.name);
    const QueueEntry& e = **entry;
    std::cout << "id:           " << e.id << "\n"
              << "state:        " << QueueStateName(e.state) << "\n"
              << "message:      " << (e.message_id.empty() ? "-" : e.message_id) << "\n"
              << "from:         <" << e.mail_from << ">\n"
              << "to:           <" << e.rcpt_to << ">\n"
              << "created:      " << FormatRfc3339(e.created_at) << "\n"
              << "attempts:     " << e.attempts << "\n"
              << "next attempt: " << FormatRfc3339(e.next_attempt_at) << "\n"
              << "last reply:   " << (e.last_error.empty() ? "-" : e.last_error) << "\n"
              << "content:      " << ContentState(e) << "\n"
              << "report:       " << (e.report.empty() ? "-" : e.report) << "\n";
    if (e.tls_required) std::cout << "TLS-only:     leaves over TLS 1.2+ or not at all\n";
    if (!e.standby_for.empty()) {
      std::cout << "standby for:  " << e.standby_for << " (sent if that copy cannot get TLS)\n";
    }
    return OkStatus();
  }));
  auto* queue_retry = queue->add_subcommand(
      "retry", "Make a queued or deferred entry, or a dead letter, due now");
  queue_retry->add_option("id", args->name)->required();
  queue_retry->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    if (c.inbound->Revive(a.name, c.clock.NowUnix()).ok()) {
      std::cout << "submission " << a.name << ": due now (tried afresh)\n";
      return OkStatus();
    }
    auto s = c.queue->RetryNow(a.name, c.clock.NowUnix());
    if (s.ok()) std::cout << "queue " << a.name << ": due now\n";
    return s;
  }));
  auto* queue_delete = queue->add_subcommand("delete", "Delete a queued or deferred entry, content and all");
  queue_delete->add_option("id", args->name)->required();
  queue_delete->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto entry = c.queue->Find(a.name);
    if (!entry.ok()) return std::move(entry).error();
    std::string recipient = entry->has_value() ? (*entry)->recipient_id : "";
    auto s = c.queue->Delete(a.name, {0, "", recipient, "queue_deleted", c.clock.NowUnix(), "",
                                      "deleted by an administrator"});
    if (s.ok()) std::cout << "queue " << a.name << ": deleted\n";
    return s;
  }));

  auto* explain = admin->add_subcommand("explain", "How would a message from --from to --to go, and why?");
  explain->add_option("--from", args->from)->required();
  explain->add_option("--to", args->to)->required();
  explain->add_option("--subject", args->question, "the message's subject, for content rules");
  explain->add_option("--text", args->answer, "its text, for content rules");
  explain->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    // Exactly the API's road: the same planner, built from the same parts (the TLS
    // probe included, when mail leaves over the network), so the answer is the API's.
    auto tls = NewTlsKnowledge(c.config, *c.org, c.clock);
    if (!tls.ok()) return std::move(tls).error();
    policy::StoredAddressBooks stored_books(*c.book_store);
    policy::StoredPortalAccounts portal(*c.portal_accounts);
    policy::RecipientPlanner planner(*c.directory, *c.books, stored_books, *tls->knowledge,
                                     portal, c.config.default_expiry_days,
                                     SendsOverTheNetwork(c.config));
    policy::PlanInput message;
    message.from = a.from;
    message.to = {a.to};
    message.subject = a.question;
    message.text = a.answer;
    message.interactive = true;
    auto plan = planner.Plan(message);
    if (!plan.ok()) return std::move(plan).error();
    // A TLS-only copy's fallback, planned with it, is shown as such.
    const auto print = [](const std::string& address, const std::string& method,
                          const std::string& trace, bool standby = false) {
      std::cout << address << ": " << method << (standby ? " (fallback if no TLS)" : "")
                << "\n  - " << trace << "\n";
    };
    for (const auto& r : plan->direct) print(r.address, r.method, r.trace);
    for (const auto& r : plan->encrypted) print(r.address, r.method, r.trace, r.standby);
    for (const auto& r : plan->recipients) {
      print(r.address, r.login ? "escrow/login" : "escrow/question", r.trace, r.standby);
    }
    for (const auto& address : plan->need_question) {
      std::cout << address << ": ask-sender\n  - no question known: the API answers 422 and "
                               "asks the sender for one\n";
    }
    for (const auto& r : plan->send_plain) print(r.address, "send-plain", r.trace, r.standby);
    for (const auto& r : plan->bounce) print(r.address, "bounce", r.trace, r.standby);
    if (plan->refused) std::cout << a.to << ": refused\n  - " << *plan->refused << "\n";
    return OkStatus();
  }));
}

}  // namespace sealpost
