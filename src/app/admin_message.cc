// `sealpost admin message …`: a sent message: retract it, change its expiry, read its
// history.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "app/serve.h"
#include "app/signing_key.h"
#include "base/text.h"
#include "escrow/escrow_service.h"

namespace sealpost::admin {
namespace {

// The escrow service over the server's stores, for commands on messages: what the
// API's sender controls do, for any account's message.
struct Escrow {
  SigningIdentity signer;
  std::optional<EscrowSealer> sealer;
  std::optional<EscrowOpener> opener;
  std::optional<EscrowService> service;
  std::string account;  // the message's
};

Result<std::unique_ptr<Escrow>> OpenEscrow(Context& c, const std::string& message_id) {
  Stores& s = *c.stores;
  auto e = std::make_unique<Escrow>();
  auto signer = LoadSigningIdentity(*s.signing_keys, *c.keys);
  if (!signer.ok()) return std::move(signer).error();
  e->signer = std::move(*signer);
  e->sealer.emplace(*s.blobs, e->signer, c.keys->metadata(), c.clock);
  e->opener.emplace(*s.blobs, *s.signing_keys);
  e->service.emplace(EscrowSettingsOf(c.config), *e->sealer, *e->opener, *s.messages, *s.events,
                     *c.keys, c.clock, [] {});
  auto message = s.messages->Find(message_id);
  if (!message.ok()) return std::move(message).error();
  if (!message->has_value()) return MakeError(ErrorCode::kNotFound, "no message " + message_id);
  e->account = (*message)->account;
  return e;
}

}  // namespace

void RegisterMessageCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                             int& exit_code) {
  auto* message = admin->add_subcommand("message", "A sent message: withdraw it, change its expiry, its history")
                      ->require_subcommand(1);
  auto* message_retract = message->add_subcommand(
      "retract", "Withdraw a message: its keys are destroyed, no link opens it again");
  message_retract->add_option("id", args->name)->required();
  message_retract->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto e = OpenEscrow(c, a.name);
    if (!e.ok()) return std::move(e).error();
    auto s = (*e)->service->Retract(a.name, (*e)->account, "cli");
    if (s.ok()) std::cout << "message " << a.name << ": retracted\n";
    return s;
  }));
  auto* message_extend = message->add_subcommand(
      "extend", "Set a message's expiry to DAYS from now (1 to 3650; shorter or longer)");
  message_extend->add_option("id", args->name)->required();
  message_extend->add_option("--days", args->days, "from now")->required();
  message_extend->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto e = OpenEscrow(c, a.name);
    if (!e.ok()) return std::move(e).error();
    auto expires = (*e)->service->SetExpiry(a.name, (*e)->account, a.days, "cli");
    if (!expires.ok()) return std::move(expires).error();
    std::cout << "message " << a.name << ": expires " << FormatRfc3339(*expires) << "\n";
    return OkStatus();
  }));
  auto* message_events = message->add_subcommand("events", "What happened to a message, oldest first");
  message_events->add_option("id", args->name)->required();
  message_events->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto e = OpenEscrow(c, a.name);
    if (!e.ok()) return std::move(e).error();
    auto message = c.stores->messages->Find(a.name);
    if (!message.ok()) return std::move(message).error();
    std::map<std::string, std::string> address_of;
    for (const auto& r : (*message)->recipients) address_of[r.id] = r.address;
    auto events = (*e)->service->Events(a.name);
    if (!events.ok()) return std::move(events).error();
    for (const auto& ev : *events) {
      std::cout << FormatRfc3339(ev.at) << "  " << ev.type;
      if (!ev.recipient_id.empty()) std::cout << "  " << address_of[ev.recipient_id];
      if (!ev.client_address.empty()) std::cout << "  from " << ev.client_address;
      if (!ev.detail.empty()) std::cout << "  (" << ev.detail << ")";
      std::cout << "\n";
    }
    return OkStatus();
  }));

  // The outbound queue (issue 4): what is waiting, what happened, and a hand on it.
}

}  // namespace sealpost::admin
