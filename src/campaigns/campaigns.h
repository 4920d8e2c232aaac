// Campaigns (issue 25): a template sent to a segment, through the one road (each
// recipient gets the method the policy engine chooses: a template that carries health
// data never goes in clear), at a pace (a minute's messages in all and per recipient
// domain), paused, resumed, cancelled, and carried on after a restart without writing
// to anyone twice.
//
// How "never twice" holds: contacts are taken from the segment into send rows, each
// with the message id its message will be made with, before any is sent; a send row
// becomes "sent" after its message commits. A server stopped between the two finds the
// row pending, sees that a message of that id exists (Road::sent) and only settles it;
// a message id is a primary key, so a second message of it cannot be made either.
//
// Blocking (store, the road): the server calls Step from a thread of its own.
// Thread-safety: Step from one thread at a time; the rest from any.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "campaigns/contacts.h"
#include "campaigns/template.h"
#include "store/campaign_store.h"

namespace sealpost {
class PurposeKey;
}  // namespace sealpost

namespace sealpost::campaigns {

// One contact's message, rendered, for the road.
struct CampaignMessage {
  std::string account;
  std::string sender;
  std::string message_id;  // the message is made with this id
  std::string address;
  MessageTemplate::Rendered rendered;
  std::string unsubscribe_url;  // for List-Unsubscribe (RFC 8058); empty for a test
  bool carries_phi = false;
  std::string campaign_id;  // empty for a test send
};

// The one road, as the server gives it: send a message (the method it went by), and
// whether a message of an id was made already (its method then).
struct Road {
  std::function<Result<std::string>(const CampaignMessage&)> send;
  std::function<Result<std::optional<std::string>>(const std::string& message_id)> sent;
  // Whether the recipient opened the message (viewed it in the portal); may be empty
  // (then nothing counts as opened).
  std::function<Result<bool>(const std::string& message_id)> opened;
};

// A link's token: which campaign's contact, MAC-bound so no one makes another's.
std::string UnsubscribeToken(const PurposeKey& key, const std::string& campaign_id,
                             const std::string& contact_id);
struct TokenParts {
  std::string campaign_id, contact_id;
};
std::optional<TokenParts> ReadUnsubscribeToken(const PurposeKey& key, std::string_view token);

struct CampaignSettings {
  std::string public_url;    // the links' base: https://host
  std::string organisation;  // {{@organisation}}
  // Threads a step sends a campaign's messages on (each one's commit shares the
  // database's syncs with the others'); 1: one at a time.
  int senders = 1;
};

inline constexpr int kMaxPerMinute = 100000;

// What may have changed since a contact was taken for a campaign or an automation:
// deleted, suppressed, or left the list. The contact, opened, when they may still be
// written to; otherwise why not.
struct Reachable {
  std::optional<ContactBook::Contact> contact;
  const char* why_not = "";
};
Result<Reachable> StillReachable(ContactStore& contacts, ContactBook& book,
                                 const std::string& account, const std::string& contact_id,
                                 const std::string& list_id);
// One contact's message from a template, with their unsubscribe link for `from_id` (the
// campaign's or the automation's id); `track`: its opens and clicks counted
// (campaigns/tracking.h), which a message that carries health data never is.
CampaignMessage MessageFor(const ContactBook::Contact& contact, const MessageTemplate& parsed,
                           bool carries_phi, bool track, const std::string& account,
                           const std::string& sender, const std::string& from_id,
                           const std::string& message_id, const PurposeKey& link_key,
                           const CampaignSettings& settings, std::int64_t now);

class Campaigns {
 public:
  Campaigns(CampaignStore& store, ContactStore& contacts, ContactBook& book,
            const PurposeKey& link_key, const Clock& clock, CampaignSettings settings, Road road)
      : store_(store),
        contacts_(contacts),
        book_(book),
        link_key_(link_key),
        clock_(clock),
        settings_(std::move(settings)),
        road_(std::move(road)) {}

  // Templates, by name: checked (MessageTemplate::Parse) and kept.
  Status PutTemplate(const std::string& account, const std::string& name,
                     const std::string& subject, const std::string& text, const std::string& html,
                     bool carries_phi);
  // A template as a contact would get it (their attributes; links shown as examples).
  Result<MessageTemplate::Rendered> Preview(const std::string& account, const std::string& name,
                                            const std::string& contact_address);
  // A template, rendered for a contact, sent to `to` (a colleague's address, say) by the
  // road: the method it went by. No unsubscribe link: it goes to no contact.
  Result<std::string> TestSend(const std::string& account, const std::string& name,
                               const std::string& contact_address, const std::string& sender,
                               const std::string& to);

  struct NewCampaign {
    std::string name, segment, template_name, sender;
    int per_minute = 600;
    int per_domain_per_minute = 120;
    bool tracking = true;  // opens and clicks (never for a template that carries health data)
  };
  Result<CampaignRecord> Create(const std::string& account, const NewCampaign& c);
  // Starts at `at` (now or sooner: at the next step).
  Status Schedule(const std::string& account, const std::string& name, std::int64_t at);
  Status Pause(const std::string& account, const std::string& name);
  Status Resume(const std::string& account, const std::string& name);
  Status Cancel(const std::string& account, const std::string& name);

  struct Progress {
    CampaignRecord campaign;
    std::map<std::string, std::int64_t> tally;  // CampaignStore::Tally
  };
  Result<Progress> Find(const std::string& account, const std::string& name);
  Result<std::vector<CampaignRecord>> List(const std::string& account);
  // What became of its messages (campaigns/report.h).
  Result<EngagementReport> Report(const std::string& account, const std::string& name);

  // Starts the campaigns due, puts on the suppression list the addresses whose server
  // refused a campaign's message (its queue entry bounced; the send becomes "bounced"),
  // then sends what each sending campaign's pace allows now.
  // Returns how many messages were sent. A road that is busy (kUnavailable) ends the
  // step: what was not sent stays pending for the next.
  Result<int> Step();

 private:
  Result<CampaignRecord> Named(const std::string& account, const std::string& name);
  Status Move(const std::string& account, const std::string& name,
              const std::vector<std::string>& from, const std::string& to, const char* refusal);
  Result<int> Advance(const CampaignRecord& campaign, std::int64_t now, bool* busy);
  // One choice of this minute's share and its sending; `*settled`: rows ended without
  // a message made now.
  Result<int> AdvanceOnce(const CampaignRecord& campaign, std::int64_t now, bool* busy,
                          int* settled);
  // One send row carried out: the row as it ends (sent, skipped or failed), for the
  // caller to settle; kUnavailable leaves it pending. `*made_now`: a message was made now
  // (not one made before a restart, not a row skipped or failed): what the pace counts.
  Result<CampaignSendRecord> SendOne(const CampaignRecord& campaign, const TemplateRecord& t,
                                     const MessageTemplate& parsed, const SegmentRecord& segment,
                                     CampaignSendRecord send, std::int64_t now, bool* made_now);
  std::string Link(const std::string& path, const std::string& token) const;

  // This minute's sends per campaign (all, and per domain), for the pace.
  struct Window {
    std::int64_t minute = -1;
    int total = 0;
    std::map<std::string, int> by_domain;
  };

  CampaignStore& store_;
  ContactStore& contacts_;
  ContactBook& book_;
  const PurposeKey& link_key_;
  const Clock& clock_;
  CampaignSettings settings_;
  Road road_;
  std::map<std::string, Window> windows_;  // Step's only
};

}  // namespace sealpost::campaigns
