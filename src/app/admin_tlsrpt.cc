// `sealpost admin tlsrpt …`: tLS reports (RFC 8460) to recipients' domains, sent by hand
// for a day.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/serve.h"
#include "dns/resolver.h"
#include "delivery/tls_sessions.h"
#include "tlsrpt/reporter.h"

namespace sealpost::admin {

void RegisterTlsReportCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                               int& exit_code) {
  auto* tlsrpt = admin->add_subcommand("tlsrpt", "TLS reports (RFC 8460) to recipients' domains")
                     ->require_subcommand(1);
  auto* tlsrpt_send = tlsrpt->add_subcommand(
      "send", "Queue the reports of past days now (of one day with --day), to the domains that ask");
  tlsrpt_send->add_option("--day", args->day,
                          "YYYY-MM-DD or \"today\" (what is known so far; the rest goes later)");
  tlsrpt_send->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto resolver = NewResolver(c.config);
    if (!resolver.ok()) return std::move(resolver).error();
    TlsReportStore* store = c.stores->tls_reports.get();
    tlsrpt::TlsReporter reporter(TlsReporterSettingsOf(c.config), *store, *c.queue,
                                   c.keys->queue(), **resolver, c.clock);
    std::string day = a.day == "today" ? delivery::UtcDay(c.clock.NowUnix()) : a.day;
    auto sent = day.empty() ? reporter.ReportDue() : reporter.Report(day);
    if (!sent.ok()) return std::move(sent).error();
    std::cout << *sent << " TLS report(s) sent or queued\n";
    return OkStatus();
  }));

  // Sender controls (issue 7), as the API offers them.
}

}  // namespace sealpost::admin
