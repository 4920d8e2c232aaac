// `sealpost admin template …` and `admin campaign …` (issue 25): templates checked and
// kept, campaigns made, scheduled, paused, resumed, cancelled and watched — through the
// one campaigns::Campaigns the server runs. The server sends; the command line only
// changes what it will do (so it has no road: a test send is the API's or console's).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "app/admin_common.h"
#include "campaigns/automations.h"
#include "campaigns/campaigns.h"
#include "campaigns/contacts.h"
#include "campaigns/report.h"
#include "store/campaign_store.h"
#include "store/contact_store.h"

namespace sealpost::admin {
namespace {

// What the command line works with: the stores and a road that does not go anywhere.
struct Desk {
  explicit Desk(Context& c)
      : book(*c.stores->contacts, c.keys->metadata(), c.clock),
        campaigns(*c.stores->campaigns, *c.stores->contacts, book, c.keys->metadata(), c.clock,
                  {c.config.public_url, c.config.organisation},
                  campaigns::Road{[](const campaigns::CampaignMessage&) -> Result<std::string> {
                                    return MakeError(ErrorCode::kFailedPrecondition,
                                                     "the server sends campaigns");
                                  },
                                  [](const std::string&) -> Result<std::optional<std::string>> {
                                    return std::optional<std::string>();
                                  },
                                  {}}),
        automations(*c.stores->campaigns, *c.stores->contacts, book, c.keys->metadata(), c.clock,
                    {c.config.public_url, c.config.organisation}, {}) {}
  campaigns::ContactBook book;
  campaigns::Campaigns campaigns;
  campaigns::Automations automations;  // changed here; the server runs them
};

// `sealpost admin <noun> report NAME --account A [--csv]`: what became of its messages.
void AddReportCommand(CLI::App* noun, const std::string& what,
                      const std::shared_ptr<AdminArgs>& args, int& exit_code,
                      Result<EngagementReport> (*report)(Desk&, const AdminArgs&)) {
  auto* sub = noun->add_subcommand("report",
                                   "What became of the " + what + "'s messages: by method, domain" +
                                       (what == "automation" ? ", step" : "") + "; --csv");
  sub->add_option("name", args->name)->required();
  sub->add_option("--account", args->account)->required();
  sub->add_flag("--csv", args->off, "as CSV");
  sub->callback(Command(args, exit_code, [what, report](Context& c, AdminArgs& a) -> Status {
    Desk desk(c);
    auto r = report(desk, a);
    if (!r.ok()) return std::move(r).error();
    std::cout << (a.off ? campaigns::ReportCsv(*r)
                        : what + " " + a.name + "\n" + campaigns::ReportText(*r));
    return OkStatus();
  }));
}

Result<std::string> PartFile(const std::string& path) {
  if (path.empty()) return std::string();
  return ReadSmallFile(path, campaigns::kMaxTemplateBytes);
}

// Sent of those taken (and the segment's count while it is still being taken).
void PrintProgress(const campaigns::Campaigns::Progress& p, std::int64_t reach, bool bar) {
  std::int64_t taken = 0;
  for (const char* state : {"pending", "sent", "bounced", "skipped", "failed"}) {
    auto it = p.tally.find(state);
    if (it != p.tally.end()) taken += it->second;
  }
  const std::int64_t total = p.campaign.enumerated ? taken : std::max(taken, reach);
  auto count = [&](const char* k) {
    auto it = p.tally.find(k);
    return it == p.tally.end() ? std::int64_t{0} : it->second;
  };
  const std::int64_t done = count("sent") + count("bounced") + count("skipped") + count("failed");
  if (bar) {
    const int width = 30;
    const int filled = total > 0 ? static_cast<int>(width * done / total) : 0;
    std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
              << done << "/" << total << " " << p.campaign.state << std::flush;
    return;
  }
  std::cout << "campaign " << p.campaign.name << ": " << p.campaign.state << "\n"
            << "  sent " << count("sent") << ", bounced " << count("bounced") << ", skipped "
            << count("skipped") << ", failed " << count("failed") << ", waiting "
            << count("pending") << " (of " << total << ")\n";
  for (const auto& [key, n] : p.tally) {
    if (key.rfind("sent:", 0) == 0) std::cout << "  by " << key.substr(5) << ": " << n << "\n";
  }
}

}  // namespace

void RegisterCampaignCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                              int& exit_code) {
  auto* tpl = admin->add_subcommand("template", "Message templates (docs/templates.md)")
                  ->require_subcommand(1);
  auto* save = tpl->add_subcommand("save", "Make or change a template from files");
  save->add_option("name", args->name)->required();
  save->add_option("--account", args->account)->required();
  save->add_option("--subject", args->subject, "the subject line (a template)")->required();
  save->add_option("--text", args->file, "the text part (a file)")->required();
  save->add_option("--html", args->html_file, "the HTML part (a file)");
  save->add_flag("--phi", args->phi, "it carries health data: never sent in clear");
  save->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto text = PartFile(a.file);
    if (!text.ok()) return std::move(text).error();
    auto html = PartFile(a.html_file);
    if (!html.ok()) return std::move(html).error();
    Desk desk(c);
    auto s = desk.campaigns.PutTemplate(a.account, a.name, a.subject, *text, *html, a.phi);
    if (!s.ok()) {
      Error e = std::move(s).error();
      if (e.field == "text") e.message = a.file + ": " + e.message;
      if (e.field == "html") e.message = a.html_file + ": " + e.message;
      return e;
    }
    std::cout << "template " << a.name << " saved" << (a.phi ? " (carries health data)" : "")
              << "\n";
    return OkStatus();
  }));

  auto* preview = tpl->add_subcommand("preview", "A template as one contact would get it");
  preview->add_option("name", args->name)->required();
  preview->add_option("--account", args->account)->required();
  preview->add_option("--contact", args->address)->required();
  preview->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    Desk desk(c);
    auto rendered = desk.campaigns.Preview(a.account, a.name, a.address);
    if (!rendered.ok()) return std::move(rendered).error();
    // It shows a contact's attributes: on record first.
    audit::DetailPending(
        boost::json::serialize(boost::json::object{{"template", a.name}, {"contact", a.address}}));
    if (auto recorded = RecordAccessNow(c); !recorded.ok()) return recorded;
    std::cout << "Subject: " << rendered->subject << "\n\n" << rendered->text << "\n";
    if (!rendered->html.empty()) std::cout << "\n--- HTML ---\n" << rendered->html << "\n";
    return OkStatus();
  }));

  auto* campaign = admin->add_subcommand("campaign", "Campaigns: a template to a segment")
                       ->require_subcommand(1);
  auto* create = campaign->add_subcommand("create", "Make a campaign (a draft)");
  create->add_option("name", args->name)->required();
  create->add_option("--account", args->account)->required();
  create->add_option("--segment", args->segment)->required();
  create->add_option("--template", args->template_name)->required();
  create->add_option("--from", args->from)->required();
  create->add_option("--per-minute", args->per_minute, "messages a minute in all (600)");
  create->add_option("--per-domain", args->per_domain, "a minute to one domain (120)");
  create->add_flag("--no-tracking", args->no_tracking,
                   "count no opens or clicks (a template with health data never does)");
  create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    Desk desk(c);
    campaigns::Campaigns::NewCampaign n{a.name, a.segment, a.template_name, a.from};
    n.tracking = !a.no_tracking;
    n.per_minute = a.per_minute;
    n.per_domain_per_minute = std::min(a.per_domain, a.per_minute);
    auto made = desk.campaigns.Create(a.account, n);
    if (!made.ok()) return std::move(made).error();
    std::cout << "campaign " << a.name << " made (a draft: schedule it to send)\n";
    return OkStatus();
  }));

  auto* schedule = campaign->add_subcommand("schedule", "Send a draft now or at a time");
  schedule->add_option("name", args->name)->required();
  schedule->add_option("--account", args->account)->required();
  schedule->add_option("--at", args->since, "when (2026-12-08T09:00:00Z); now when not given");
  schedule->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    std::int64_t at = c.clock.NowUnix();
    if (!a.since.empty()) {
      auto parsed = ParseRfc3339OrDate(a.since);
      if (!parsed.ok())
        return MakeError(ErrorCode::kInvalidArgument, parsed.error().message, "--at");
      at = *parsed;
    }
    Desk desk(c);
    auto s = desk.campaigns.Schedule(a.account, a.name, at);
    if (s.ok())
      std::cout << "campaign " << a.name << " scheduled for " << FormatRfc3339(at) << "\n";
    return s;
  }));

  for (const char* verb : {"pause", "resume", "cancel"}) {
    auto* sub = campaign->add_subcommand(verb, std::string(verb) + " a campaign");
    sub->add_option("name", args->name)->required();
    sub->add_option("--account", args->account)->required();
    const std::string v = verb;
    sub->callback(Command(args, exit_code, [v](Context& c, AdminArgs& a) -> Status {
      Desk desk(c);
      Status s = v == "pause"    ? desk.campaigns.Pause(a.account, a.name)
                 : v == "resume" ? desk.campaigns.Resume(a.account, a.name)
                                 : desk.campaigns.Cancel(a.account, a.name);
      if (s.ok())
        std::cout << "campaign " << a.name << ": " << v << (v == "cancel" ? "led" : "d") << "\n";
      return s;
    }));
  }

  auto* show = campaign->add_subcommand("show", "A campaign's progress; --watch until it ends");
  show->add_option("name", args->name)->required();
  show->add_option("--account", args->account)->required();
  show->add_flag("--watch", args->progress, "a progress bar until the campaign ends");
  show->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    Desk desk(c);
    for (;;) {
      auto p = desk.campaigns.Find(a.account, a.name);
      if (!p.ok()) return std::move(p).error();
      std::int64_t reach = 0;
      if (!p->campaign.enumerated) {
        auto segment = c.stores->contacts->FindSegmentById(p->campaign.segment_id);
        if (segment.ok() && *segment) {
          auto n = desk.book.Count(a.account, (*segment)->name);
          if (n.ok()) reach = n->matched - n->suppressed;
        }
      }
      const bool ended = p->campaign.state == "done" || p->campaign.state == "cancelled";
      if (!a.progress || ended) {
        if (a.progress) {
          PrintProgress(*p, reach, true);
          std::cerr << "\n";
        }
        PrintProgress(*p, reach, false);
        return OkStatus();
      }
      PrintProgress(*p, reach, ::isatty(2) != 0);
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }));

  AddReportCommand(campaign, "campaign", args, exit_code, [](Desk& desk, const AdminArgs& a) {
    return desk.campaigns.Report(a.account, a.name);
  });

  auto* list = campaign->add_subcommand("list", "The account's campaigns");
  list->add_option("--account", args->account)->required();
  list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    Desk desk(c);
    auto found = desk.campaigns.List(a.account);
    if (!found.ok()) return std::move(found).error();
    for (const auto& cr : *found) {
      std::cout << cr.name << "\t" << cr.state << "\t"
                << (cr.scheduled_at ? FormatRfc3339(cr.scheduled_at) : "-") << "\n";
    }
    return OkStatus();
  }));

  auto* automation = admin->add_subcommand("automation", "Automations: sequences a segment walks")
                         ->require_subcommand(1);
  auto* put = automation->add_subcommand("save", "Make or change an automation (active)");
  put->add_option("name", args->name)->required();
  put->add_option("--account", args->account)->required();
  put->add_option("--segment", args->segment)->required();
  put->add_option("--from", args->from)->required();
  put->add_option("--trigger", args->condition,
                  R"(JSON: {"date": "appointment", "offset_days": -2} or {"event": "order"})")
      ->required();
  put->add_option("--steps", args->description,
                  R"(JSON: [{"template": "t", "wait_days": 0, "unless_opened": false}, …])")
      ->required();
  put->add_flag("--no-tracking", args->no_tracking,
                "count no opens or clicks (a template with health data never does)");
  put->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    Desk desk(c);
    auto s = desk.automations.Put(a.account, a.name, a.segment, a.from, a.condition, a.description,
                                  !a.no_tracking);
    if (!s.ok()) {
      Error e = std::move(s).error();
      if (e.field.rfind("trigger", 0) == 0) e.field = "--trigger (" + e.field + ")";
      if (e.field.rfind("steps", 0) == 0) e.field = "--steps (" + e.field + ")";
      return e;
    }
    std::cout << "automation " << a.name << " saved (active)\n";
    return OkStatus();
  }));
  for (const char* verb : {"pause", "resume"}) {
    auto* sub = automation->add_subcommand(verb, std::string(verb) + " an automation");
    sub->add_option("name", args->name)->required();
    sub->add_option("--account", args->account)->required();
    const bool active = std::string(verb) == "resume";
    sub->callback(Command(args, exit_code, [active](Context& c, AdminArgs& a) -> Status {
      Desk desk(c);
      auto s = desk.automations.SetActive(a.account, a.name, active);
      if (s.ok()) std::cout << "automation " << a.name << (active ? " active" : " paused") << "\n";
      return s;
    }));
  }
  AddReportCommand(automation, "automation", args, exit_code, [](Desk& desk, const AdminArgs& a) {
    return desk.automations.Report(a.account, a.name);
  });
  auto* places = automation->add_subcommand("show", "Each contact's place in an automation");
  places->add_option("name", args->name)->required();
  places->add_option("--account", args->account)->required();
  places->add_option("--limit", args->limit, "at most (50)");
  places->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    Desk desk(c);
    auto runs = desk.automations.Places(a.account, a.name,
                                        static_cast<std::size_t>(std::clamp(a.limit, 1, 100000)));
    if (!runs.ok()) return std::move(runs).error();
    for (const auto& r : *runs) {
      auto contact = c.stores->contacts->FindContactById(r.contact_id);
      const std::string who = contact.ok() && *contact ? (*contact)->address : r.contact_id;
      std::cout << who << "\t" << r.key << "\tstep " << r.step + 1 << "\t" << r.state
                << (r.state == "waiting" ? " until " + FormatRfc3339(r.due_at) : "")
                << (r.detail.empty() ? "" : ": " + r.detail) << "\n";
    }
    return OkStatus();
  }));
}

}  // namespace sealpost::admin
