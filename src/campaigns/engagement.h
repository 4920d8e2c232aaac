// What contacts do with a campaign's or automation's message (issue 25): open it (the
// pixel, or a portal view of an escrowed one), click its links, leave its list in one
// click or from their preferences page, or complain to their mailbox provider, whose
// feedback loop sends us an ARF report (RFC 5965). Each becomes an event on the message
// ("opened", "clicked", "unsubscribed", "complained": the webhooks' message.* types and
// the reports' counts); leaving and complaining also change the contact's lists and the
// suppression list, on the audit record. Links carry MAC-bound tokens (tracking.h,
// campaigns.h): the token is the whole authority, and a token not ours is kNotFound.
// Blocking (store). Thread-safety: as the stores it uses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "campaigns/contacts.h"
#include "store/campaign_store.h"

namespace sealpost {
class EventStore;
class PurposeKey;
}  // namespace sealpost

namespace sealpost::campaigns {

class Engagement {
 public:
  // `public_url`: the links' base, as campaigns write them (CampaignSettings).
  Engagement(CampaignStore& campaigns, ContactStore& contacts, ContactBook& book,
             EventStore& events, const PurposeKey& link_key, const Clock& clock,
             std::string public_url)
      : campaigns_(campaigns),
        contacts_(contacts),
        book_(book),
        events_(events),
        link_key_(link_key),
        clock_(clock),
        public_url_(std::move(public_url)) {}

  // The pixel was fetched: "opened", the first time only. Nothing for a token not ours
  // or a message whose campaign counts no opens (the pixel is served all the same).
  Status Opened(std::string_view token, const std::string& client_address);
  // A link was followed: the address it goes to (kNotFound for a token not ours), and
  // "clicked" with the link's host and path (never its query) when clicks are counted.
  Result<std::string> Clicked(std::string_view token, const std::string& client_address);

  // A contact's preferences, from their unsubscribe link: the lists they are on or
  // were on, and whether they are suppressed (written to by nothing).
  struct Preferences {
    std::string account;
    std::string address;
    std::string from;  // the campaign's or automation's name whose link this is
    struct List {
      std::string id, name, description;
      bool subscribed = false;
    };
    std::vector<List> lists;
    bool suppressed = false;
  };
  Result<Preferences> PreferencesOf(std::string_view token);
  // One click (RFC 8058): off the list of the link's campaign or automation.
  Status Unsubscribe(std::string_view token, const std::string& client_address);
  // From the preferences page: the lists named in `keep` stay, the others are left;
  // `nothing_at_all`: the address is suppressed too (reason "unsubscribed").
  Status SetPreferences(std::string_view token, const std::vector<std::string>& keep,
                        bool nothing_at_all, const std::string& client_address);

  // A mailbox provider's complaint (an ARF report, whole): the contact its original's
  // unsubscribe link names is suppressed ("complained"), taken off that list, and the
  // message gets "complained". kInvalidArgument for what is no report, kNotFound for a
  // report about no message of ours.
  Status Complaint(std::string_view report);

 private:
  struct Linked {
    std::string source_id;  // the campaign's or automation's
    std::string source_name;
    std::string kind;  // "campaign" | "automation"
    std::string account;
    std::string list_id;
    ContactRecord contact;
  };
  // What an unsubscribe token names, or kNotFound.
  Result<Linked> Resolve(std::string_view token);
  Result<Preferences> PreferencesOf(const Linked& linked);
  // The event on the last message the source sent the contact (none: nothing).
  Status OnLastMessage(const Linked& linked, const std::string& type,
                       const std::string& client_address);
  Status Record(const std::string& message_id, const std::string& type,
                const std::string& client_address, const std::string& detail);

  CampaignStore& campaigns_;
  ContactStore& contacts_;
  ContactBook& book_;
  EventStore& events_;
  const PurposeKey& link_key_;
  const Clock& clock_;
  std::string public_url_;
};

}  // namespace sealpost::campaigns
