// `sealpost admin mx …`: what is known of recipient domains' STARTTLS: the administrator's
// table and probes.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "base/text.h"

namespace sealpost::admin {

void RegisterMxCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                        int& exit_code) {
  auto* mx = admin->add_subcommand("mx", "What is known of recipient domains' TLS")->require_subcommand(1);
  auto* mx_set = mx->add_subcommand("set", "Record whether a domain's MX offers STARTTLS");
  mx_set->add_option("domain", args->name)->required();
  mx_set->add_option("--tls", args->tls, "yes or no")->required()->check(CLI::IsMember({"yes", "no"}));
  mx_set->add_option("--host", args->host, "the MX host name");
  mx_set->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.directory->SetMxTls(a.name, a.tls == "yes", a.host);
    if (s.ok()) std::cout << "mx " << a.name << ": STARTTLS " << a.tls << "\n";
    return s;
  }));
  auto* mx_show = mx->add_subcommand("show", "What is known of a domain's STARTTLS, and from whom");
  mx_show->add_option("domain", args->name)->required();
  mx_show->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto found = c.org->FindMxTls(AsciiLower(a.name));
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value()) {
      return MakeError(ErrorCode::kNotFound, "nothing is known of " + a.name +
                                                 " (the server probes it when it is needed)");
    }
    const MxTlsRecord& m = **found;
    if (m.host.empty()) {
      std::cout << m.domain << ": no mail server answered the probe at "
                << FormatRfc3339(m.updated_at) << "; probed again after "
                << FormatRfc3339(m.expires_at) << "\n";
    } else {
      std::cout << m.domain << ": " << m.host << (m.starttls ? " offers" : " does not offer")
                << " STARTTLS; "
                << (m.expires_at == 0 ? "set by an administrator at "
                                      : "probed at ")
                << FormatRfc3339(m.updated_at)
                << (m.expires_at == 0 ? "" : ", probed again after " + FormatRfc3339(m.expires_at))
                << "\n";
    }
    return OkStatus();
  }));
  auto* mx_forget = mx->add_subcommand("forget", "Forget a domain's STARTTLS: probed afresh when next needed");
  mx_forget->add_option("domain", args->name)->required();
  mx_forget->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto s = c.org->ForgetMxTls(AsciiLower(a.name));
    if (s.ok()) std::cout << "mx " << a.name << ": forgotten\n";
    return s;
  }));

  // DKIM keys (issue 4): made here, published by the domain's administrator in DNS.
}

}  // namespace sealpost::admin
