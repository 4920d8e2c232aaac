#include "campaigns/report.h"

#include <boost/json.hpp>
#include <cstdio>
#include <vector>

#include "base/csv.h"

namespace sealpost::campaigns {
namespace json = boost::json;

namespace {

using Counts = EngagementReport::Counts;

std::string CsvRow(const std::string& by, const std::string& name, const Counts& c) {
  std::vector<std::string> cells{by, name};
  for (std::int64_t n :
       {c.sent, c.delivered, c.bounced, c.opened, c.clicked, c.unsubscribed, c.complained}) {
    cells.push_back(std::to_string(n));
  }
  return SpreadsheetLine(cells);  // a domain's name is the outside's text
}

json::object CountsJson(const Counts& c) {
  return {{"sent", c.sent},
          {"delivered", c.delivered},
          {"bounced", c.bounced},
          {"opened", c.opened},
          {"clicked", c.clicked},
          {"unsubscribed", c.unsubscribed},
          {"complained", c.complained}};
}

}  // namespace

std::string Share(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * static_cast<double>(part) / whole);
  return buf;
}

std::string ReportCsv(const EngagementReport& r) {
  std::string out = "by,name,sent,delivered,bounced,opened,clicked,unsubscribed,complained\r\n" +
                    CsvRow("all", "", r.all);
  for (const auto& [method, n] : r.by_method) {
    Counts c;
    c.sent = n;
    out += CsvRow("method", method, c);
  }
  for (const auto& [domain, c] : r.by_domain) out += CsvRow("domain", domain, c);
  for (const auto& [step, c] : r.by_step) out += CsvRow("step", std::to_string(step), c);
  return out;
}

std::string ReportJson(const EngagementReport& r) {
  json::object methods, not_sent;
  for (const auto& [m, n] : r.by_method) methods[m] = n;
  for (const auto& [s, n] : r.not_sent) not_sent[s] = n;
  json::array domains, steps;
  for (const auto& [d, c] : r.by_domain) {
    auto o = CountsJson(c);
    o["domain"] = d;
    domains.push_back(std::move(o));
  }
  for (const auto& [s, c] : r.by_step) {
    auto o = CountsJson(c);
    o["step"] = s;
    steps.push_back(std::move(o));
  }
  json::object out = CountsJson(r.all);
  out["by_method"] = std::move(methods);
  out["not_sent"] = std::move(not_sent);
  out["by_domain"] = std::move(domains);
  out["by_step"] = std::move(steps);
  return json::serialize(out);
}

std::string ReportText(const EngagementReport& r) {
  const Counts& a = r.all;
  std::string out =
      "sent " + std::to_string(a.sent) + ", delivered " + std::to_string(a.delivered) + " (" +
      Share(a.delivered, a.sent) + "), bounced " + std::to_string(a.bounced) + ", opened " +
      std::to_string(a.opened) + " (" + Share(a.opened, a.sent) + "), clicked " +
      std::to_string(a.clicked) + " (" + Share(a.clicked, a.sent) + "), unsubscribed " +
      std::to_string(a.unsubscribed) + ", complaints " + std::to_string(a.complained) + "\n";
  if (!r.by_method.empty()) {
    out += "by method:";
    for (const auto& [m, n] : r.by_method) out += " " + m + " " + std::to_string(n);
    out += "\n";
  }
  if (!r.not_sent.empty()) {
    out += "not sent:";
    for (const auto& [s, n] : r.not_sent) out += " " + s + " " + std::to_string(n);
    out += "\n";
  }
  auto line = [](const std::string& name, const Counts& c) {
    return "  " + name + ": sent " + std::to_string(c.sent) + ", delivered " +
           std::to_string(c.delivered) + ", bounced " + std::to_string(c.bounced) + ", opened " +
           std::to_string(c.opened) + ", clicked " + std::to_string(c.clicked) + ", unsubscribed " +
           std::to_string(c.unsubscribed) + ", complaints " + std::to_string(c.complained) + "\n";
  };
  if (!r.by_step.empty()) {
    out += "by step:\n";
    for (const auto& [s, c] : r.by_step) out += line("step " + std::to_string(s), c);
  }
  if (!r.by_domain.empty()) {
    out += "by recipient domain:\n";
    for (const auto& [d, c] : r.by_domain) out += line(d, c);
  }
  return out;
}

}  // namespace sealpost::campaigns
