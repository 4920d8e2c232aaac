// `sealpost admin dkim …`: DKIM signing keys of sending domains, the DNS records to
// publish, and rollover from one key to the next with both published in between.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/check.h"
#include "app/serve.h"
#include "base/text.h"
#include "dkim/domain_signer.h"
#include "dns/resolver.h"

namespace sealpost::admin {
namespace {

Status Activate(Context& c, const AdminArgs& a, dkim::Algorithm algorithm) {
  dkim::DomainSigner signer(*c.org, c.keys->metadata(), c.clock);
  auto pending = signer.PendingKey(a.name, algorithm);
  if (!pending.ok()) return pending.error();
  // Signing with a key receivers cannot find fails DKIM for all the mail until they can.
  if (!a.off) {
    auto resolver = NewResolver(c.config);
    if (!resolver.ok()) return resolver.error();
    auto record = LookUpDkimRecord(**resolver, *pending);
    if (!record.ok()) return record.error();
    if (*record != DkimRecord::kThisKey) {
      return MakeError(
          ErrorCode::kFailedPrecondition,
          pending->selector + "._domainkey." + pending->domain +
              (*record == DkimRecord::kAnotherKey ? " publishes another key" : " has no key") +
              ": publish this record first (or give --no-dns when it is, but not here):\n" +
              dkim::ZoneFileRecord(*pending));
    }
  }
  auto retiring = signer.Activate(a.name, algorithm, static_cast<std::int64_t>(a.retire_days) * 86400);
  if (!retiring.ok()) return retiring.error();
  std::cout << pending->domain << " signs with " << pending->selector << " (" << pending->algorithm
            << ") from now on.\n";
  for (const auto& k : *retiring) {
    std::cout << k.selector << " retires: keep its TXT record published until "
              << FormatRfc3339(k.retire_at)
              << " (mail it signed is verified with it on the way), then remove it and run:\n"
              << "  sealpost admin dkim delete " << k.domain << " --selector " << k.selector
              << "\n";
  }
  return OkStatus();
}

}  // namespace

void RegisterDkimCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                          int& exit_code) {
  auto* dkim_cmd = admin->add_subcommand("dkim", "DKIM signing keys of sending domains")->require_subcommand(1);
  auto* dkim_create = dkim_cmd->add_subcommand(
      "create", "Make a domain's first DKIM key of an algorithm and print the DNS record");
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

  auto* rollover = dkim_cmd->add_subcommand(
      "rollover",
      "Make the next DKIM key of a domain: it signs once activated, after its record is published");
  rollover->add_option("domain", args->name)->required();
  rollover->add_option("--algorithm", args->algorithm, "rsa (the default) or ed25519");
  rollover->add_option("--selector", args->selector, "default: sealpost-<algorithm>-<yyyymm>[b-z]");
  rollover->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto algorithm = dkim::ParseAlgorithm(a.algorithm);
    if (!algorithm.ok()) return std::move(algorithm).error();
    dkim::DomainSigner signer(*c.org, c.keys->metadata(), c.clock);
    auto key = signer.RolloverKey(a.name, *algorithm, a.selector);
    if (!key.ok()) return std::move(key).error();
    std::cout << "New DKIM key for " << key->domain << " (" << key->algorithm << "), selector "
              << key->selector << ", pending: the current key keeps signing.\n"
              << "1. Publish this TXT record in the DNS zone of " << key->domain << ":\n"
              << dkim::ZoneFileRecord(*key) << "\n"
              << "2. Once it is seen (sealpost admin check), switch to it:\n"
              << "  sealpost admin dkim activate " << key->domain << " --algorithm " << a.algorithm
              << "\n";
    return OkStatus();
  }));

  auto* activate = dkim_cmd->add_subcommand("activate",
                                            "Sign with a domain's pending DKIM key; the key it "
                                            "replaces retires, its record kept a while");
  activate->add_option("domain", args->name)->required();
  activate->add_option("--algorithm", args->algorithm, "rsa (the default) or ed25519");
  activate
      ->add_option("--retire-days", args->retire_days,
                    "Days the retiring key's record stays published (default 7)")
      ->check(CLI::Range(1, 365));
  activate->add_flag("--no-dns", args->off, "Do not check that DNS publishes the new key");
  activate->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto algorithm = dkim::ParseAlgorithm(a.algorithm);
    if (!algorithm.ok()) return std::move(algorithm).error();
    return Activate(c, a, *algorithm);
  }));

  auto* dkim_list = dkim_cmd->add_subcommand("list", "List DKIM keys, their state and DNS records");
  dkim_list->add_option("domain", args->name, "only this domain's");
  dkim_list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto keys = c.org->DkimKeys(AsciiLower(a.name));
    if (!keys.ok()) return std::move(keys).error();
    if (keys->empty() && !a.name.empty()) {
      return MakeError(ErrorCode::kNotFound, a.name + " has no DKIM key");
    }
    for (const auto& k : *keys) {
      std::cout << k.domain << "  " << k.algorithm << "  " << k.selector << "  " << k.state;
      if (k.state == "retiring") std::cout << " until " << FormatRfc3339(k.retire_at);
      std::cout << "  created " << FormatRfc3339(k.created_at) << "\n  " << dkim::ZoneFileRecord(k)
                << "\n";
    }
    return OkStatus();
  }));

  auto* dkim_delete =
      dkim_cmd->add_subcommand("delete", "Delete a domain's DKIM key, by selector or algorithm");
  dkim_delete->add_option("domain", args->name)->required();
  auto* by_selector =
      dkim_delete->add_option("--selector", args->selector, "the key of this selector");
  auto* by_algorithm =
      dkim_delete->add_option("--algorithm", args->algorithm, "every key of rsa or ed25519");
  by_selector->excludes(by_algorithm);
  dkim_delete->callback(
      Command(args, exit_code, [by_selector, by_algorithm](Context& c, AdminArgs& a) -> Status {
        const std::string domain = AsciiLower(a.name);
        if (by_selector->count() == 0 && by_algorithm->count() == 0) {
          return MakeError(ErrorCode::kInvalidArgument, "give --selector or --algorithm");
        }
        std::vector<std::string> selectors;
        if (by_selector->count() > 0) {
          selectors.push_back(a.selector);
        } else {
          auto algorithm = dkim::ParseAlgorithm(a.algorithm);
          if (!algorithm.ok()) return std::move(algorithm).error();
          auto keys = c.org->DkimKeys(domain);
          if (!keys.ok()) return std::move(keys).error();
          for (const auto& k : *keys) {
            if (k.algorithm == dkim::AlgorithmName(*algorithm)) selectors.push_back(k.selector);
          }
          if (selectors.empty()) {
            return MakeError(ErrorCode::kNotFound,
                             domain + " has no " + dkim::AlgorithmName(*algorithm) + " DKIM key");
          }
        }
        dkim::DomainSigner signer(*c.org, c.keys->metadata(), c.clock);
        for (const auto& selector : selectors) {
          auto s = signer.DeleteKey(domain, selector, /*even_signing=*/true);
          if (!s.ok()) return s;
          std::cout << domain << ": key " << selector << " deleted\n";
        }
        return OkStatus();
      }));
}

}  // namespace sealpost::admin
