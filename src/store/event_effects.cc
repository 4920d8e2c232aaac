#include "store/event_effects.h"

#include <boost/json.hpp>
#include <set>
#include <utility>

#include "audit/pending.h"

namespace sealpost::event_effects {
namespace {

// Events a recipient's own doing makes (in the portal, with the link or an account);
// the rest are the system's unless someone is acting on this thread.
bool RecipientEvent(const std::string& type) {
  static const std::set<std::string> kTypes = {
      "link_opened", "answer_failed", "login_failed", "code_failed", "code_replayed",
      "verified",    "viewed",        "downloaded",   "printed",     "deleted"};
  return kTypes.count(type) > 0;
}

const char* EventResult(const std::string& type) {
  if (type == "answer_failed" || type == "login_failed" || type == "code_failed" ||
      type == "code_replayed") {
    return "refused";
  }
  if (type == "bounced" || type == "expired" || type == "dead_letter") return "failed";
  return "ok";
}

bool JsonObject(const std::string& text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  return !ec && value.is_object();
}

}  // namespace

bool Audited(const EventRecord& e) {
  return e.type != "notice_queued" && e.type != "notice_standby";
}

bool DetailsAreRecipients(const EventRecord& e) { return e.type == "accepted" && e.detail.empty(); }

std::string RecipientsDetails(const std::vector<RecipientLine>& recipients) {
  boost::json::array out;
  for (const auto& r : recipients) {
    out.push_back(
        boost::json::object{{"address", r.address}, {"method", r.method}, {"why", r.why}});
  }
  return boost::json::serialize(boost::json::object{{"recipients", std::move(out)}});
}

audit::AuditRecord AuditRecordOf(const EventRecord& e, std::string account, std::string recipient,
                                 std::string recipients) {
  audit::AuditRecord r;
  r.at = e.at;
  r.action = "message." + e.type;
  r.message_id = e.message_id;
  r.subject = e.recipient_id.empty() ? e.message_id : e.recipient_id;
  r.result = EventResult(e.type);
  r.client_address = e.client_address;
  r.account = std::move(account);
  r.recipient = std::move(recipient);
  if (!audit::NameCurrentActor(r)) {
    r.actor_kind = RecipientEvent(e.type) ? "recipient" : "system";
    r.actor = RecipientEvent(e.type) ? e.recipient_id : "sealpost";
  }
  if (DetailsAreRecipients(e)) {
    r.details = std::move(recipients);
  } else if (e.detail.size() > 1 && e.detail.front() == '{' && JsonObject(e.detail)) {
    r.details = e.detail;
  } else if (!e.detail.empty()) {
    r.details = "{\"detail\":" + boost::json::serialize(boost::json::value(e.detail)) + "}";
  }
  return r;
}

std::optional<webhooks::EventFacts> WebhookFactsOf(const EventRecord& e) {
  auto type = webhooks::TypeOfEvent(e.type);
  if (!type) return std::nullopt;
  webhooks::EventFacts facts;
  facts.type = *type;
  facts.at = e.at;
  facts.message_id = e.message_id;
  facts.recipient_id = e.recipient_id;
  if (e.detail.empty() || e.detail.front() != '{') return facts;
  boost::system::error_code ec;
  auto detail = boost::json::parse(e.detail, ec);
  if (ec || !detail.is_object()) return facts;
  const auto& o = detail.as_object();
  const bool form = e.type == "form_submitted";
  for (auto [key, field] :
       {std::pair{"form", form ? &facts.form : nullptr},
        std::pair{"submission", form ? &facts.submission : nullptr},
        std::pair{"campaign", &facts.campaign}, std::pair{"automation", &facts.automation}}) {
    if (!field) continue;  // a form's names only on its submission's event
    if (const auto* v = o.if_contains(key); v && v->is_string()) {
      *field = std::string(v->as_string());
    }
  }
  return facts;
}

Engagement EngagementOf(const EventRecord& e) {
  if (e.type == "clicked") return Engagement::kClicked;
  if (e.type == "opened" || e.type == "viewed") return Engagement::kOpened;
  return Engagement::kNone;
}

}  // namespace sealpost::event_effects
