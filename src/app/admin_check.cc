// `sealpost admin check` (app/check.h): what to fix, one line each.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "app/admin_common.h"
#include "app/check.h"
#include "app/serve.h"
#include "dns/resolver.h"
#include "store/stores.h"

namespace sealpost::admin {

void RegisterCheckCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                           int& exit_code) {
  auto* check = admin->add_subcommand(
      "check", "Check the configuration, key files, certificate and the sending domains' DNS "
               "records, and say what to fix");
  check->add_flag("--no-dns", args->off, "Leave the DNS records out (no resolver needed)");
  check->callback([args, &exit_code] {
    auto opened = Open(args->config);
    if (!opened.ok()) {
      std::cout << "FAIL  configuration: " << opened.error().ToString() << "\n";
      exit_code = 1;
      return;
    }
    Context& c = **opened;
    std::vector<Finding> found = CheckFiles(c.config, c.clock);
    std::unique_ptr<dns::Resolver> resolver;
    if (!args->off) {
      auto made = NewResolver(c.config);
      if (made.ok()) {
        resolver = std::move(*made);
      } else {
        found.push_back({Finding::Level::kFailure, "DNS",
                         "no resolver: " + made.error().ToString() + ". Fix: delivery.resolver"});
      }
    }
    for (auto& f : CheckDomains(*c.org, resolver.get(), c.clock)) found.push_back(std::move(f));
    int failures = 0, warnings = 0;
    for (const auto& f : found) {
      const char* tag = f.level == Finding::Level::kOk        ? "ok  "
                        : f.level == Finding::Level::kWarning ? "warn"
                                                              : "FAIL";
      failures += f.level == Finding::Level::kFailure;
      warnings += f.level == Finding::Level::kWarning;
      std::cout << tag << "  " << f.subject << ": " << f.text << "\n";
    }
    std::cout << failures << " to fix, " << warnings << " warning(s)\n";
    exit_code = failures > 0 ? 1 : 0;
    // On record too (it changes nothing, but an auditor asks when it was last run and
    // what it found): the counts, not the findings' words.
    audit::AuditRecord r = AdminRecord(c, *args);
    r.action = "admin.check";
    r.details = boost::json::serialize(
        boost::json::object{{"to_fix", failures}, {"warnings", warnings}, {"dns", !args->off}});
    if (auto recorded = c.stores->audit->Append(std::move(r)); !recorded.ok()) {
      std::cerr << "sealpost admin: warning: the check is not in the audit trail: "
                << recorded.error().ToString() << "\n";
    }
  });
}

}  // namespace sealpost::admin
