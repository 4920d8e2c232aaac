#include "api/recipient_planner.h"

#include <spdlog/spdlog.h>

#include <set>

#include "base/text.h"
#include "escrow/answer.h"
#include "policy/content_rules.h"
#include "policy/selection.h"

namespace sealpost::api {
namespace {

// What this server can carry out: escrow (by question or portal login), PGP and S/MIME
// always; TLS-only and standard delivery when mail leaves over the network. Every
// other method is re-planned.
policy::Availability Available(bool direct_delivery) {
  return {direct_delivery, direct_delivery, true, true, true};
}
// After a stored key turned out unusable: the walk goes on past keys.
constexpr policy::Availability kWithoutKeys{false, false, false, false, false};

}  // namespace

Result<RecipientPlan> RecipientPlanner::Plan(const MessageRequest& m, bool interactive) const {
  RecipientPlan plan;
  std::string sender_note;
  policy::EffectiveSettings settings;
  auto effective = directory_.EffectiveFor(m.from);
  if (effective.ok()) {
    settings = std::move(*effective);
  } else if (effective.error().code == ErrorCode::kNotFound) {
    sender_note = "sender's domain has no settings: built-in defaults; ";
  } else {
    return std::move(effective).error();
  }

  bool encryption_required = true;
  if (!settings.content_rules.value.empty()) {
    auto rules = policy::ContentRules::Compile(settings.content_rules.value);
    if (!rules.ok()) return std::move(rules).error();
    std::vector<std::string_view> attachments(m.attachment_texts.begin(), m.attachment_texts.end());
    encryption_required = rules->Match(m.subject, m.text + "\n" + m.html, attachments).matched;
  }
  plan.expiry_days = m.expires_in_days.value_or(
      settings.default_expiry_days.from == policy::Level::kDefault
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
    if (ns->message_center && settings.verification.from == policy::Level::kDefault) {
      settings.verification.value = policy::VerificationMode::kLogin;
    }
  }

  auto books = books_.OrderFor(m.from);
  if (!books.ok()) return std::move(books).error();
  policy::MessageChoices choices;
  if (m.question) choices.question = policy::QuestionAnswer{*m.question, m.answer.value_or("")};
  choices.interactive = interactive;
  choices.tls_only_opt_out = m.tls_only_opt_out;

  // TLS-only copies get their fallback planned now, as a non-interactive sender would
  // (nobody can be asked at delivery time), with TLS-only out of the running.
  policy::MessageChoices fallback_choices = choices;
  fallback_choices.interactive = false;
  policy::Availability available = Available(direct_delivery_);
  policy::Availability fallback_available = available;
  fallback_available.tls_only = false;

  // Puts `address` in the plan as `d` decided. Keys are checked here: one that has
  // expired or been revoked since it was stored is passed over and the walk goes on.
  auto place = [&](const std::string& address, const char* kind, policy::Decision d,
                   const policy::MessageChoices& c, bool standby) -> Status {
    const std::string prefix = standby ? "standby for tls-only: " : "";
    if (d.method == policy::Method::kPgp || d.method == policy::Method::kSmime) {
      auto key = books_.Key(d.book, address);
      if (key.ok()) {
        const char* method = d.method == policy::Method::kPgp ? "pgp" : "smime";
        spdlog::info("api: policy for {}: {}{}", SanitizeForLog(address), prefix, d.Explain());
        plan.encrypted.push_back({address, kind, method, std::move(key->data), key->gcm,
                                  sender_note + prefix + d.Explain(), standby});
        return OkStatus();
      }
      if (key.error().code != ErrorCode::kFailedPrecondition) return std::move(key).error();
      std::string note = "address book " + d.book + ": " + key.error().message + ": re-planned";
      policy::SelectionContext again{settings, *books, c, encryption_required,
                                     book_view_, portal_, tls_, kWithoutKeys};
      d = policy::SelectMethod(address, again);
      d.trace.insert(d.trace.begin(), std::move(note));
    }
    spdlog::info("api: policy for {}: {}{}", SanitizeForLog(address), prefix, d.Explain());
    if (d.method == policy::Method::kEscrowQuestion && !d.question && !d.book.empty()) {
      auto qa = books_.Question(d.book, address);
      if (!qa.ok()) return std::move(qa).error();
      d.question = std::move(*qa);
    }
    const std::string trace = sender_note + prefix + d.Explain();
    const bool interactive_now = c.interactive;
    if (d.method == policy::Method::kTlsOnly || d.method == policy::Method::kStandard) {
      plan.direct.push_back({address, kind, policy::MethodName(d.method), trace});
    } else if (d.method == policy::Method::kEscrowLogin) {
      EscrowRecipientInput r;
      r.address = address;
      r.kind = kind;
      r.trace = trace;
      r.standby = standby;
      r.login = true;
      plan.recipients.push_back(std::move(r));
    } else if (d.method == policy::Method::kAskSender) {
      plan.need_question.push_back(address);
    } else if (d.method == policy::Method::kEscrowQuestion && d.question) {
      EscrowRecipientInput r;
      r.address = address;
      r.kind = kind;
      r.question = d.question->question;
      r.answer = d.question->answer;
      r.trace = trace;
      r.standby = standby;
      // An answer the server keeps (an address book's, the sender's default question)
      // is stretched once, for every message to it; the message's own answer is not kept.
      if (answer_keys_ && !m.question) {
        const std::string where = d.book.empty() ? "default|" + AsciiLower(m.from)
                                                 : "book|" + d.book + "|" + AsciiLower(address);
        auto stretched = answer_keys_->For(where, NormaliseAnswer(r.answer));
        if (!stretched.ok()) return std::move(stretched).error();
        r.stretched = std::move(*stretched);
      }
      plan.recipients.push_back(std::move(r));
    } else if (d.method == policy::Method::kSendPlain && standby) {
      // The promise of TLS-only is that the message never crosses the network in clear.
      plan.bounce.push_back({address, kind,
                             trace + "; TLS-only mail is never sent in clear: the sender is told",
                             true});
    } else if (d.method == policy::Method::kSendPlain && !interactive_now) {
      plan.send_plain.push_back({address, kind, trace});
    } else if (d.method == policy::Method::kBounce && !interactive_now) {
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
      policy::SelectionContext ctx{settings, *books, choices, encryption_required,
                                   book_view_, portal_, tls_, available};
      policy::Decision d = policy::SelectMethod(address, ctx);
      auto status = place(address, kind, d, choices, false);
      if (!status.ok() || d.method != policy::Method::kTlsOnly) {
        if (!status.ok()) return status;
        continue;
      }
      policy::SelectionContext fallback{settings, *books, fallback_choices, encryption_required,
                                        book_view_, portal_, tls_, fallback_available};
      status = place(address, kind, policy::SelectMethod(address, fallback), fallback_choices,
                     true);
      if (!status.ok()) return status;
    }
    return OkStatus();
  };
  auto status = plan_list(m.to, "to");
  if (status.ok()) status = plan_list(m.cc, "cc");
  if (!status.ok()) return std::move(status).error();
  return plan;
}

Result<std::string> RecipientPlanner::SaveAnswers(const MessageRequest& m,
                                              const std::vector<std::string>& addresses) const {
  if (!m.question || !m.answer) {
    return MakeError(ErrorCode::kInvalidArgument, "no question to save", "options.escrow.save");
  }
  return books_.SaveToDefaultBook(m.from, addresses, {*m.question, *m.answer});
}

}  // namespace sealpost::api
