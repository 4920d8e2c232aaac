// `sealpost admin explain …`: how a message from one sender to one recipient would go, and
// why.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/serve.h"
#include "policy/portal_registry.h"
#include "policy/recipient_planner.h"
#include "policy/selection.h"

namespace sealpost::admin {

void RegisterExplainCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                             int& exit_code) {
  auto* explain = admin->add_subcommand("explain", "How would a message from --from to --to go, and why?");
  explain->add_option("--from", args->from)->required();
  explain->add_option("--to", args->to)->required();
  explain->add_option("--subject", args->question, "the message's subject, for content rules");
  explain->add_option("--text", args->answer, "its text, for content rules");
  explain->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    // Exactly the API's road: the same planner, built from the same parts (the TLS
    // probe included, when mail leaves over the network), so the answer is the API's.
    auto tls = NewTlsKnowledge(c.config, *c.org, c.clock);
    if (!tls.ok()) return std::move(tls).error();
    policy::StoredAddressBooks stored_books(*c.book_store);
    policy::StoredPortalAccounts portal(*c.portal_accounts);
    policy::RecipientPlanner planner(*c.directory, *c.books, stored_books, *tls->knowledge,
                                     portal, c.config.default_expiry_days,
                                     SendsOverTheNetwork(c.config));
    policy::PlanInput message;
    message.from = a.from;
    message.to = {a.to};
    message.subject = a.question;
    message.text = a.answer;
    message.interactive = true;
    auto plan = planner.Plan(message);
    if (!plan.ok()) return std::move(plan).error();
    // A TLS-only copy's fallback, planned with it, is shown as such.
    const auto print = [](const std::string& address, const std::string& method,
                          const std::string& trace, bool standby = false) {
      std::cout << address << ": " << method << (standby ? " (fallback if no TLS)" : "")
                << "\n  - " << trace << "\n";
    };
    for (const auto& r : plan->direct) print(r.address, r.method, r.trace);
    for (const auto& r : plan->encrypted) print(r.address, r.method, r.trace, r.standby);
    for (const auto& r : plan->recipients) {
      print(r.address, r.login ? "escrow/login" : "escrow/question", r.trace, r.standby);
    }
    for (const auto& address : plan->need_question) {
      std::cout << address << ": ask-sender\n  - no question known: the API answers 422 and "
                               "asks the sender for one\n";
    }
    for (const auto& r : plan->send_plain) print(r.address, "send-plain", r.trace, r.standby);
    for (const auto& r : plan->bounce) print(r.address, "bounce", r.trace, r.standby);
    if (plan->refused) std::cout << a.to << ": refused\n  - " << *plan->refused << "\n";
    return OkStatus();
  }));
}

}  // namespace sealpost::admin
