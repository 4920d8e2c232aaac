// TLS reports in the console (issue 22; auditors and organisation administrators): what
// sealpost's TLS sessions with recipients' servers came to, per day, domain and policy
// (DANE, MTA-STS or none) — the tallies it reports each day to the domains that ask
// (RFC 8460), the reported days kept for thirteen months and today's still counting.
// Mail is never named: counts only.
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "console/charts.h"
#include "portal/common.h"
#include "portal/console_pages.h"
#include "store/stores.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

namespace {

constexpr int kTlsDays = 30;
// Rows on the page (the totals and the chart count them all): a gateway that writes to
// thousands of domains a day would otherwise make a page of hundreds of thousands.
constexpr std::size_t kShownRows = 500;

const char* PolicyWords(const std::string& type) {
  if (type == "tlsa") return "DANE";
  if (type == "sts") return "MTA-STS";
  return "none published";
}

// One row of the page: a day's sessions with a domain under a policy.
struct TlsRow {
  std::int64_t succeeded = 0;
  std::int64_t failed = 0;
  std::map<std::string, std::int64_t> failures;  // by RFC 8460 result type
  bool reported = true;
};

}  // namespace

awaitable<Response> ConsolePages::TlsReports(http::Request& req, const Visitor& visitor) {
  const std::int64_t now = ctx_.clock.NowUnix();
  const std::string since = FormatRfc3339(now - std::int64_t{86400} * (kTlsDays - 1)).substr(0, 10);
  std::optional<Result<std::vector<TlsTally>>> tallies;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(
          brand, [&] { tallies.emplace(services_.tls_reports->Tallies(since)); })) {
    co_return std::move(*busy);
  }
  if (!tallies->ok()) {
    spdlog::error("console[{}]: TLS tallies not read: {}", req.id, tallies->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  // Rows in the store's order (newest day first); failures summed per domain for the chart.
  std::vector<std::pair<std::tuple<std::string, std::string, std::string>, TlsRow>> rows;
  std::map<std::string, std::int64_t> failed_by_domain;
  std::int64_t succeeded = 0, failed = 0;
  for (const auto& t : **tallies) {
    auto key = std::make_tuple(t.day, t.domain, t.policy_type);
    if (rows.empty() || rows.back().first != key) rows.push_back({key, {}});
    TlsRow& row = rows.back().second;
    row.reported = row.reported && t.reported;
    if (t.result_type.empty()) {
      row.succeeded += t.count;
      succeeded += t.count;
    } else {
      row.failed += t.count;
      row.failures[t.result_type] += t.count;
      failed_by_domain[t.domain] += t.count;
      failed += t.count;
    }
  }
  std::vector<console::Bar> bars;
  for (const auto& [domain, n] : failed_by_domain) {
    bars.push_back({domain, static_cast<int>(n), "#b3261e"});
  }
  std::sort(bars.begin(), bars.end(),
            [](const console::Bar& a, const console::Bar& b) { return a.value > b.value; });
  if (bars.size() > 10) bars.resize(10);
  co_return Page(200, "console_tls.tpl", "TLS reports", &visitor, "TLS_CURRENT",
                 [&](ctemplate::TemplateDictionary& d) {
                   d.SetIntValue("DAYS", kTlsDays);
                   d.SetValue("SUCCEEDED", std::to_string(succeeded));
                   d.SetValue("FAILED", std::to_string(failed));
                   if (rows.empty()) d.ShowSection("NONE");
                   if (!bars.empty()) {
                     d.SetValue("CHART",
                                console::HorizontalBars("tls-failures",
                                                        "Failed TLS sessions by domain", bars));
                     d.ShowSection("FAILURES");
                   }
                   if (rows.size() > kShownRows) {
                     d.AddSectionDictionary("MORE")->SetValue(
                         "COUNT", std::to_string(rows.size() - kShownRows));
                     rows.resize(kShownRows);
                   }
                   for (const auto& [key, r] : rows) {
                     auto* row = d.AddSectionDictionary("ROW");
                     row->SetValue("DAY", std::get<0>(key));
                     row->SetValue("DOMAIN", std::get<1>(key));
                     row->SetValue("POLICY", PolicyWords(std::get<2>(key)));
                     row->SetValue("SUCCEEDED", std::to_string(r.succeeded));
                     row->SetValue("FAILED", std::to_string(r.failed));
                     std::string why;
                     for (const auto& [type, n] : r.failures) {
                       why += (why.empty() ? "" : ", ") + type + " (" + std::to_string(n) + ")";
                     }
                     row->SetValue("WHY", why);
                     row->SetValue("STATE", r.reported ? "reported" : "being counted");
                   }
                 });
}

}  // namespace sealpost::portal
