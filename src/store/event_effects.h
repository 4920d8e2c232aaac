// What a message event brings with it beside its own row, whichever backend keeps it
// (issue 23): its audit record, what a webhook endpoint is told, and whether it moves a
// contact's engagement moments. Pure: each store looks up what these need (the
// message's account, the recipient) in the event's transaction and writes the results
// there, so the SQLite and PostgreSQL stores make the same records from the same event.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "store/records.h"
#include "webhooks/events.h"

namespace sealpost::event_effects {

// Whether the event has an audit record of its own. A notice queued at acceptance has
// not: "accepted" lists every recipient with its method and why (one record a message,
// not one a recipient, on the path every message takes).
bool Audited(const EventRecord& e);
// Whether its record's details are the message's recipients (RecipientsDetails).
bool DetailsAreRecipients(const EventRecord& e);

struct RecipientLine {
  std::string address, method, why;
};
// {"recipients": [{"address", "method", "why"}, ...]}
std::string RecipientsDetails(const std::vector<RecipientLine>& recipients);

// The event's audit record: `account` and `recipient` as the store found them (empty
// when the message is gone); the actor acting on this thread, else the recipient for
// what a recipient does and the system for the rest. A detail that is a JSON object (a
// delivery's report) is kept as such; `recipients` (RecipientsDetails) when
// DetailsAreRecipients.
audit::AuditRecord AuditRecordOf(const EventRecord& e, std::string account, std::string recipient,
                                 std::string recipients);

// What a webhook endpoint is told of the event (its account, status and method are the
// store's to fill in), or nullopt for an event no endpoint can ask for. A form's
// submission names the form and the submission; a campaign's or automation's
// engagement, which.
std::optional<webhooks::EventFacts> WebhookFactsOf(const EventRecord& e);

// A campaign's or automation's message opened (a portal view, the pixel) or clicked:
// the contact's @last_opened (and @last_clicked) that segments ask about move.
enum class Engagement { kNone, kOpened, kClicked };
Engagement EngagementOf(const EventRecord& e);

}  // namespace sealpost::event_effects
