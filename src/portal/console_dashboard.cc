// The administrators' dashboard (issue 22): the last two weeks of an account's mail (the
// whole organisation's for its administrators) as charts drawn on the server — each
// recipient's method by day, where recipients got to, how much of what left over the
// network went with TLS, which recipient domains mail waits for now — with the locked
// and expired copies, and every number also in a table.
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <ctime>

#include "console/charts.h"
#include "portal/common.h"
#include "portal/console_pages.h"
#include "store/stores.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using console::Role;
using http::Response;

namespace {

constexpr int kDays = 14;
constexpr std::int64_t kRecountSeconds = 60;
constexpr std::size_t kMaxCachedScopes = 1000;

struct MethodStyle {
  const char* method;
  const char* name;
  const char* colour;
};
// Distinct, and each at least 3:1 against the white page (WCAG 1.4.11).
constexpr MethodStyle kMethods[] = {
    {"escrow", "secure portal", "#0b5394"}, {"tls-only", "TLS only", "#1e6b2f"},
    {"standard", "standard", "#6b4f00"},    {"pgp", "OpenPGP", "#5b2a86"},
    {"smime", "S/MIME", "#00687a"},         {"send-plain", "sent plain", "#a4000f"},
    {"bounce", "not sent", "#4a4a4a"},
};

std::string DayLabel(std::int64_t day) {
  std::time_t t = static_cast<std::time_t>(day);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%d %b", &tm);
  return buf[0] == '0' ? std::string(buf + 1) : std::string(buf);
}

}  // namespace

awaitable<Response> ConsolePages::Dashboard(http::Request& req, const Visitor& visitor) {
  // An organisation administrator sees the organisation; a domain administrator their
  // account.
  const std::string account = visitor.role == Role::kOrgAdmin ? "" : visitor.account;
  const std::int64_t now = ctx_.clock.NowUnix();
  const std::int64_t first_day = (now / 86400 - (kDays - 1)) * 86400;
  std::shared_ptr<const DashboardFacts> counted;
  std::int64_t counted_at = now;
  // "Count again now" asks for fresh counts.
  if (Field(http::ParseForm(req.query), "recount") != "1") {
    std::lock_guard lock(dashboard_mu_);
    auto it = dashboard_cache_.find(account);
    if (it != dashboard_cache_.end() && it->second.first_day == first_day &&
        now >= it->second.counted_at && now - it->second.counted_at < kRecountSeconds) {
      counted = it->second.facts;
      counted_at = it->second.counted_at;
    }
  }
  if (!counted) {
    std::optional<Result<DashboardFacts>> facts;
    const Brand brand = ctx_.brands.ForNamespace("");
    if (auto busy = co_await ctx_.OffLoop(
            brand, [&] { facts.emplace(services_.dashboard->Facts(account, first_day, now)); })) {
      co_return std::move(*busy);
    }
    if (!facts->ok()) {
      spdlog::error("console[{}]: dashboard not read: {}", req.id, facts->error().ToString());
      co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
    }
    counted = std::make_shared<const DashboardFacts>(std::move(**facts));
    std::lock_guard lock(dashboard_mu_);
    if (dashboard_cache_.size() >= kMaxCachedScopes) dashboard_cache_.clear();
    dashboard_cache_[account] = {now, first_day, counted};
  }
  const DashboardFacts& f = *counted;

  std::vector<std::string> labels;
  std::vector<console::Series> series;
  for (const auto& m : kMethods) series.push_back({m.name, m.colour, std::vector<int>(kDays, 0)});
  for (int i = 0; i < kDays; ++i) labels.push_back(DayLabel(first_day + std::int64_t{86400} * i));
  for (const auto& day : f.days) {
    const auto index = (day.day - first_day) / 86400;
    if (index < 0 || index >= kDays) continue;
    for (std::size_t k = 0; k < std::size(kMethods); ++k) {
      auto it = day.by_method.find(kMethods[k].method);
      if (it != day.by_method.end()) series[k].values[index] = it->second;
    }
  }
  std::vector<console::Bar> statuses;
  for (const auto& [status, n] : f.statuses) {
    const bool bad = status == "bounced" || status == "locked";
    statuses.push_back({status, n, bad ? "#a4000f" : "#0b5394"});
  }
  std::vector<console::Bar> deferred;
  for (const auto& [domain, n] : f.deferred_by_domain) deferred.push_back({domain, n, "#6b4f00"});
  const int without_tls = f.delivered - f.delivered_with_tls;
  const int tls_percent = f.delivered > 0 ? f.delivered_with_tls * 100 / f.delivered : 0;

  co_return Page(
      200, "console_dashboard.tpl", "Dashboard", &visitor, "DASHBOARD_CURRENT",
      [&](ctemplate::TemplateDictionary& d) {
        d.SetValue("SCOPE", account.empty() ? "the whole organisation" : "the account " + account);
        d.SetIntValue("DAYS", kDays);
        d.SetValue("COUNTED_AT", HumanTime(counted_at));
        d.SetIntValue("MESSAGES", f.messages);
        d.SetIntValue("LOCKED", f.locked);
        d.SetIntValue("EXPIRED", f.expired);
        d.SetIntValue("DELIVERED", f.delivered);
        d.SetIntValue("TLS_PERCENT", tls_percent);
        // The charts are drawn here (console/charts.cc escapes every text in them).
        d.SetValue("METHODS_CHART",
                   console::StackedBars("methods", "Recipients per day, by how they got it", labels,
                                        series));
        d.SetValue("STATUS_CHART",
                   console::HorizontalBars("statuses", "Where recipients got to", statuses));
        d.SetValue("TLS_CHART",
                   console::HorizontalBars("tls", "Delivered over the network",
                                           {{"with TLS", f.delivered_with_tls, "#1e6b2f"},
                                            {"without TLS", without_tls, "#a4000f"}}));
        if (deferred.empty()) {
          d.ShowSection("NO_DEFERRALS");
        } else {
          auto* waiting = d.AddSectionDictionary("DEFERRALS");
          waiting->SetValue(
              "CHART",
              console::HorizontalBars("deferred", "Mail waiting, by recipient domain", deferred));
          for (const auto& b : deferred) {
            auto* row = waiting->AddSectionDictionary("DEFERRED");
            row->SetValue("DOMAIN", b.label);
            row->SetIntValue("N", b.value);
          }
        }
        for (int i = 0; i < kDays; ++i) {
          auto* row = d.AddSectionDictionary("DAY");
          row->SetValue("LABEL", labels[i]);
          for (std::size_t k = 0; k < std::size(kMethods); ++k) {
            row->AddSectionDictionary("COUNT")->SetIntValue("N", series[k].values[i]);
          }
        }
        for (const auto& m : kMethods) d.AddSectionDictionary("METHOD")->SetValue("NAME", m.name);
        for (const auto& b : statuses) {
          auto* row = d.AddSectionDictionary("STATUS");
          row->SetValue("NAME", b.label);
          row->SetIntValue("N", b.value);
        }
      });
}

}  // namespace sealpost::portal
