#include "delivery/tls_reporter.h"

#include <spdlog/spdlog.h>

#include <map>

#include "base/text.h"
#include "crypto/random.h"
#include "delivery/queue_entry.h"
#include "delivery/resolver.h"
#include "delivery/tls_report.h"
#include "store/stores.h"

namespace sealpost::delivery {

Status TlsReporter::Keep(TlsSessionLog& log) { return store_.AddSessions(log.Drain()); }

Result<int> TlsReporter::Report(const std::string& day) {
  if (auto start = UtcDayStart(day); !start.ok()) return std::move(start).error();
  auto sessions = store_.TakeDay(day);
  if (!sessions.ok()) return std::move(sessions).error();
  std::map<std::string, std::vector<TlsSessionCount>> by_domain;
  for (auto& s : *sessions) by_domain[s.domain].push_back(std::move(s));

  const std::int64_t now = clock_.NowUnix();
  std::vector<QueueEntry> mails;
  for (auto& [domain, counts] : by_domain) {
    auto txt = resolver_.Txt("_smtp._tls." + domain);
    if (!txt.ok()) {
      spdlog::info("TLS report for {} ({}): not sent: {}", SanitizeForLog(domain, 100), day,
                   txt.error().message);
      continue;
    }
    auto rua = ParseTlsRptRecord(*txt);
    if (!rua.ok()) {
      if (rua.error().code != ErrorCode::kNotFound) {
        spdlog::info("TLS report for {}: {}", SanitizeForLog(domain, 100), rua.error().message);
      }
      continue;  // the domain asks for no reports
    }
    TlsReportInput input;
    input.organisation = settings_.organisation;
    input.submitter = settings_.submitter;
    input.contact = settings_.from;
    input.domain = domain;
    input.day = day;
    input.report_id = day + "." + NewId() + "@" + settings_.submitter;
    input.sessions = std::move(counts);
    for (const auto& uri : *rua) {
      if (uri.rfind("mailto:", 0) != 0) {
        spdlog::info("TLS report for {}: {} is not a mailto: address; not sent there",
                     SanitizeForLog(domain, 100), SanitizeForLog(uri, 200));
        continue;
      }
      std::string to = uri.substr(7);
      to = to.substr(0, to.find('?'));  // RFC 6068 header fields: not ours to add
      auto mail = BuildTlsReportMail(input, settings_.from, to, now);
      if (!mail.ok()) {
        spdlog::info("TLS report for {}: {}", SanitizeForLog(domain, 100), mail.error().message);
        continue;
      }
      auto entry = SealQueueEntry(queue_key_, "", to, *mail, now);
      if (!entry.ok()) return std::move(entry).error();
      mails.push_back(std::move(*entry));
    }
  }
  if (mails.empty()) return 0;
  auto queued = queue_.Record({}, mails, {});
  if (!queued.ok()) return std::move(queued).error();
  return static_cast<int>(mails.size());
}

Result<int> TlsReporter::ReportDue() {
  auto days = store_.DaysBefore(UtcDay(clock_.NowUnix()));
  if (!days.ok()) return std::move(days).error();
  int sent = 0;
  for (const auto& day : *days) {
    auto n = Report(day);
    if (!n.ok()) return std::move(n).error();
    sent += *n;
  }
  return sent;
}

}  // namespace sealpost::delivery
