// `sealpost admin contacts …` and `admin segment …`: an account's contacts, their lists
// and consent, the suppression list, and segments (issue 25), through the one
// campaigns::ContactBook the API uses. Attributes may be health data: `show` prints them
// and is recorded as an access before it does.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <iostream>

#include "app/admin_common.h"
#include "campaigns/contacts.h"
#include "store/contact_store.h"

namespace sealpost::admin {
namespace {

// The account named, which must exist (the organisation's own "default" always does).
Status KnownAccount(Context& c, const std::string& account) {
  if (account == "default") return OkStatus();
  auto found = c.org->FindAccount(account);
  if (!found.ok()) return std::move(found).error();
  if (!*found)
    return MakeError(ErrorCode::kNotFound, "there is no account " + account, "--account");
  return OkStatus();
}

campaigns::ContactBook BookOf(Context& c) {
  return campaigns::ContactBook(*c.stores->contacts, c.keys->metadata(), c.clock);
}

void ProgressBar(std::size_t done, std::size_t total) {
  const int width = 30;
  const int filled = static_cast<int>(width * done / total);
  std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] " << done
            << "/" << total << " rows" << (done == total ? "\n" : "") << std::flush;
}

}  // namespace

void RegisterContactCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                             int& exit_code) {
  auto* contacts = admin->add_subcommand("contacts", "An account's contacts, lists and consent")
                       ->require_subcommand(1);

  auto* import = contacts->add_subcommand(
      "import", "Add or update contacts from CSV (an email column, then attributes)");
  import->add_option("file", args->file)->required();
  import->add_option("--account", args->account)->required();
  import->add_option("--list", args->list, "subscribe them to this list");
  import->add_option("--consent", args->consent, "how they consented (with --list)");
  import->add_flag("--progress", args->progress, "Show progress even when not on a terminal");
  import->callback([args, &exit_code] {
    auto ctx = Open(args->config);
  if (!ctx.ok()) {
    exit_code = Fail(ctx.error());
    return;
  }
  Context& c = **ctx;
  const AdminArgs& a = *args;
  // Recorded with the import's change; refused rows leave the good ones imported, so
  // they are reported (exit 2), not recorded as the command's failure.
  audit::AuditRecord record = AdminRecord(c, a);
  Result<campaigns::ImportReport> report = MakeError(ErrorCode::kInternal, "not run");
  {
    audit::PendingRecord pending(record);
    if (auto s = KnownAccount(c, a.account); !s.ok()) {
      report = std::move(s).error();
    } else if (auto text = ReadSmallFile(a.file, kMaxCsvFile); !text.ok()) {
      report = std::move(text).error();
    } else {
      const bool bar = a.progress || ::isatty(2);
      report = BookOf(c).ImportCsv(a.account, a.list, *text, a.consent,
                                   [bar](std::size_t done, std::size_t total) {
                                     if (bar && total >= 1000) ProgressBar(done, total);
                                   });
    }
  }
  if (!report.ok()) {
    RecordFailure(c, std::move(record), report.error());
    exit_code = Fail(report.error());
    return;
  }
  for (const auto& p : report->problems) {
    std::cerr << a.file << ":" << p.line << ": " << p.reason << "\n";
  }
  std::cout << "added " << report->added << ", updated " << report->updated << "; "
            << report->problems.size() << " row" << (report->problems.size() == 1 ? "" : "s")
            << " refused\n";
  exit_code = report->problems.empty() ? 0 : 2;
});

auto* list = contacts->add_subcommand("list", "The account's contacts' addresses, in order");
list->add_option("--account", args->account)->required();
list->add_option("--after", args->address, "the next page: after this address");
list->add_option("--limit", args->limit, "at most (50)");
list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
  auto total = c.stores->contacts->CountContacts(a.account);
  if (!total.ok()) return std::move(total).error();
  auto page = c.stores->contacts->PageContacts(
      a.account, a.address, static_cast<std::size_t>(std::clamp(a.limit, 1, 1000)));
  if (!page.ok()) return std::move(page).error();
  std::cout << *total << " contact" << (*total == 1 ? "" : "s") << "\n";
  for (const auto& contact : *page) std::cout << contact.address << "\n";
  return OkStatus();
}));

auto* show = contacts->add_subcommand("show", "One contact: attributes, lists, suppression");
show->add_option("address", args->address)->required();
show->add_option("--account", args->account)->required();
show->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
  auto found = BookOf(c).Find(a.account, a.address);
  if (!found.ok()) return std::move(found).error();
  if (!*found)
    return MakeError(ErrorCode::kNotFound, "no contact " + a.address + " in " + a.account);
  // Attributes may be health data: no record, no showing.
  audit::DetailPending(
      boost::json::serialize(boost::json::object{{"contact", (*found)->record.address}}));
  if (auto recorded = RecordAccessNow(c); !recorded.ok()) return recorded;
  const auto& contact = **found;
  std::cout << "address:    " << contact.record.address << "\n"
            << "added:      " << FormatRfc3339(contact.record.created_at) << "\n"
            << "attributes: " << campaigns::AttributesJson(contact.attributes) << "\n";
  for (const auto& [name, m] : contact.lists) {
    std::cout << "list:       " << name << " (consented " << FormatRfc3339(m.consented_at) << ": "
              << m.consent_source
              << (m.unsubscribed_at ? "; left " + FormatRfc3339(m.unsubscribed_at) : "") << ")\n";
  }
  if (contact.suppressed) {
    std::cout << "suppressed: " << contact.suppressed->reason << " since "
              << FormatRfc3339(contact.suppressed->at) << "\n";
  }
  return OkStatus();
}));

auto* remove = contacts->add_subcommand("delete", "Forget a contact (a suppression stays)");
remove->add_option("address", args->address)->required();
remove->add_option("--account", args->account)->required();
remove->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
  auto s = BookOf(c).Delete(a.account, a.address);
  if (s.ok()) std::cout << "contact " << a.address << " deleted\n";
  return s;
}));

auto* new_list = contacts->add_subcommand("new-list", "Make a list contacts consent to");
new_list->add_option("name", args->name)->required();
new_list->add_option("--account", args->account)->required();
new_list->add_option("--description", args->description);
new_list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
  if (auto s = KnownAccount(c, a.account); !s.ok()) return s;
  auto s = BookOf(c).CreateList(a.account, a.name, a.description);
  if (s.ok()) std::cout << "list " << a.name << " made\n";
  return s;
}));

auto* lists = contacts->add_subcommand("lists", "The account's lists and their members");
lists->add_option("--account", args->account)->required();
lists->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
  auto found = BookOf(c).Lists(a.account);
  if (!found.ok()) return std::move(found).error();
  for (const auto& l : *found) {
    std::cout << l.name << "\t" << l.subscribed << " subscribed\t" << l.description << "\n";
  }
  return OkStatus();
}));

auto* unsubscribe = contacts->add_subcommand("unsubscribe", "Take a contact off a list");
unsubscribe->add_option("address", args->address)->required();
unsubscribe->add_option("--account", args->account)->required();
unsubscribe->add_option("--list", args->list)->required();
unsubscribe->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
  auto s = BookOf(c).Unsubscribe(a.account, a.list, a.address);
  if (s.ok()) std::cout << a.address << " left " << a.list << "\n";
  return s;
}));

auto* suppress = contacts->add_subcommand("suppress", "Never write to an address again");
suppress->add_option("address", args->address)->required();
suppress->add_option("--account", args->account)->required();
suppress->add_option("--reason", args->reason, "unsubscribed, bounced, complained or added");
suppress->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
  if (auto s = KnownAccount(c, a.account); !s.ok()) return s;
  auto s = BookOf(c).Suppress(a.account, a.address, a.reason.empty() ? "added" : a.reason,
                              "by an administrator");
  if (s.ok()) std::cout << a.address << " suppressed\n";
  return s;
}));

auto* unsuppress = contacts->add_subcommand("unsuppress", "Lift an address's suppression");
unsuppress->add_option("address", args->address)->required();
unsuppress->add_option("--account", args->account)->required();
unsuppress->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
  auto s = BookOf(c).Unsuppress(a.account, a.address);
  if (s.ok()) std::cout << a.address << " may be written to again\n";
  return s;
}));

auto* suppressed = contacts->add_subcommand("suppressed", "The account's suppression list");
suppressed->add_option("--account", args->account)->required();
suppressed->add_option("--after", args->address, "the next page: after this address");
suppressed->add_option("--limit", args->limit, "at most (50)");
suppressed->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
  auto page = c.stores->contacts->Suppressions(
      a.account, a.address, static_cast<std::size_t>(std::clamp(a.limit, 1, 1000)));
  if (!page.ok()) return std::move(page).error();
  for (const auto& s : *page) {
    std::cout << s.address << "\t" << s.reason << "\t" << FormatRfc3339(s.at) << "\t" << s.detail
              << "\n";
  }
  return OkStatus();
}));

auto* segment = admin->add_subcommand("segment", "Segments: a list narrowed by a condition")
                    -> require_subcommand(1);
auto* save = segment->add_subcommand("save", "Make or change a segment (docs/segments.md)");
save->add_option("name", args->name)->required();
save->add_option("--account", args->account)->required();
save->add_option("--list", args->list)->required();
save->add_option("--condition", args->condition, "which members (all when empty)");
save->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
  auto s = BookOf(c).PutSegment(a.account, a.name, a.list, a.condition);
  if (!s.ok()) {
    Error e = std::move(s).error();
    if (e.field == "condition") e.field = "--condition";
    return e;
  }
  std::cout << "segment " << a.name << " saved\n";
  return OkStatus();
}));

auto* count = segment->add_subcommand("count", "How many a segment reaches now");
count->add_option("name", args->name)->required();
count->add_option("--account", args->account)->required();
count->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
  auto n = BookOf(c).Count(a.account, a.name);
  if (!n.ok()) return std::move(n).error();
  std::cout << n->matched - n->suppressed << " reached (" << n->matched << " of " << n->members
            << " subscribed match; " << n->suppressed << " suppressed)\n";
  return OkStatus();
}));

auto* segments = segment->add_subcommand("list", "The account's segments");
segments->add_option("--account", args->account)->required();
segments->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
  auto found = c.stores->contacts->Segments(a.account);
  if (!found.ok()) return std::move(found).error();
  auto lists = c.stores->contacts->Lists(a.account);
  if (!lists.ok()) return std::move(lists).error();
  for (const auto& s : *found) {
    std::string list;
    for (const auto& l : *lists) {
      if (l.id == s.list_id) list = l.name;
    }
    std::cout << s.name << "\t" << list << "\t" << s.condition << "\n";
  }
  return OkStatus();
}));
}  // namespace sealpost::admin

}  // namespace sealpost::admin
