// What the portal needs of patient engagement (issue 25): the contacts' own pages (their
// preferences, one-click unsubscribe, the tracking links) and the console's campaign
// pages. With `engagement` null neither is served. Internal to the portal.
#pragma once

namespace sealpost {
class CampaignStore;
}  // namespace sealpost
namespace sealpost::campaigns {
class Automations;
class Campaigns;
class ContactBook;
class Engagement;
}  // namespace sealpost::campaigns

namespace sealpost::portal {

struct CampaignServices {
  campaigns::Engagement* engagement = nullptr;
  campaigns::ContactBook* contacts = nullptr;
  campaigns::Campaigns* campaigns = nullptr;
  campaigns::Automations* automations = nullptr;
  CampaignStore* store = nullptr;  // the reports
};

}  // namespace sealpost::portal
