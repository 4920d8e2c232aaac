// The console's administration pages (issue 22): accounts and domains (organisation
// administrators), users and their console roles, each level's settings with the
// effective value of every setting and the level it comes from, and address books (a
// CSV of questions imported with the refused lines listed). Every change is made by the
// services the CLI and the API use (OrgDirectory, OrgStore, AddressBookDirectory,
// PortalAccounts::Invite), as the user, with the request's audit record written in the
// change's transaction. A domain administrator reaches their own domain's users,
// settings and books; an organisation administrator reaches everything.
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "audit/pending.h"
#include "base/text.h"
#include "http/server.h"
#include "mime/address.h"
#include "policy/address_books.h"
#include "policy/org_directory.h"
#include "policy/settings_json.h"
#include "portal/common.h"
#include "portal/console_pages.h"
#include "portal/small_upload.h"
#include "store/stores.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using console::Area;
using console::Role;
using http::Response;

namespace {

constexpr std::size_t kMaxName = 254;
// A CSV of questions: what one import takes (the CLI's limit for a book file).
constexpr std::uint64_t kMaxCsvBytes = 16ull * 1024 * 1024;
constexpr std::size_t kShownProblems = 200;
constexpr int kBookPage = 100;  // entries on a book's page
// Keys and certificates uploaded at once: the files together, and how many.
constexpr std::uint64_t kMaxKeyBytes = 16ull * 1024 * 1024;
constexpr std::size_t kMaxKeyFiles = 500;

const char* LevelWord(OrgLevel level) {
  switch (level) {
    case OrgLevel::kAccount:
      return "account";
    case OrgLevel::kDomain:
      return "domain";
    case OrgLevel::kUser:
      return "user";
  }
  return "";
}

std::optional<OrgLevel> LevelOf(std::string_view word) {
  if (word == "account") return OrgLevel::kAccount;
  if (word == "domain") return OrgLevel::kDomain;
  if (word == "user") return OrgLevel::kUser;
  return std::nullopt;
}

// The user exists, and the acting administrator may change them: a domain
// administrator never changes an organisation administrator (`refusal` says so).
Status UserWithinReach(OrgStore& org, const std::string& address, Role acting,
                       const char* refusal) {
  auto user = org.FindUser(address);
  if (!user.ok()) return std::move(user).error();
  if (!user->has_value()) return MakeError(ErrorCode::kNotFound, "no such user");
  if ((*user)->console_role == "org-admin" && acting != Role::kOrgAdmin) {
    return MakeError(ErrorCode::kPermissionDenied, refusal);
  }
  return OkStatus();
}

}  // namespace

// The problem of a refused change in words for the page.
std::string ConsolePages::Refusal(const Error& e) {
  std::string text = e.field.empty() ? e.message : e.field + ": " + e.message;
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text + ".";
}

int ConsolePages::StatusOf(const Error& e) {
  switch (e.code) {
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kInvalidArgument:
      return 422;
    default:
      return 500;
  }
}

awaitable<Response> ConsolePages::MadeOffLoop(const std::function<Response()>& make) {
  std::optional<Response> page;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] { page = make(); })) co_return std::move(*busy);
  co_return std::move(*page);
}

bool ConsolePages::Administers(const Visitor& visitor, std::string_view domain) {
  return visitor.role == Role::kOrgAdmin ||
         (visitor.role == Role::kDomainAdmin && EqualsIgnoreCase(visitor.domain, domain));
}

awaitable<std::optional<Response>> ConsolePages::Change(const http::Request& req,
                                                        const Visitor& visitor,
                                                        const std::string& subject,
                                                        const std::function<Status()>& change,
                                                        Status* status) {
  audit::AuditRecord record = RecordOf(req, visitor);
  record.subject = subject;
  const Brand brand = ctx_.brands.ForNamespace("");
  co_return co_await ctx_.OffLoop(brand, [&] {
    audit::ActingAs acting({"user", visitor.session.address, req.client_address, visitor.account});
    std::optional<audit::PendingRecord> pending(record);
    *status = change();
    if (!status->ok() && !pending->taken()) {
      pending.reset();
      record.result =
          status->error().code == ErrorCode::kInternal || status->error().code == ErrorCode::kIo
              ? "failed"
              : "refused";
      record.details = "{\"error\":\"" + SanitizeForLog(status->error().message, 200) + "\"}";
      if (auto noted = services_.audit->Note(std::move(record)); !noted.ok()) {
        spdlog::error("console[{}]: refusal not recorded: {}", req.id, noted.error().ToString());
      }
    }
  });
}

bool ConsolePages::AdministersBook(const Visitor& visitor, const policy::BookRef& ref) {
  if (ref.level == "account") return visitor.role == Role::kOrgAdmin;
  return Administers(visitor, ref.level == "user" ? DomainOfAddress(ref.owner) : ref.owner);
}

// --- accounts and domains -------------------------------------------------------------

Response ConsolePages::OrganisationPage(int status, const Visitor& visitor,
                                        const std::string& error) {
  std::vector<AccountRecord> accounts;
  std::vector<DomainRecord> domains;
  Status read = OkStatus();
  // Read on the caller's thread: OrganisationPage runs inside OffLoop work.
  auto a = services_.org->ListAccounts();
  auto d = a.ok() ? services_.org->ListDomains("") : Result<std::vector<DomainRecord>>(a.error());
  if (!a.ok() || !d.ok()) {
    spdlog::error("console: organisation not read: {}",
                  (!a.ok() ? a.error() : d.error()).ToString());
    return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  accounts = std::move(*a);
  domains = std::move(*d);
  return Page(status, "console_organisation.tpl", "Organisation", &visitor, "ORGANISATION_CURRENT",
              [&](ctemplate::TemplateDictionary& dict) {
                dict.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                if (!error.empty()) {
                  dict.ShowSection("ERROR");
                  dict.SetValue("ERROR_TEXT", error);
                }
                for (const auto& account : accounts) {
                  auto* row = dict.AddSectionDictionary("ACCOUNT");
                  row->SetValue("NAME", account.name);
                  row->SetValue("NAME_PATH", http::PercentEncode(account.name));
                  row->SetValue("CREATED", HumanTime(account.created_at));
                  std::string names;
                  for (const auto& domain : domains) {
                    if (domain.account != account.name) continue;
                    auto* link = row->AddSectionDictionary("DOMAIN");
                    link->SetValue("DOMAIN", domain.name);
                    link->SetValue("DOMAIN_PATH", http::PercentEncode(domain.name));
                  }
                  auto* option = dict.AddSectionDictionary("ACCOUNT_OPTION");
                  option->SetValue("NAME", account.name);
                  if (account.name != "default") {
                    auto* gone = dict.AddSectionDictionary("DELETABLE");
                    gone->SetValue("VALUE", "account:" + account.name);
                    gone->SetValue("LABEL", "the account " + account.name);
                  }
                }
                for (const auto& domain : domains) {
                  auto* gone = dict.AddSectionDictionary("DELETABLE");
                  gone->SetValue("VALUE", "domain:" + domain.name);
                  gone->SetValue("LABEL", "the domain " + domain.name);
                }
                dict.SetIntValue("ACCOUNTS", static_cast<long>(accounts.size()));
              });
}

awaitable<Response> ConsolePages::Organisation(http::Request&, const Visitor& visitor) {
  co_return co_await MadeOffLoop([&] { return OrganisationPage(200, visitor, ""); });
}

awaitable<Response> ConsolePages::CreateAccount(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/organisation", "Back to the organisation");
  }
  auto form = http::ParseForm(req.body);
  const std::string name(TrimWhitespace(Field(form, "name")));
  Status created = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, name, [&] { return services_.directory->CreateAccount(name); }, &created)) {
    co_return std::move(*busy);
  }
  if (created.ok()) co_return http::RedirectResponse("/console/organisation");
  co_return co_await MadeOffLoop([&] {
    return OrganisationPage(StatusOf(created.error()), visitor,
                            "The account was not made: " + Refusal(created.error()));
  });
}

awaitable<Response> ConsolePages::CreateDomain(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/organisation", "Back to the organisation");
  }
  auto form = http::ParseForm(req.body);
  const std::string domain(AsciiLower(TrimWhitespace(Field(form, "domain"))));
  const std::string account = Field(form, "account");
  Status created = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, domain, [&] { return services_.directory->CreateDomain(domain, account); },
          &created)) {
    co_return std::move(*busy);
  }
  if (created.ok()) co_return http::RedirectResponse("/console/organisation");
  co_return co_await MadeOffLoop([&] {
    return OrganisationPage(StatusOf(created.error()), visitor,
                            "The domain was not added: " + Refusal(created.error()));
  });
}

// Deleting an account (without domains) or a domain (without users), named in the form
// and confirmed by its tick box (the browser asks for it, and so does the server).
awaitable<Response> ConsolePages::DeleteAccountOrDomain(http::Request& req,
                                                        const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/organisation", "Back to the organisation");
  }
  auto form = http::ParseForm(req.body);
  const std::string what = Field(form, "what");  // "account:NAME" or "domain:NAME"
  const auto colon = what.find(':');
  const auto level = colon == std::string::npos ? std::nullopt : LevelOf(what.substr(0, colon));
  const std::string name = colon == std::string::npos ? "" : what.substr(colon + 1);
  std::string refused;
  Status deleted = OkStatus();
  if (!level || *level == OrgLevel::kUser || name.empty()) {
    refused = "Choose the account or the domain to delete.";
  } else if (Field(form, "confirm") != "yes") {
    refused = "Tick “Yes, delete it” to delete " + name + ".";
  } else {
    if (auto busy = co_await Change(
            req, visitor, what, [&] { return services_.directory->Delete(*level, name); },
            &deleted)) {
      co_return std::move(*busy);
    }
    if (!deleted.ok()) refused = name + " was not deleted: " + Refusal(deleted.error());
  }
  if (refused.empty()) co_return http::RedirectResponse("/console/organisation");
  co_return co_await MadeOffLoop([&] {
    return OrganisationPage(deleted.ok() ? 422 : StatusOf(deleted.error()), visitor, refused);
  });
}

// --- users -----------------------------------------------------------------------------

Response ConsolePages::UsersPage(int status, const Visitor& visitor, const std::string& error,
                                 const std::string& notice) {
  const bool everyone = visitor.role == Role::kOrgAdmin;
  auto users = services_.org->ListUsers("", everyone ? "" : visitor.domain);
  auto domains = everyone ? services_.org->ListDomains("")
                          : Result<std::vector<DomainRecord>>(std::vector<DomainRecord>{});
  if (!users.ok() || !domains.ok()) {
    spdlog::error("console: users not read: {}",
                  (!users.ok() ? users.error() : domains.error()).ToString());
    return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  // The roles this administrator can give: a domain administrator never makes an
  // organisation administrator.
  std::vector<Role> giveable = {Role::kNone, Role::kSender, Role::kAuditor, Role::kDomainAdmin};
  if (everyone) giveable.push_back(Role::kOrgAdmin);
  auto options = [&](ctemplate::TemplateDictionary* d, const std::string& current) {
    for (Role role : giveable) {
      auto* o = d->AddSectionDictionary("ROLE_OPTION");
      o->SetValue("VALUE", console::RoleName(role)[0] ? console::RoleName(role) : "none");
      o->SetValue("LABEL", console::RoleTitle(role));
      if (current == console::RoleName(role)) o->ShowSection("SELECTED");
    }
  };
  return Page(status, "console_users.tpl", "Users", &visitor, "USERS_CURRENT",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                d.SetValue("SCOPE", everyone ? "Every user of the organisation."
                                             : "The users of " + visitor.domain + ".");
                ShowOutcome(d, error, notice);
                d.SetIntValue("COUNT", static_cast<long>(users->size()));
                for (const auto& u : *users) {
                  auto* row = d.AddSectionDictionary("USER");
                  row->SetValue("ADDRESS", u.address);
                  row->SetValue("ADDRESS_PATH", http::PercentEncode(u.address));
                  row->SetValue("DOMAIN", u.domain);
                  row->SetValue(
                      "ROLE",
                      console::RoleTitle(console::ParseRole(u.console_role).value_or(Role::kNone)));
                  row->SetValue("SMTP", u.smtp_password_hash.empty() ? "off" : "on");
                  // Not their own (another administrator changes it), nor, for a domain
                  // administrator, an organisation administrator's.
                  const bool changeable = !EqualsIgnoreCase(u.address, visitor.session.address) &&
                                          (everyone || u.console_role != "org-admin");
                  if (changeable) {
                    options(row, u.console_role);
                    row->ShowSection("CHANGE");
                    d.AddSectionDictionary("DELETABLE")->SetValue("ADDRESS", u.address);
                  }
                }
                options(d.AddSectionDictionary("NEW"), "sender");
              });
}

awaitable<Response> ConsolePages::Users(http::Request&, const Visitor& visitor) {
  co_return co_await MadeOffLoop([&] { return UsersPage(200, visitor, "", ""); });
}

awaitable<Response> ConsolePages::CreateUser(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/users", "Back to the users");
  }
  auto form = http::ParseForm(req.body);
  const std::string address(TrimWhitespace(Field(form, "address")));
  const auto role = console::ParseRole(Field(form, "role"));
  std::string refused;
  if (address.empty() || address.size() > kMaxName || !IsValidAddress(address)) {
    refused = "“" + SanitizeForLog(address, 80) + "” is not an email address.";
  } else if (!Administers(visitor, DomainOfAddress(address))) {
    refused = "You add users to " + visitor.domain + " only.";
  } else if (!role || (*role == Role::kOrgAdmin && visitor.role != Role::kOrgAdmin)) {
    refused = "That is not a role you can give.";
  }
  Status made = OkStatus();
  bool invited = false;
  if (refused.empty()) {
    if (auto busy = co_await Change(
            req, visitor, address,
            [&]() -> Status {
              if (auto s = services_.directory->CreateUser(address); !s.ok()) return s;
              if (*role == Role::kNone) return OkStatus();
              if (auto s = services_.directory->SetConsoleRole(address, console::RoleName(*role));
                  !s.ok()) {
                return s;
              }
              auto mailed = services_.accounts->Invite(kConsolePool, address);
              if (!mailed.ok()) return std::move(mailed).error();
              invited = *mailed;
              return OkStatus();
            },
            &made)) {
      co_return std::move(*busy);
    }
    if (!made.ok()) refused = "The user was not added: " + Refusal(made.error());
  }
  if (refused.empty()) {
    spdlog::info("console[{}]: user {} added", req.id, SanitizeForLog(address));
    co_return http::RedirectResponse("/console/users");
  }
  co_return co_await MadeOffLoop(
      [&] { return UsersPage(made.ok() ? 422 : StatusOf(made.error()), visitor, refused, ""); });
}

awaitable<Response> ConsolePages::SetRole(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/users", "Back to the users");
  }
  auto decoded = http::PercentDecode(req.params[0]);
  const std::string address = decoded.value_or("");
  auto form = http::ParseForm(req.body);
  const auto role = console::ParseRole(Field(form, "role"));
  Status changed = OkStatus();
  bool invited = false;
  std::string refused;
  if (!Administers(visitor, DomainOfAddress(address))) {
    refused = "You change the users of " + visitor.domain + " only.";
  } else if (!role || (*role == Role::kOrgAdmin && visitor.role != Role::kOrgAdmin)) {
    refused = "That is not a role you can give.";
  } else if (EqualsIgnoreCase(address, visitor.session.address)) {
    refused = "Another administrator changes your own role.";
  }
  if (refused.empty()) {
    if (auto busy = co_await Change(
            req, visitor, address,
            [&]() -> Status {
              if (auto s = UserWithinReach(*services_.org, address, visitor.role,
                                           "an organisation administrator's role is not yours "
                                           "to change");
                  !s.ok()) {
                return s;
              }
              if (auto s = services_.directory->SetConsoleRole(address, console::RoleName(*role));
                  !s.ok()) {
                return s;
              }
              if (*role == Role::kNone) return OkStatus();
              auto mailed = services_.accounts->Invite(kConsolePool, address);
              if (!mailed.ok()) return std::move(mailed).error();
              invited = *mailed;
              return OkStatus();
            },
            &changed)) {
      co_return std::move(*busy);
    }
    if (!changed.ok()) refused = "The role was not changed: " + Refusal(changed.error());
  }
  const int status = refused.empty() ? 200 : changed.ok() ? 403 : StatusOf(changed.error());
  const std::string notice =
      refused.empty()
          ? address + " is now " + console::RoleTitle(*role) +
                (invited ? "; a link to choose their password was mailed to them." : ".")
          : "";
  co_return co_await MadeOffLoop([&] { return UsersPage(status, visitor, refused, notice); });
}

// Deleting a user: their SMTP login, console sign-in and personal books go, their API
// clients are revoked (OrgStore::DeleteUser); what they sent stays with the account. Not
// oneself, and for a domain administrator not an organisation administrator.
awaitable<Response> ConsolePages::DeleteUser(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/users", "Back to the users");
  }
  auto form = http::ParseForm(req.body);
  const std::string address = Field(form, "address");
  std::string refused;
  Status deleted = OkStatus();
  if (address.empty() || address.size() > kMaxName) {
    refused = "Choose the user to delete.";
  } else if (!Administers(visitor, DomainOfAddress(address))) {
    refused = "You delete the users of " + visitor.domain + " only.";
  } else if (EqualsIgnoreCase(address, visitor.session.address)) {
    refused = "Another administrator deletes your own user.";
  } else if (Field(form, "confirm") != "yes") {
    refused = "Tick “Yes, delete it” to delete " + address + ".";
  } else {
    if (auto busy = co_await Change(
            req, visitor, address,
            [&]() -> Status {
              if (auto s = UserWithinReach(*services_.org, address, visitor.role,
                                           "an organisation administrator is not yours to delete");
                  !s.ok()) {
                return s;
              }
              return services_.directory->Delete(OrgLevel::kUser, address);
            },
            &deleted)) {
      co_return std::move(*busy);
    }
    if (!deleted.ok()) refused = address + " was not deleted: " + Refusal(deleted.error());
  }
  const int status = refused.empty() ? 200 : deleted.ok() ? 403 : StatusOf(deleted.error());
  const std::string notice = refused.empty() ? address + " was deleted." : "";
  co_return co_await MadeOffLoop([&] { return UsersPage(status, visitor, refused, notice); });
}

// --- settings ----------------------------------------------------------------------------

awaitable<Response> ConsolePages::Settings(http::Request& req, const Visitor& visitor) {
  co_return co_await SettingsView(req, visitor, "");
}

awaitable<Response> ConsolePages::SettingsView(http::Request& req, const Visitor& visitor,
                                               const std::string& error) {
  const auto level = LevelOf(req.params[0]);
  auto name = http::PercentDecode(req.params[1]);
  if (!level || !name) {
    co_return Info(404, "No such page", {"There are settings for accounts, domains and users."},
                   &visitor, "/console", "Back to the console");
  }
  std::optional<Result<policy::EffectiveSettings>> effective;
  std::optional<Result<std::optional<DomainRecord>>> domain;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(
          brand, [&] { effective.emplace(services_.directory->EffectiveAt(*level, *name)); })) {
    co_return std::move(*busy);
  }
  // Whose settings these are decides who may see them: an account's are the
  // organisation administrators'; a domain's or a user's their domain's administrators'.
  const std::string scope_domain = *level == OrgLevel::kDomain ? *name
                                   : *level == OrgLevel::kUser ? DomainOfAddress(*name)
                                                               : "";
  const bool allowed = *level == OrgLevel::kAccount ? visitor.role == Role::kOrgAdmin
                                                    : Administers(visitor, scope_domain);
  if (!allowed || (!effective->ok() && effective->error().code == ErrorCode::kNotFound)) {
    co_return Info(404, "No such settings",
                   {std::string("There is no ") + LevelWord(*level) +
                    " by that name that you "
                    "administer."},
                   &visitor, "/console", "Back to the console");
  }
  if (!effective->ok()) {
    spdlog::error("console[{}]: settings not read: {}", req.id, effective->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  const auto lines = policy::DescribeSettings(**effective);
  const std::string here = *level == OrgLevel::kAccount  ? "account"
                           : *level == OrgLevel::kDomain ? "domain"
                                                         : "user";
  co_return Page(error.empty() ? 200 : 422, "console_settings.tpl", "Settings", &visitor, nullptr,
                 [&](ctemplate::TemplateDictionary& d) {
                   d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                   d.SetValue("LEVEL", LevelWord(*level));
                   d.SetValue("NAME", *name);
                   d.SetValue("NAME_PATH", http::PercentEncode(*name));
                   if (!error.empty()) {
                     d.ShowSection("ERROR");
                     d.SetValue("ERROR_TEXT", error.substr(0, 300));
                   }
                   for (const auto& line : lines) {
                     auto* row = d.AddSectionDictionary("SETTING");
                     row->SetValue("NAME", line.name);
                     row->SetValue("VALUE", line.value);
                     const std::string from = policy::LevelName(line.from);
                     row->SetValue("FROM", from == here        ? "set here"
                                           : from == "default" ? "built-in default"
                                                               : "from the " + from);
                     if (from == here) row->ShowSection("HERE");
                     auto* option = d.AddSectionDictionary("OPTION");
                     option->SetValue("NAME", line.name);
                   }
                 });
}

awaitable<Response> ConsolePages::SetSetting(http::Request& req, const Visitor& visitor) {
  const auto level = LevelOf(req.params[0]);
  auto name = http::PercentDecode(req.params[1]);
  const std::string back = "/console/settings/" + req.params[0] + "/" + req.params[1];
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, back, "Back to the settings");
  }
  if (!level || !name) {
    co_return Info(404, "No such page", {"There are settings for accounts, domains and users."},
                   &visitor, "/console", "Back to the console");
  }
  const std::string scope_domain = *level == OrgLevel::kDomain ? *name
                                   : *level == OrgLevel::kUser ? DomainOfAddress(*name)
                                                               : "";
  const bool allowed = *level == OrgLevel::kAccount ? visitor.role == Role::kOrgAdmin
                                                    : Administers(visitor, scope_domain);
  if (!allowed) {
    co_return Info(404, "No such settings",
                   {std::string("There is no ") + LevelWord(*level) +
                    " by that name that you "
                    "administer."},
                   &visitor, "/console", "Back to the console");
  }
  auto form = http::ParseForm(req.body);
  const std::string setting = Field(form, "setting");
  std::string value = Field(form, "value");
  // A default question's answer is typed apart, and goes nowhere but the sealed layer.
  std::string answer = Field(form, "answer");
  std::string assignment = setting + "=" + value;
  if (setting == "default_question" && !value.empty()) assignment += "|" + answer;
  WipeMemory(answer.data(), answer.size());
  Status changed = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, std::string(LevelWord(*level)) + " " + *name,
          [&] { return services_.directory->Set(*level, *name, {assignment}); }, &changed)) {
    WipeMemory(assignment.data(), assignment.size());
    co_return std::move(*busy);
  }
  WipeMemory(assignment.data(), assignment.size());
  if (changed.ok()) co_return http::RedirectResponse(back);
  // Said on the page itself (never carried in a link: nobody else's words reach it).
  co_return co_await SettingsView(req, visitor, "Not changed: " + Refusal(changed.error()));
}

// --- address books ---------------------------------------------------------------------

awaitable<Response> ConsolePages::Books(http::Request& req, const Visitor& visitor) {
  auto query = http::ParseForm(req.query);
  const std::string level = Field(query, "level");
  const std::string owner(TrimWhitespace(Field(query, "owner")));
  const std::string name(TrimWhitespace(Field(query, "name")));
  if (!level.empty() || !owner.empty() || !name.empty()) {
    // "Open or make a book": to its page, made there on first import.
    auto ref = policy::ParseBookRef(level + ":" + owner + ":" + name);
    if (ref.ok()) {
      co_return http::RedirectResponse("/console/books/" + http::PercentEncode(ref->ToString()));
    }
    co_return Page(422, "console_books.tpl", "Address books", &visitor, "BOOKS_CURRENT",
                   [&](ctemplate::TemplateDictionary& d) {
                     d.ShowSection("ERROR");
                     d.SetValue("ERROR_TEXT", "Not a book: " + Refusal(ref.error()));
                     d.SetValue("OWNER", owner);
                     d.SetValue("NAME", name);
                     d.SetValue("DEFAULT_OWNER", visitor.domain);
                   });
  }
  co_return Page(200, "console_books.tpl", "Address books", &visitor, "BOOKS_CURRENT",
                 [&](ctemplate::TemplateDictionary& d) {
                   d.SetValue("OWNER", visitor.domain);
                   d.SetValue("NAME", "patients");
                 });
}

awaitable<Response> ConsolePages::Book(http::Request& req, const Visitor& visitor) {
  std::optional<Response> refused;
  auto ref = BookOf(req, visitor, &refused);
  if (!ref) co_return std::move(*refused);
  const std::string after = Field(http::ParseForm(req.query), "after");
  std::optional<Result<policy::AddressBookDirectory::ListingPage>> listing;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        listing.emplace(services_.books->Page(*ref, after.substr(0, kMaxName), kBookPage));
      })) {
    co_return std::move(*busy);
  }
  const bool exists = listing->ok();
  if (!exists && listing->error().code != ErrorCode::kNotFound) {
    spdlog::error("console[{}]: book not read: {}", req.id, listing->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  Response book_page = Page(200, "console_book.tpl", "Address book " + ref->ToString(), &visitor,
                            "BOOKS_CURRENT", [&](ctemplate::TemplateDictionary& d) {
                              d.SetValue("BOOK", ref->ToString());
                              d.SetValue("BOOK_PATH", http::PercentEncode(ref->ToString()));
                              d.SetValue("CSRF", ctx_.FormToken("console-book", visitor.cookie));
                              if (!exists) {
                                d.ShowSection("NEW");
                                return;
                              }
                              d.ShowSection("EXISTS");
                              const auto& page = **listing;
                              d.SetIntValue("COUNT", static_cast<long>(page.total));
                              d.SetIntValue("SHOWN", static_cast<long>(page.entries.size()));
                              for (const auto& entry : page.entries) {
                                auto* row = d.AddSectionDictionary("ENTRY");
                                row->SetValue("ADDRESS", entry.address);
                                row->SetValue("KIND", entry.kind);
                              }
                              if (static_cast<int>(page.entries.size()) == kBookPage) {
                                d.AddSectionDictionary("MORE")->SetValue(
                                    "AFTER", http::PercentEncode(page.entries.back().address));
                              }
                            });
  // Its script shows a CSV upload's progress (console-upload.js, from this origin only).
  AllowOwnScripts(book_page);
  co_return book_page;
}

std::optional<policy::BookRef> ConsolePages::BookOf(const http::Request& req,
                                                    const Visitor& visitor,
                                                    std::optional<Response>* refused) const {
  auto decoded = http::PercentDecode(req.params[0]);
  auto ref = decoded ? policy::ParseBookRef(*decoded)
                     : Result<policy::BookRef>(MakeError(ErrorCode::kInvalidArgument, "bad"));
  if (ref.ok() && AdministersBook(visitor, *ref)) return std::move(*ref);
  // Another's book answers as a missing one.
  *refused =
      Info(404, "No such book", {"There is no address book by that name that you administer."},
           &visitor, "/console/books", "Address books");
  return std::nullopt;
}

awaitable<Response> ConsolePages::MakeBook(http::Request& req, const Visitor& visitor) {
  std::optional<Response> refused;
  auto ref = BookOf(req, visitor, &refused);
  if (!ref) co_return std::move(*refused);
  const std::string back = "/console/books/" + http::PercentEncode(ref->ToString());
  if (!ctx_.FormTokenValid(req, "console-book", visitor.cookie)) {
    co_return FormExpired(&visitor, back, "Back to the book");
  }
  Status made = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, ref->ToString(), [&] { return services_.books->CreateBook(*ref); },
          &made)) {
    co_return std::move(*busy);
  }
  if (!made.ok() && made.error().code != ErrorCode::kAlreadyExists) {
    co_return Info(StatusOf(made.error()), "The book was not made", {Refusal(made.error())},
                   &visitor, "/console/books", "Address books");
  }
  co_return http::RedirectResponse(back);
}

// A CSV of questions imported into a book. The book page's script (console-upload.js)
// sends it asking for JSON, to show the upload's progress and then the report in place;
// without script the answer is a page.
awaitable<Response> ConsolePages::ImportBook(http::Request& req, const Visitor& visitor) {
  std::optional<Response> refused;
  auto ref = BookOf(req, visitor, &refused);
  if (!ref) co_return std::move(*refused);
  const std::string back = "/console/books/" + http::PercentEncode(ref->ToString());
  const bool json = req.header("accept").find("application/json") != std::string_view::npos;
  auto fail = [&](int status, const std::string& why) {
    return json ? http::ProblemResponse(status, "Not imported", why)
                : Info(status, "Not imported", {why}, &visitor, back, "Back to the book");
  };
  SmallUpload up({"csrf"}, "file", kMaxCsvBytes);
  if (Status read = co_await up.Read(req); !read.ok()) {
    const bool large = read.error().code == ErrorCode::kResourceExhausted;
    Response r =
        fail(large ? 413 : 400, large ? "The file is larger than 16 MB." : read.error().message);
    r.Set("Connection", "close");  // the rest of the upload was not read
    co_return r;
  }
  if (!ConstantTimeEqual(up.Field("csrf"), ctx_.FormToken("console-book", visitor.cookie))) {
    co_return json ? fail(403, "This form has expired: load the page again.")
                   : FormExpired(&visitor, back, "Back to the book");
  }
  if (!up.has_file() || up.file().empty()) {
    co_return fail(422, "Choose a CSV file (address,question,answer).");
  }
  std::optional<Result<policy::ImportReport>> report;
  Status done = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, ref->ToString(),
          [&]() -> Status {
            report.emplace(services_.books->ImportQuestionsCsv(*ref, up.file()));
            return report->ok() ? OkStatus() : Status(report->error());
          },
          &done)) {
    up.Wipe();  // the CSV holds answers
    co_return std::move(*busy);
  }
  up.Wipe();  // the CSV holds answers
  if (!done.ok()) co_return fail(StatusOf(done.error()), Refusal(done.error()));
  const policy::ImportReport& r = **report;
  const std::size_t shown = std::min(r.problems.size(), kShownProblems);
  if (json) {
    namespace bj = boost::json;
    bj::array problems;
    for (std::size_t i = 0; i < shown; ++i) {
      problems.push_back(
          bj::object{{"line", r.problems[i].line}, {"reason", r.problems[i].reason}});
    }
    co_return http::JsonResponse(r.problems.empty() ? 200 : 422,
                                 bj::serialize(bj::object{{"imported", r.imported},
                                                          {"refused", r.problems.size()},
                                                          {"problems", std::move(problems)},
                                                          {"more", r.problems.size() - shown}}));
  }
  co_return Page(r.problems.empty() ? 200 : 422, "console_import.tpl", "Imported", &visitor,
                 "BOOKS_CURRENT", [&](ctemplate::TemplateDictionary& d) {
                   d.SetValue("BOOK", ref->ToString());
                   d.SetValue("BACK", back);
                   d.SetIntValue("IMPORTED", static_cast<long>(r.imported));
                   d.SetIntValue("REFUSED", static_cast<long>(r.problems.size()));
                   if (r.problems.empty()) return;
                   d.ShowSection("PROBLEMS");
                   for (std::size_t i = 0; i < shown; ++i) {
                     auto* row = d.AddSectionDictionary("PROBLEM");
                     row->SetIntValue("LINE", static_cast<long>(r.problems[i].line));
                     row->SetValue("REASON", r.problems[i].reason);
                   }
                   if (r.problems.size() > shown) {
                     d.AddSectionDictionary("MORE")->SetIntValue(
                         "COUNT", static_cast<long>(r.problems.size() - shown));
                   }
                 });
}

// Keys and certificates for a book's recipients, as files named by their address
// ("pat@example.net.asc"); each file gets its verdict: imported, or why not (another
// address, expired, revoked, unable to encrypt: AddressBookDirectory's checks).
awaitable<Response> ConsolePages::ImportBookKeys(http::Request& req, const Visitor& visitor) {
  std::optional<Response> refused;
  auto ref = BookOf(req, visitor, &refused);
  if (!ref) co_return std::move(*refused);
  const std::string back = "/console/books/" + http::PercentEncode(ref->ToString());
  SmallUpload up({"csrf"}, "keys", kMaxKeyBytes, 4 * 1024, kMaxKeyFiles);
  if (Status read = co_await up.Read(req); !read.ok()) {
    const bool large = read.error().code == ErrorCode::kResourceExhausted;
    Response r = Info(large ? 413 : 400, "Not imported",
                      {large ? "Upload at most " + std::to_string(kMaxKeyFiles) +
                                   " files, 16 MB together, at a time."
                             : read.error().message},
                      &visitor, back, "Back to the book");
    r.Set("Connection", "close");  // the rest of the upload was not read
    co_return r;
  }
  if (!ConstantTimeEqual(up.Field("csrf"), ctx_.FormToken("console-book", visitor.cookie))) {
    co_return FormExpired(&visitor, back, "Back to the book");
  }
  if (!up.has_file()) {
    co_return Info(422, "Not imported", {"Choose the key and certificate files."}, &visitor, back,
                   "Back to the book");
  }
  // Each file's verdict, in the order chosen; the named ones go to ImportKeys together.
  std::vector<std::pair<std::string, std::string>> verdicts;  // (file, verdict)
  std::vector<std::pair<std::string, std::string>> keys;      // (address, data)
  std::vector<std::size_t> verdict_of;                        // keys[i] → verdicts[…]
  for (auto& file : up.files()) {
    const std::string shown = SanitizeForLog(file.name, 200);
    auto address = policy::KeyFileAddress(file.name);
    if (!address) {
      verdicts.emplace_back(shown,
                            "Not imported: name it by its address, as pat@example.net.asc (or "
                            ".gpg, .pgp, .pem, .crt, .cer, .der).");
      continue;
    }
    verdict_of.push_back(verdicts.size());
    verdicts.emplace_back(shown, "Imported for " + *address + ".");
    keys.emplace_back(std::move(*address), std::move(file.data));
  }
  std::optional<Result<policy::ImportReport>> report;
  Status done = OkStatus();
  if (!keys.empty()) {
    if (auto busy = co_await Change(
            req, visitor, ref->ToString(),
            [&]() -> Status {
              report.emplace(services_.books->ImportKeys(*ref, keys));
              return report->ok() ? OkStatus() : Status(report->error());
            },
            &done)) {
      co_return std::move(*busy);
    }
  }
  if (!done.ok()) {
    co_return Info(StatusOf(done.error()), "Not imported", {Refusal(done.error())}, &visitor, back,
                   "Back to the book");
  }
  std::size_t imported = keys.size();
  if (report) {
    imported = (*report)->imported;
    for (const auto& problem : (*report)->problems) {
      if (problem.line == 0 || problem.line > verdict_of.size()) continue;
      auto& verdict = verdicts[verdict_of[problem.line - 1]].second;
      verdict = "Not imported: " + problem.reason;
      if (!verdict.empty() && verdict.back() != '.') verdict += '.';
    }
  }
  const std::size_t refused_files = verdicts.size() - imported;
  co_return Page(refused_files == 0 ? 200 : 422, "console_key_import.tpl", "Imported", &visitor,
                 "BOOKS_CURRENT", [&](ctemplate::TemplateDictionary& d) {
                   d.SetValue("BOOK", ref->ToString());
                   d.SetValue("BACK", back);
                   d.SetIntValue("IMPORTED", static_cast<long>(imported));
                   d.SetIntValue("REFUSED", static_cast<long>(refused_files));
                   for (const auto& [file, verdict] : verdicts) {
                     auto* row = d.AddSectionDictionary("FILE");
                     row->SetValue("NAME", file);
                     row->SetValue("VERDICT", verdict);
                   }
                 });
}

}  // namespace sealpost::portal
