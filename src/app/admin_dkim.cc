// `sealpost admin dkim …`: dKIM signing keys of sending domains, and the DNS records to
// publish.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "base/text.h"
#include "dkim/domain_signer.h"

namespace sealpost::admin {

void RegisterDkimCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                          int& exit_code) {
  auto* dkim_cmd = admin->add_subcommand("dkim", "DKIM signing keys of sending domains")->require_subcommand(1);
  auto* dkim_create = dkim_cmd->add_subcommand(
      "create", "Make a domain's DKIM key (replacing its key of that algorithm) and print the DNS record");
  dkim_create->add_option("domain", args->name)->required();
  dkim_create->add_option("--algorithm", args->algorithm, "rsa (2048 bits, the default) or ed25519");
  dkim_create->add_option("--selector", args->selector, "default: sealpost-<algorithm>-<yyyymm>");
  dkim_create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto algorithm = dkim::ParseAlgorithm(a.algorithm);
    if (!algorithm.ok()) return std::move(algorithm).error();
    dkim::DomainSigner signer(*c.org, c.keys->metadata(), c.clock);
    auto key = signer.CreateKey(a.name, *algorithm, a.selector);
    if (!key.ok()) return std::move(key).error();
    std::cout << "DKIM key for " << key->domain << " (" << key->algorithm << "), selector "
              << key->selector << ". Mail from " << key->domain
              << " is signed with it from now on; publish this TXT record in its DNS zone:\n"
              << dkim::ZoneFileRecord(*key) << "\n";
    return OkStatus();
  }));
  auto* dkim_list = dkim_cmd->add_subcommand("list", "List DKIM keys and their DNS records");
  dkim_list->add_option("domain", args->name, "only this domain's");
  dkim_list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto keys = c.org->DkimKeys(AsciiLower(a.name));
    if (!keys.ok()) return std::move(keys).error();
    if (keys->empty() && !a.name.empty()) {
      return MakeError(ErrorCode::kNotFound, a.name + " has no DKIM key");
    }
    for (const auto& k : *keys) {
      std::cout << k.domain << "  " << k.algorithm << "  " << k.selector << "  created "
                << FormatRfc3339(k.created_at) << "\n  " << dkim::ZoneFileRecord(k) << "\n";
    }
    return OkStatus();
  }));
  auto* dkim_delete = dkim_cmd->add_subcommand("delete", "Stop signing a domain's mail with one of its keys");
  dkim_delete->add_option("domain", args->name)->required();
  dkim_delete->add_option("--algorithm", args->algorithm, "rsa or ed25519")->required();
  dkim_delete->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto algorithm = dkim::ParseAlgorithm(a.algorithm);
    if (!algorithm.ok()) return std::move(algorithm).error();
    auto s = c.org->DeleteDkimKey(AsciiLower(a.name), dkim::AlgorithmName(*algorithm));
    if (s.ok()) std::cout << a.name << ": " << dkim::AlgorithmName(*algorithm) << " key deleted\n";
    return s;
  }));

  // TLS reports (issue 4): the server sends each day's once it is over; this sends now.
}

}  // namespace sealpost::admin
