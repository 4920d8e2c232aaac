// The one road for campaigns: each contact's message becomes a Submission, planned by
// the one planner (non-interactive: what no step places takes the failure action; a
// template that carries health data is never_in_clear) and carried out by the one
// dispatcher, with the message id its send row chose. Blocking.
#pragma once

#include "campaigns/campaigns.h"

namespace sealpost {
class Backlog;
class EscrowService;
class EventStore;
class MessageStore;
}  // namespace sealpost
namespace sealpost::policy {
class RecipientPlanner;
}
namespace sealpost::submission {
class Dispatcher;
}

namespace sealpost::campaigns {

// `backlog` (may be null): past its slow-down mark the road is busy (kUnavailable), so a
// campaign waits for delivery rather than fill the queue. A message is opened once its
// recipient viewed it in the portal (its "viewed" event).
Road OneRoad(const policy::RecipientPlanner& planner, const submission::Dispatcher& dispatcher,
             EscrowService& escrow, MessageStore& messages, EventStore& events,
             const Backlog* backlog);

}  // namespace sealpost::campaigns
