#include "api/recipient_planner.h"

#include <spdlog/spdlog.h>

#include <set>

#include "base/text.h"
#include "policy/content_rules.h"
#include "policy/selection.h"

namespace sealpost::api {
namespace {

// Until portal accounts exist (issue 7), the engine sees none.
struct NoPortalAccounts final : policy::PortalRegistry {
  bool HasAccount(std::string_view) const override { return false; }
};

// What can be carried out so far: escrow by question, PGP and S/MIME; every other
// method is re-planned.
constexpr policy::Availability kAvailable{false, false, true, true, false};
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

  auto books = books_.OrderFor(m.from);
  if (!books.ok()) return std::move(books).error();
  policy::MessageChoices choices;
  if (m.question) choices.question = policy::QuestionAnswer{*m.question, m.answer.value_or("")};
  choices.interactive = interactive;
  choices.tls_only_opt_out = m.tls_only_opt_out;
  NoPortalAccounts no_portal;

  std::set<std::string> seen;
  auto plan_list = [&](const std::vector<std::string>& list, const char* kind) -> Status {
    for (const auto& address : list) {
      if (!seen.insert(AsciiLower(address)).second) continue;  // listed twice: one copy
      policy::SelectionContext ctx{settings, *books, choices, encryption_required,
                                   book_view_, no_portal, tls_, kAvailable};
      policy::Decision d = policy::SelectMethod(address, ctx);
      if (d.method == policy::Method::kPgp || d.method == policy::Method::kSmime) {
        auto key = books_.Key(d.book, address);
        if (key.ok()) {
          const char* method = d.method == policy::Method::kPgp ? "pgp" : "smime";
          spdlog::info("api: policy for {}: {}", SanitizeForLog(address), d.Explain());
          plan.encrypted.push_back({address, kind, method, std::move(key->data), key->gcm,
                                    sender_note + d.Explain()});
          continue;
        }
        if (key.error().code != ErrorCode::kFailedPrecondition) return std::move(key).error();
        // Expired or revoked since it was stored: not used, and the walk goes on.
        std::string note = "address book " + d.book + ": " + key.error().message + ": re-planned";
        policy::SelectionContext again{settings, *books, choices, encryption_required,
                                       book_view_, no_portal, tls_, kWithoutKeys};
        d = policy::SelectMethod(address, again);
        d.trace.insert(d.trace.begin(), std::move(note));
      }
      spdlog::info("api: policy for {}: {}", SanitizeForLog(address), d.Explain());
      if (d.method == policy::Method::kEscrowQuestion && !d.question && !d.book.empty()) {
        auto qa = books_.Question(d.book, address);
        if (!qa.ok()) return std::move(qa).error();
        d.question = std::move(*qa);
      }
      if (d.method == policy::Method::kAskSender) {
        plan.need_question.push_back(address);
      } else if (d.method == policy::Method::kEscrowQuestion && d.question) {
        plan.recipients.push_back({address, kind, d.question->question, d.question->answer,
                                   sender_note + d.Explain()});
      } else if (d.method == policy::Method::kSendPlain && !interactive) {
        plan.send_plain.push_back({address, kind, sender_note + d.Explain()});
      } else if (d.method == policy::Method::kBounce && !interactive) {
        plan.bounce.push_back({address, kind, sender_note + d.Explain()});
      } else if (!plan.refused) {
        // Only reachable through a failure action, which an interactive sender never gets.
        plan.refused = "No way to send securely to " + address + ": " + d.Explain();
      }
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
