#include "policy/recipient_planner.h"

#include <spdlog/spdlog.h>

#include <set>

#include "base/text.h"
#include "policy/content_rules.h"
#include "policy/selection.h"

namespace sealpost::policy {
namespace {

// What this server can carry out: escrow (by question or portal login), PGP and S/MIME
// always; TLS-only and standard delivery when mail leaves over the network. Every
// other method is re-planned.
Availability Available(bool direct_delivery) {
  return {direct_delivery, direct_delivery, true, true, true};
}
// After a stored key turned out unusable: the walk goes on past keys.
constexpr Availability kWithoutKeys{false, false, false, false, false};

}  // namespace

Result<RecipientPlan> RecipientPlanner::Plan(const PlanInput& m) const {
  const std::string from(m.from);
  RecipientPlan plan;
  std::string sender_note;
  EffectiveSettings settings;
  auto effective = directory_.EffectiveFor(from);
  if (effective.ok()) {
    settings = std::move(*effective);
  } else if (effective.error().code == ErrorCode::kNotFound) {
    sender_note = "sender's domain has no settings: built-in defaults; ";
  } else {
    return std::move(effective).error();
  }

  bool encryption_required = true;
  if (!settings.content_rules.value.empty() && !m.never_in_clear) {
    auto rules = ContentRules::Compile(settings.content_rules.value);
    if (!rules.ok()) return std::move(rules).error();
    const PlanBody read =
        m.read_body ? m.read_body() : PlanBody{m.text, m.html, m.attachment_texts};
    std::string body;
    body.reserve(read.text.size() + 1 + read.html.size());
    body.append(read.text).append("\n").append(read.html);
    encryption_required = rules->Match(m.subject, body, read.attachment_texts).matched;
  }
  plan.expiry_days = m.expires_in_days.value_or(
      settings.default_expiry_days.from == Level::kDefault
          ? server_default_expiry_days_
          : settings.default_expiry_days.value);
  if (settings.fixed_subject.value) plan.notice_subject = *settings.fixed_subject.value;
  if (settings.namespace_name.value) {
    auto ns = directory_.Namespace(*settings.namespace_name.value);
    if (!ns.ok()) return std::move(ns).error();
    plan.namespace_name = ns->name;
    plan.organisation = ns->display_name;
    // With the Message Center on, recipients verify by signing in unless the sender's
    // settings say otherwise: their inbox is where they read.
    if (ns->message_center && settings.verification.from == Level::kDefault) {
      settings.verification.value = VerificationMode::kLogin;
    }
  }

  auto books = books_.OrderFor(from);
  if (!books.ok()) return std::move(books).error();
  MessageChoices choices;
  choices.question = m.question;
  choices.interactive = m.interactive;
  choices.tls_only_opt_out = m.tls_only_opt_out;
  choices.deadline = m.deadline;

  // TLS-only copies get their fallback planned now, as a non-interactive sender would
  // (nobody can be asked at delivery time), with TLS-only out of the running.
  MessageChoices fallback_choices = choices;
  fallback_choices.interactive = false;
  Availability available = Available(direct_delivery_ && !m.never_in_clear);
  Availability fallback_available = available;
  fallback_available.tls_only = false;

  // Puts `address` in the plan as `d` decided. Keys are checked here: one that has
  // expired or been revoked since it was stored is passed over and the walk goes on.
  auto place = [&](const std::string& address, const char* kind, Decision d,
                   const MessageChoices& c, bool standby) -> Status {
    const std::string prefix = standby ? "standby for tls-only: " : "";
    if (d.method == Method::kPgp || d.method == Method::kSmime) {
      auto key = books_.Key(d.book, address);
      if (key.ok()) {
        const char* method = d.method == Method::kPgp ? "pgp" : "smime";
        spdlog::info("api: policy for {}: {}{}", SanitizeForLog(address), prefix, d.Explain());
        plan.encrypted.push_back({address, kind, method, std::move(key->data), key->gcm,
                                  sender_note + prefix + d.Explain(), standby});
        return OkStatus();
      }
      if (key.error().code != ErrorCode::kFailedPrecondition) return std::move(key).error();
      std::string note = "address book " + d.book + ": " + key.error().message + ": re-planned";
      SelectionContext again{settings, *books, c, encryption_required,
                                     book_view_, portal_, tls_, kWithoutKeys};
      d = SelectMethod(address, again);
      d.trace.insert(d.trace.begin(), std::move(note));
    }
    if (m.never_in_clear && (d.method == Method::kSendPlain || d.method == Method::kBounce ||
                             d.method == Method::kAskSender)) {
      d.method = Method::kEscrowLogin;
      d.trace.push_back("never sent in clear: escrow by portal login");
    }
    spdlog::info("api: policy for {}: {}{}", SanitizeForLog(address), prefix, d.Explain());
    if (d.method == Method::kEscrowQuestion && !d.question && !d.book.empty()) {
      auto qa = books_.Question(d.book, address);
      if (!qa.ok()) return std::move(qa).error();
      d.question = std::move(*qa);
    }
    const std::string trace = sender_note + prefix + d.Explain();
    const bool interactive_now = c.interactive;
    if (d.method == Method::kTlsOnly || d.method == Method::kStandard) {
      plan.direct.push_back({address, kind, MethodName(d.method), trace});
    } else if (d.method == Method::kEscrowLogin) {
      EscrowRecipient r;
      r.address = address;
      r.kind = kind;
      r.trace = trace;
      r.standby = standby;
      r.login = true;
      plan.recipients.push_back(std::move(r));
    } else if (d.method == Method::kAskSender) {
      plan.need_question.push_back(address);
    } else if (d.method == Method::kEscrowQuestion && d.question) {
      EscrowRecipient r;
      r.address = address;
      r.kind = kind;
      r.question = d.question->question;
      r.answer = d.question->answer;
      r.trace = trace;
      r.standby = standby;
      // An answer the server keeps (an address book's, the sender's default question)
      // is stretched once, for every message to it; the message's own answer is not kept.
      if (!m.question) {
        r.kept_as = d.book.empty() ? "default|" + AsciiLower(from)
                                   : "book|" + d.book + "|" + AsciiLower(address);
      }
      plan.recipients.push_back(std::move(r));
    } else if (d.method == Method::kSendPlain && standby) {
      // The promise of TLS-only is that the message never crosses the network in clear.
      plan.bounce.push_back({address, kind,
                             trace + "; TLS-only mail is never sent in clear: the sender is told",
                             true});
    } else if (d.method == Method::kSendPlain && !interactive_now) {
      plan.send_plain.push_back({address, kind, trace});
    } else if (d.method == Method::kBounce && !interactive_now) {
      plan.bounce.push_back({address, kind, trace, standby});
    } else if (!plan.refused) {
      // Only reachable through a failure action, which an interactive sender never gets.
      plan.refused = "No way to send securely to " + address + ": " + d.Explain();
    }
    return OkStatus();
  };

  std::set<std::string> seen;
  auto plan_list = [&](const std::vector<std::string>& list, const char* kind) -> Status {
    for (const auto& address : list) {
      if (!seen.insert(AsciiLower(address)).second) continue;  // listed twice: one copy
      SelectionContext ctx{settings, *books, choices, encryption_required,
                                   book_view_, portal_, tls_, available};
      Decision d = SelectMethod(address, ctx);
      auto status = place(address, kind, d, choices, false);
      if (!status.ok() || d.method != Method::kTlsOnly) {
        if (!status.ok()) return status;
        continue;
      }
      SelectionContext fallback{settings, *books, fallback_choices, encryption_required,
                                        book_view_, portal_, tls_, fallback_available};
      status = place(address, kind, SelectMethod(address, fallback), fallback_choices,
                     true);
      if (!status.ok()) return status;
    }
    return OkStatus();
  };
  auto status = plan_list(m.to, "to");
  if (status.ok()) status = plan_list(m.cc, "cc");
  if (status.ok()) status = plan_list(m.bcc, "bcc");
  if (!status.ok()) return std::move(status).error();
  return plan;
}

RecipientPlan RecipientPlanner::PlanFromPortal(std::string_view to, std::string_view namespace_name,
                                               bool reply) const {
  RecipientPlan plan;
  EscrowRecipient r;
  r.address = std::string(to);
  r.kind = "to";
  r.login = true;
  r.trace = reply ? "reply from the portal: escrow by portal login to the sender"
                  : "new message from the Message Center: escrow by portal login";
  plan.recipients.push_back(std::move(r));
  plan.expiry_days = server_default_expiry_days_;
  plan.namespace_name = std::string(namespace_name);
  return plan;
}

Result<std::string> RecipientPlanner::SaveAnswers(std::string_view from, const QuestionAnswer& qa,
                                                  const std::vector<std::string>& addresses) const {
  return books_.SaveToDefaultBook(std::string(from), addresses, qa);
}

}  // namespace sealpost::policy
