// REST API v1, patient engagement (issue 25), for clients with the `campaigns` scope,
// on their own account's contacts only:
//   GET/POST  /api/v1/lists                       lists and their subscribed counts
//   POST      /api/v1/contacts                    add or change one (attributes, lists)
//   POST      /api/v1/contacts/import             CSV (?list=&consent=): a report by line
//   GET/DELETE /api/v1/contacts/{address}         one contact (reading it is recorded)
//   GET/POST  /api/v1/suppressions, DELETE /api/v1/suppressions/{address}
//   PUT       /api/v1/segments/{name}             {"list", "condition"}
//   GET       /api/v1/segments/{name}/count
//   PUT       /api/v1/templates/{name}            {"subject", "text", "html"?, "carries_phi"?}
//   POST      /api/v1/templates/{name}/preview    {"contact"} (recorded: it shows attributes)
//   POST      /api/v1/templates/{name}/test       {"contact", "from", "to"}
//   POST      /api/v1/campaigns                   a draft
//   GET       /api/v1/campaigns/{name}            its state and progress
//   POST      /api/v1/campaigns/{name}/schedule|pause|resume|cancel
//   PUT       /api/v1/automations/{name}          {"segment", "from", "trigger", "steps"}
//   GET       /api/v1/automations/{name}          its state and each contact's place
//   POST      /api/v1/automations/{name}/events   {"contact", "id", "at"?}: an order, say
// Everything goes through campaigns::ContactBook and campaigns::Campaigns, as the CLI's
// and the console's calls do; every change is on the audit trail with the change.
#pragma once

#include "base/clock.h"
#include "http/router.h"
#include "http/server.h"

namespace sealpost {
class AuditStore;
}
namespace sealpost::campaigns {
class Automations;
class Campaigns;
class ContactBook;
}  // namespace sealpost::campaigns

namespace sealpost::api {

class CampaignsApi {
 public:
  CampaignsApi(campaigns::ContactBook& book, campaigns::Campaigns& campaigns,
               campaigns::Automations& automations, http::Offloader& offloader, AuditStore& audit,
               const Clock& clock)
      : book_(book),
        campaigns_(campaigns),
        automations_(automations),
        offloader_(offloader),
        audit_(audit),
        clock_(clock) {}
  void Register(http::Router& router);

 private:
  campaigns::ContactBook& book_;
  campaigns::Campaigns& campaigns_;
  campaigns::Automations& automations_;
  http::Offloader& offloader_;
  AuditStore& audit_;
  const Clock& clock_;
};

}  // namespace sealpost::api
