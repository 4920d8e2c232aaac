#include "campaigns/road.h"

#include "audit/pending.h"
#include "escrow/escrow_service.h"
#include "policy/recipient_planner.h"
#include "queue/backlog.h"
#include "store/stores.h"
#include "submission/composed.h"
#include "submission/dispatcher.h"
#include "submission/submission.h"

namespace sealpost::campaigns {

Road OneRoad(const policy::RecipientPlanner& planner, const submission::Dispatcher& dispatcher,
             EscrowService& escrow, MessageStore& messages, EventStore& events,
             const Backlog* backlog) {
  Road road;
  road.send = [&planner, &dispatcher, &escrow,
               backlog](const CampaignMessage& m) -> Result<std::string> {
    if (backlog && backlog->pressure() != Backlog::Pressure::kNone) {
      return MakeError(ErrorCode::kUnavailable, "the outbound queue is busy");
    }
    submission::Submission s;
    s.from = m.sender;
    s.to = {m.address};
    s.subject = m.rendered.subject;
    s.text = m.rendered.text;
    s.html = m.rendered.html;
    if (!m.unsubscribe_url.empty()) {
      // RFC 2369 and RFC 8058: the mail program's own "unsubscribe", in one click.
      s.headers = {{"List-Unsubscribe", "<" + m.unsubscribe_url + ">"},
                   {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
    }
    audit::ActingAs acting({"system",
                            m.campaign_id.empty() ? "campaign test" : "campaign " + m.campaign_id,
                            "", m.account});
    policy::PlanInput in = submission::PlanInputOf(s, false);
    in.never_in_clear = m.carries_phi;
    auto plan = planner.Plan(in);
    if (!plan.ok()) return std::move(plan).error();
    if (plan->refused) {
      return MakeError(ErrorCode::kFailedPrecondition, "no way to send it securely");
    }
    if (!plan->need_question.empty()) {
      return MakeError(ErrorCode::kFailedPrecondition, "the recipient needs a question");
    }
    auto draft = escrow.BeginDraft(m.message_id);
    submission::Dispatch d;
    d.submission = &s;
    d.plan = std::move(*plan);
    d.account = m.account;
    d.message = submission::ComposedFrom(s, *draft);
    d.draft = std::move(draft);
    auto sent = dispatcher.Send(std::move(d));
    if (!sent.ok()) return std::move(sent).error();
    for (const auto& r : sent->recipients) {
      if (r.address == m.address || sent->recipients.size() == 1) return r.method;
    }
    return std::string("sent");
  };
  road.sent = [&messages](const std::string& id) -> Result<std::optional<std::string>> {
    auto found = messages.Find(id);
    if (!found.ok()) return std::move(found).error();
    if (!*found) return std::optional<std::string>();
    const auto& recipients = (*found)->recipients;
    return std::optional<std::string>(recipients.empty() ? "sent" : recipients.front().method);
  };
  road.opened = [&events](const std::string& id) -> Result<bool> {
    auto found = events.ForMessage(id);
    if (!found.ok()) return std::move(found).error();
    for (const auto& e : *found) {
      if (e.type == "viewed") return true;
    }
    return false;
  };
  return road;
}

}  // namespace sealpost::campaigns
