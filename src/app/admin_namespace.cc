// `sealpost admin namespace …`: namespaces: separate, branded pools of portal accounts.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "policy/namespaces.h"
#include "policy/selection.h"
#include "portal/accounts.h"

namespace sealpost::admin {

void RegisterNamespaceCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                               int& exit_code) {
  auto* ns = admin->add_subcommand("namespace", "Namespaces: separate, branded pools of portal accounts")
                 ->require_subcommand(1);
  // The same branding options for create and set; set changes only those given.
  struct BrandOptions {
    CLI::Option *display_name, *colour, *support, *host, *logo, *message_center;
  };
  auto brand_options = [&args](CLI::App* cmd) {
    return BrandOptions{
        cmd->add_option("--display-name", args->display_name, "shown in notices and on its portal"),
        cmd->add_option("--colour", args->colour, "accent colour #rrggbb (white text must be readable on it)"),
        cmd->add_option("--support", args->support, "how recipients reach help, e.g. an address and a phone number"),
        cmd->add_option("--host", args->hosts, "a host name its portal answers on (repeat for more)"),
        cmd->add_option("--logo", args->logo_file, "a PNG or SVG file, at most 256 KiB"),
        cmd->add_option("--message-center", args->message_center, "on or off (default off)")
            ->check(CLI::IsMember({"on", "off"}))};
  };
  auto apply_brand = [](const BrandOptions& o, AdminArgs& a, NamespaceRecord& n) -> Status {
    if (o.display_name->count()) n.display_name = a.display_name;
    if (o.colour->count()) n.colour = a.colour;
    if (o.support->count()) n.support_contact = a.support;
    if (o.host->count()) n.hosts = a.hosts;
    if (o.message_center->count()) n.message_center = a.message_center == "on";
    if (o.logo->count()) {
      if (a.logo_file.empty()) {
        n.logo.clear();  // --logo "": no logo
      } else {
        auto logo = ReadSmallFile(a.logo_file, 1024 * 1024);
        if (!logo.ok()) return std::move(logo).error();
        n.logo = std::move(*logo);
      }
    }
    auto checked = policy::CheckNamespace(n);
    if (!checked.ok() && checked.error().field == "logo") {
      return MakeError(ErrorCode::kInvalidArgument, checked.error().message, a.logo_file);
    }
    return checked;
  };
  auto* ns_create = ns->add_subcommand("create", "Create a namespace");
  ns_create->add_option("name", args->name)->required();
  const BrandOptions create_options = brand_options(ns_create);
  create_options.display_name->required();
  ns_create->callback(Command(args, exit_code, [create_options, apply_brand](Context& c, AdminArgs& a) -> Status {
    NamespaceRecord n;
    n.name = a.name;
    n.colour = "#0b5394";
    n.created_at = c.clock.NowUnix();
    auto checked = apply_brand(create_options, a, n);
    if (!checked.ok()) return checked;
    auto s = c.org->CreateNamespace(n);
    if (s.ok()) std::cout << "namespace " << n.name << " created (" << n.display_name << ")\n";
    if (s.ok() && n.message_center) {
      std::cout << "message center: on. " << policy::kMessageCenterTradeoff << "\n";
    }
    return s;
  }));
  auto* ns_set = ns->add_subcommand("set", "Change a namespace's branding, host names or mode");
  ns_set->add_option("name", args->name)->required();
  const BrandOptions set_options = brand_options(ns_set);
  ns_set->callback(Command(args, exit_code, [set_options, apply_brand](Context& c, AdminArgs& a) -> Status {
    auto found = c.org->FindNamespace(a.name);
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value()) return MakeError(ErrorCode::kNotFound, "no namespace " + a.name);
    NamespaceRecord n = std::move(**found);
    const bool center_before = n.message_center;
    auto checked = apply_brand(set_options, a, n);
    if (!checked.ok()) return checked;
    auto s = c.org->UpdateNamespace(n);
    if (s.ok()) std::cout << "namespace " << n.name << " changed\n";
    if (s.ok() && center_before != n.message_center) {
      std::cout << "message center: " << (n.message_center ? "on" : "off") << ". "
                << policy::kMessageCenterTradeoff << "\n";
    }
    return s;
  }));
  auto* ns_show = ns->add_subcommand("show", "Show a namespace");
  ns_show->add_option("name", args->name)->required();
  ns_show->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto found = c.org->FindNamespace(a.name);
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value()) return MakeError(ErrorCode::kNotFound, "no namespace " + a.name);
    const NamespaceRecord& n = **found;
    std::cout << "name: " << n.name << "\ndisplay name: " << n.display_name << "\ncolour: " << n.colour
              << "\nsupport: " << n.support_contact << "\nhosts:";
    for (const auto& h : n.hosts) std::cout << " " << h;
    std::cout << "\nlogo: "
              << (n.logo.empty() ? "none"
                                 : n.logo_type + ", " + std::to_string(n.logo.size()) + " bytes")
              << "\nmessage center: " << (n.message_center ? "on" : "off") << "\n"
              << policy::kMessageCenterTradeoff << "\n";
    return OkStatus();
  }));
  auto* ns_import = ns->add_subcommand(
      "import-accounts", "Copy portal accounts from the shared pool into a namespace");
  ns_import->add_option("name", args->name)->required();
  ns_import->add_option("--address", args->addresses,
                        "an account's address (repeat; default: all)");
  ns_import->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto found = c.org->FindNamespace(a.name);
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value()) return MakeError(ErrorCode::kNotFound, "no namespace " + a.name);
    auto done =
        portal::ImportSharedAccounts(*c.portal_accounts, *c.keys, c.clock, a.name, a.addresses);
    if (!done.ok()) return std::move(done).error();
    for (const auto& address : done->imported) std::cout << "imported " << address << "\n";
    for (const auto& [address, why] : done->skipped) {
      std::cout << "skipped " << address << ": " << why << "\n";
    }
    std::cout << done->imported.size() << " imported, " << done->skipped.size() << " skipped\n";
    return OkStatus();
  }));
  auto* ns_list = ns->add_subcommand("list", "List namespaces");
  ns_list->callback(Command(args, exit_code, [](Context& c, AdminArgs&) -> Status {
    auto all = c.org->ListNamespaces();
    if (!all.ok()) return std::move(all).error();
    for (const auto& n : *all) std::cout << n.name << "\t" << n.display_name << "\n";
    return OkStatus();
  }));
}

}  // namespace sealpost::admin
