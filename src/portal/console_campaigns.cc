// Patient engagement in the console (issue 25), for the people who run an account's
// campaigns (domain administrators and up): the account's campaigns with their progress,
// automations, segments (a condition counted as it is written, before it is saved),
// templates (previewed as one contact would get it — that contact's attributes, so the
// preview is on the audit trail first), and each campaign's and automation's report:
// charts drawn on the server, the same numbers in tables, and the CSV.
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cctype>
#include <tuple>

#include "base/text.h"
#include "campaigns/automations.h"
#include "campaigns/campaigns.h"
#include "campaigns/contacts.h"
#include "campaigns/report.h"
#include "console/charts.h"
#include "portal/common.h"
#include "portal/console_pages.h"
#include "store/campaign_store.h"
#include "store/stores.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

namespace {

constexpr std::size_t kPlacesShown = 50;

int Clamp(std::int64_t n) { return static_cast<int>(std::min<std::int64_t>(n, 1'000'000'000)); }

void AddCounts(ctemplate::TemplateDictionary* row, const EngagementReport::Counts& c) {
  row->SetIntValue("SENT", Clamp(c.sent));
  row->SetIntValue("DELIVERED", Clamp(c.delivered));
  row->SetIntValue("BOUNCED", Clamp(c.bounced));
  row->SetIntValue("OPENED", Clamp(c.opened));
  row->SetIntValue("CLICKED", Clamp(c.clicked));
  row->SetIntValue("UNSUBSCRIBED", Clamp(c.unsubscribed));
  row->SetIntValue("COMPLAINED", Clamp(c.complained));
}

// The report's charts and tables (console_report.tpl's part of the page).
void AddReport(ctemplate::TemplateDictionary& d, const EngagementReport& r,
               const std::string& csv_href) {
  const auto& a = r.all;
  d.SetValue("CSV", csv_href);
  AddCounts(&d, a);
  d.SetValue("DELIVERED_SHARE", campaigns::Share(a.delivered, a.sent));
  d.SetValue("OPENED_SHARE", campaigns::Share(a.opened, a.sent));
  d.SetValue("CLICKED_SHARE", campaigns::Share(a.clicked, a.sent));
  d.SetValue("OUTCOME_CHART",
             console::HorizontalBars("outcomes", "What became of the messages",
                                     {{"sent", Clamp(a.sent), "#0b5394"},
                                      {"delivered", Clamp(a.delivered), "#1e6b2f"},
                                      {"bounced", Clamp(a.bounced), "#a4000f"},
                                      {"opened", Clamp(a.opened), "#00687a"},
                                      {"clicked", Clamp(a.clicked), "#5b2a86"},
                                      {"unsubscribed", Clamp(a.unsubscribed), "#6b4f00"},
                                      {"complaints", Clamp(a.complained), "#4a4a4a"}}));
  std::vector<console::Bar> methods;
  for (const auto& [method, n] : r.by_method) {
    methods.push_back({method, Clamp(n), "#0b5394"});
    auto* row = d.AddSectionDictionary("METHOD");
    row->SetValue("NAME", method);
    row->SetIntValue("N", Clamp(n));
  }
  if (!methods.empty()) {
    d.SetValue("METHOD_CHART", console::HorizontalBars("methods", "Messages by method", methods));
  }
  for (const auto& [state, n] : r.not_sent) {
    auto* row = d.AddSectionDictionary("NOT_SENT");
    row->SetValue("STATE", state);
    row->SetIntValue("N", Clamp(n));
  }
  std::vector<console::Bar> domains;
  for (const auto& [domain, c] : r.by_domain) {
    if (domains.size() < 10) domains.push_back({domain, Clamp(c.sent), "#0b5394"});
    auto* row = d.AddSectionDictionary("DOMAIN");
    row->SetValue("NAME", domain);
    AddCounts(row, c);
  }
  if (!domains.empty()) {
    d.SetValue("DOMAIN_CHART", console::HorizontalBars("domains",
                                                       "Messages by recipient domain "
                                                       "(the ten with most)",
                                                       domains));
  }
  if (!r.by_step.empty()) {
    auto* steps = d.AddSectionDictionary("STEPS");
    for (const auto& [step, c] : r.by_step) {
      auto* row = steps->AddSectionDictionary("STEP");
      row->SetIntValue("STEP", step);
      AddCounts(row, c);
    }
  }
}

// A campaign's, automation's or template's name from the path, where the pages' links
// percent-encode it; a bad escape names nothing (and so finds nothing: 404).
std::string NameOf(const http::Request& req) {
  return http::PercentDecode(req.params[0]).value_or("");
}

Response Csv(const std::string& name, std::string body) {
  Response r;
  r.status = 200;
  r.body = std::move(body);
  r.Set("Content-Type", "text/csv; charset=utf-8");
  std::string file;
  for (char c : name) file += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  r.Set("Content-Disposition", "attachment; filename=\"" + file + "-report.csv\"");
  return r;
}

}  // namespace

Response ConsolePages::CampaignsPage(int status, const Visitor& visitor, const std::string& error,
                                     const std::string& notice, const SegmentDraft& draft) {
  const CampaignServices& s = services_.campaigns;
  const std::string& account = visitor.account;
  auto campaigns = s.campaigns->List(account);
  auto automations = s.store->Automations(account);
  auto segments = s.contacts->Segments(account);
  auto lists = s.contacts->Lists(account);
  auto templates = s.store->Templates(account);
  if (!campaigns.ok() || !automations.ok() || !segments.ok() || !lists.ok() || !templates.ok()) {
    spdlog::error("console: campaigns of {} not read", SanitizeForLog(account));
    return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  std::map<std::string, std::string> list_names;
  for (const auto& l : *lists) list_names[l.id] = l.name;
  return Page(status, "console_campaigns.tpl", "Campaigns", &visitor, "CAMPAIGNS_CURRENT",
              [&](ctemplate::TemplateDictionary& d) {
                ShowOutcome(d, error, notice);
                d.SetValue("ACCOUNT", account);
                d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                for (const auto& c : *campaigns) {
                  auto* row = d.AddSectionDictionary("CAMPAIGN");
                  row->SetValue("NAME", c.name);
                  row->SetValue("HREF", http::PercentEncode(c.name));
                  row->SetValue("STATE", c.state);
                  row->SetValue("WHEN", c.scheduled_at ? HumanTime(c.scheduled_at) : "—");
                }
                if (campaigns->empty()) d.ShowSection("NO_CAMPAIGNS");
                for (const auto& a : *automations) {
                  auto* row = d.AddSectionDictionary("AUTOMATION");
                  row->SetValue("NAME", a.name);
                  row->SetValue("HREF", http::PercentEncode(a.name));
                  row->SetValue("STATE", a.state);
                }
                if (automations->empty()) d.ShowSection("NO_AUTOMATIONS");
                for (const auto& seg : *segments) {
                  auto* row = d.AddSectionDictionary("SEGMENT");
                  row->SetValue("NAME", seg.name);
                  row->SetValue("LIST", list_names[seg.list_id]);
                  row->SetValue("CONDITION", seg.condition.empty() ? "everyone" : seg.condition);
                }
                for (const auto& l : *lists) {
                  auto* row = d.AddSectionDictionary("LIST");
                  row->SetValue("NAME", l.name);
                  row->SetIntValue("SUBSCRIBED", Clamp(l.subscribed));
                  if (l.name == draft.list) row->ShowSection("SELECTED");
                }
                for (const auto& t : *templates) {
                  auto* row = d.AddSectionDictionary("TEMPLATE");
                  row->SetValue("NAME", t.name);
                  row->SetValue("HREF", http::PercentEncode(t.name));
                  if (t.carries_phi) row->ShowSection("PHI");
                }
                d.SetValue("SEGMENT_NAME", draft.name);
                d.SetValue("SEGMENT_CONDITION", draft.condition);
                if (draft.counted) {
                  auto* c = d.AddSectionDictionary("COUNTED");
                  c->SetIntValue("MEMBERS", Clamp(draft.count.members));
                  c->SetIntValue("MATCHED", Clamp(draft.count.matched));
                  c->SetIntValue("SUPPRESSED", Clamp(draft.count.suppressed));
                  c->SetIntValue("REACHED", Clamp(draft.count.matched - draft.count.suppressed));
                }
              });
}

awaitable<Response> ConsolePages::Campaigns(http::Request&, const Visitor& visitor) {
  co_return co_await MadeOffLoop([&] { return CampaignsPage(200, visitor, "", "", {}); });
}

awaitable<Response> ConsolePages::SaveSegment(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/campaigns", "Back to the campaigns");
  }
  auto form = http::ParseForm(req.body);
  SegmentDraft draft;
  draft.name = std::string(TrimWhitespace(Field(form, "name")));
  draft.list = Field(form, "list");
  draft.condition = Field(form, "condition");
  if (Field(form, "action") == "count") {
    // Counted as written, saved or not: a read of the list, changing nothing.
    co_return co_await MadeOffLoop([&] {
      auto count = services_.campaigns.contacts->CountCondition(visitor.account, draft.list,
                                                                draft.condition);
      if (!count.ok()) {
        return CampaignsPage(StatusOf(count.error()), visitor,
                             "Not counted: " + Refusal(count.error()), "", draft);
      }
      draft.counted = true;
      draft.count = *count;
      return CampaignsPage(200, visitor, "", "", draft);
    });
  }
  Status saved = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, SanitizeForLog(draft.name, 100),
          [&] {
            return services_.campaigns.contacts->PutSegment(visitor.account, draft.name, draft.list,
                                                            draft.condition);
          },
          &saved)) {
    co_return std::move(*busy);
  }
  co_return co_await MadeOffLoop([&] {
    if (!saved.ok()) {
      return CampaignsPage(StatusOf(saved.error()), visitor,
                           "The segment was not saved: " + Refusal(saved.error()), "", draft);
    }
    return CampaignsPage(200, visitor, "", "The segment " + draft.name + " is saved.", {});
  });
}

awaitable<Response> ConsolePages::CampaignView(http::Request& req, const Visitor& visitor) {
  const std::string name = NameOf(req);
  co_return co_await MadeOffLoop([&] {
    auto progress = services_.campaigns.campaigns->Find(visitor.account, name);
    if (!progress.ok()) {
      if (progress.error().code == ErrorCode::kNotFound) {
        return Info(404, "No such campaign", {}, &visitor, "/console/campaigns",
                    "Back to the campaigns");
      }
      return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
    }
    auto report = services_.campaigns.campaigns->Report(visitor.account, name);
    if (!report.ok()) {
      return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
    }
    const CampaignRecord& c = progress->campaign;
    std::int64_t taken = 0, sent = 0;
    for (const auto& [key, n] : progress->tally) {
      if (key.find(':') != std::string::npos) continue;
      taken += n;
      if (key == "sent" || key == "bounced") sent += n;
    }
    return Page(
        200, "console_campaign.tpl", "Campaign " + c.name, &visitor, "CAMPAIGNS_CURRENT",
        [&](ctemplate::TemplateDictionary& d) {
          d.SetValue("NAME", c.name);
          d.SetValue("HREF", http::PercentEncode(c.name));
          d.SetValue("STATE", c.state);
          d.SetValue("FROM", c.sender);
          d.SetIntValue("PER_MINUTE", c.per_minute);
          d.SetIntValue("PER_DOMAIN", c.per_domain_per_minute);
          d.SetValue("TRACKING", c.tracking ? "counted" : "not counted");
          d.SetIntValue("TAKEN", Clamp(taken));
          d.SetIntValue("DONE", Clamp(sent));
          d.SetIntValue("PERCENT", taken > 0 ? Clamp(sent * 100 / taken) : 0);
          if (!c.enumerated) d.ShowSection("STILL_TAKING");
          d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
          // What the campaign's state lets be done to it.
          const bool on_its_way = c.state == "sending" || c.state == "scheduled";
          const bool ended = c.state == "done" || c.state == "cancelled";
          for (const auto& [action, label, can] :
               {std::tuple{"pause", "Pause", on_its_way},
                std::tuple{"resume", "Resume", c.state == "paused"},
                std::tuple{"cancel", "Cancel", !ended}}) {
            if (!can) continue;
            auto* b = d.AddSectionDictionary("ACTION");
            b->SetValue("ACTION", action);
            b->SetValue("LABEL", label);
          }
          auto* part = d.AddIncludeDictionary("REPORT");
          part->SetFilename("console_report.tpl");
          AddReport(*part, *report,
                    "/console/campaigns/" + http::PercentEncode(c.name) + "/report.csv");
        });
  });
}

awaitable<Response> ConsolePages::CampaignReportCsv(http::Request& req, const Visitor& visitor) {
  const std::string name = NameOf(req);
  co_return co_await MadeOffLoop([&] {
    return ReportCsvPage(visitor, name,
                         services_.campaigns.campaigns->Report(visitor.account, name));
  });
}

Response ConsolePages::ReportCsvPage(const Visitor& visitor, const std::string& name,
                                     const Result<EngagementReport>& report) const {
  if (!report.ok()) {
    const bool missing = report.error().code == ErrorCode::kNotFound;
    return Info(missing ? 404 : 500, missing ? "No such report" : "Something went wrong",
                {missing ? "Nothing of that name was found." : "Please try again in a moment."},
                &visitor);
  }
  return Csv(name, campaigns::ReportCsv(*report));
}

awaitable<Response> ConsolePages::MoveCampaign(http::Request& req, const Visitor& visitor) {
  const std::string name = NameOf(req);
  const std::string action = req.params[1];
  const std::string back = "/console/campaigns/" + http::PercentEncode(name);
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, back, "Back to the campaign");
  }
  if (action != "pause" && action != "resume" && action != "cancel") {
    co_return Info(404, "Not found", {"Campaigns are paused, resumed or cancelled."}, &visitor);
  }
  Status moved = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, SanitizeForLog(name, 100),
          [&] {
            auto& desk = *services_.campaigns.campaigns;
            return action == "pause"    ? desk.Pause(visitor.account, name)
                   : action == "resume" ? desk.Resume(visitor.account, name)
                                        : desk.Cancel(visitor.account, name);
          },
          &moved)) {
    co_return std::move(*busy);
  }
  if (!moved.ok()) {
    co_return Info(StatusOf(moved.error()), "The campaign was not changed",
                   {Refusal(moved.error())}, &visitor, back, "Back to the campaign");
  }
  co_return http::RedirectResponse(back);
}

awaitable<Response> ConsolePages::AutomationView(http::Request& req, const Visitor& visitor) {
  const std::string name = NameOf(req);
  co_return co_await MadeOffLoop([&] {
    auto& automations = *services_.campaigns.automations;
    auto report = automations.Report(visitor.account, name);
    if (!report.ok()) {
      if (report.error().code == ErrorCode::kNotFound) {
        return Info(404, "No such automation", {}, &visitor, "/console/campaigns",
                    "Back to the campaigns");
      }
      return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
    }
    auto places = automations.Places(visitor.account, name, kPlacesShown);
    auto record = services_.campaigns.store->FindAutomation(visitor.account, name);
    if (!places.ok() || !record.ok() || !*record) {
      return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
    }
    return Page(200, "console_automation.tpl", "Automation " + name, &visitor, "CAMPAIGNS_CURRENT",
                [&](ctemplate::TemplateDictionary& d) {
                  d.SetValue("NAME", name);
                  d.SetValue("STATE", (*record)->state);
                  d.SetValue("FROM", (*record)->sender);
                  d.SetValue("TRIGGER", (*record)->trigger);
                  d.SetValue("STEPS", (*record)->steps);
                  d.SetValue("TRACKING", (*record)->tracking ? "counted" : "not counted");
                  for (const auto& r : *places) {
                    auto* row = d.AddSectionDictionary("PLACE");
                    auto contact = services_.campaigns.contacts->FindById(r.contact_id);
                    row->SetValue("CONTACT",
                                  contact.ok() && *contact ? (*contact)->address : "(forgotten)");
                    row->SetValue("KEY", r.key);
                    row->SetIntValue("STEP", r.step + 1);
                    row->SetValue("STATE", r.state);
                    row->SetValue("WHEN", r.state == "waiting" ? HumanTime(r.due_at) : "");
                    row->SetValue("DETAIL", r.detail);
                  }
                  auto* part = d.AddIncludeDictionary("REPORT");
                  part->SetFilename("console_report.tpl");
                  AddReport(*part, *report,
                            "/console/automations/" + http::PercentEncode(name) + "/report.csv");
                });
  });
}

awaitable<Response> ConsolePages::AutomationReportCsv(http::Request& req, const Visitor& visitor) {
  const std::string name = NameOf(req);
  co_return co_await MadeOffLoop([&] {
    return ReportCsvPage(visitor, name,
                         services_.campaigns.automations->Report(visitor.account, name));
  });
}

awaitable<Response> ConsolePages::TemplatePreview(http::Request& req, const Visitor& visitor) {
  const std::string name = NameOf(req);
  const std::string contact(TrimWhitespace(Field(http::ParseForm(req.query, 4), "contact")));
  co_return co_await MadeOffLoop([&] {
    std::optional<Result<campaigns::MessageTemplate::Rendered>> rendered;
    if (!contact.empty()) {
      // A contact's attributes in the preview: on the trail before they are shown.
      audit::AuditRecord r = RecordOf(req, visitor);
      r.action = "campaign.template.previewed";
      r.account = visitor.account;
      r.subject = name;
      r.recipient = AsciiLower(contact);
      r.details = boost::json::serialize(boost::json::object{{"template", name}});
      if (auto s = services_.audit->Append(std::move(r)); !s.ok()) {
        return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
      }
      rendered.emplace(services_.campaigns.campaigns->Preview(visitor.account, name, contact));
    }
    auto t = services_.campaigns.store->FindTemplate(visitor.account, name);
    if (!t.ok()) return Info(500, "Something went wrong", {"Please try again."}, &visitor);
    if (!*t) {
      return Info(404, "No such template", {}, &visitor, "/console/campaigns",
                  "Back to the campaigns");
    }
    return Page(200, "console_template.tpl", "Template " + name, &visitor, "CAMPAIGNS_CURRENT",
                [&](ctemplate::TemplateDictionary& d) {
                  d.SetValue("NAME", name);
                  d.SetValue("HREF", http::PercentEncode(name));
                  d.SetValue("SUBJECT", (*t)->subject);
                  d.SetValue("TEXT", (*t)->text);
                  d.SetValue("CONTACT", contact);
                  if ((*t)->carries_phi) d.ShowSection("PHI");
                  if (rendered && !rendered->ok()) {
                    ShowOutcome(d, "Not previewed: " + Refusal(rendered->error()), "");
                  } else if (rendered) {
                    auto* p = d.AddSectionDictionary("PREVIEW");
                    p->SetValue("SUBJECT", (*rendered)->subject);
                    p->SetValue("TEXT", (*rendered)->text);
                    // The HTML part in a sandboxed frame: shown, never run.
                    if (!(*rendered)->html.empty()) {
                      p->AddSectionDictionary("HTML")->SetValue("SRCDOC", (*rendered)->html);
                    }
                  }
                });
  });
}

}  // namespace sealpost::portal
