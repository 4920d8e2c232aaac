// Templates and campaigns (issue 25): what a campaign is (a segment, a template, a
// sender, its pace and state) and, per contact it reaches, one send row — made before
// the message and naming the message id it will have, so that a server stopped at any
// moment carries on without writing to anyone twice (campaigns/campaigns.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace sealpost {

struct TemplateRecord {
  std::string id;
  std::string account;
  std::string name;
  std::string subject, text, html;  // campaigns/template.h
  bool carries_phi = false;         // never in clear: escrow, PGP or S/MIME only
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

// draft → scheduled → sending → done; sending ⇄ paused; cancelled from any but done.
struct CampaignRecord {
  std::string id;
  std::string account;
  std::string name;
  std::string segment_id;
  std::string template_id;
  std::string sender;  // From, an address of the account
  std::string state = "draft";
  std::int64_t scheduled_at = 0;
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;
  int per_minute = 600;             // messages a minute, all domains
  int per_domain_per_minute = 120;  // to one recipient domain
  std::string cursor;               // the last contact id taken from the segment
  bool enumerated = false;          // every contact of the segment taken
  bool tracking = true;             // opens and clicks counted (never for health data)
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

// pending → sent | skipped (suppressed, left the list since) | failed (with why).
struct CampaignSendRecord {
  std::string campaign_id;
  std::string contact_id;
  std::string address;
  std::string message_id;  // chosen when taken: the message is made with it
  std::string state = "pending";
  std::string method;  // how it went (escrow, tls-only, …), once sent
  std::int64_t at = 0;
  std::string detail;
};

// An automation: a sequence of templates each contact of a segment walks, started by a
// date in their attributes or by an event the organisation's systems report.
struct AutomationRecord {
  std::string id;
  std::string account;
  std::string name;
  std::string segment_id;
  std::string sender;
  std::string trigger;  // JSON: {"date": "appointment", "offset_days": -2} | {"event": "order"}
  std::string steps;    // JSON: [{"template", "wait_days", "unless_opened"}, …]
  std::string state = "active";  // active | paused
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  bool tracking = true;  // opens and clicks counted (never for health data)
};

// A contact's place in an automation, for one start of it (`key`: the date it was
// started for, or the event's id): the next step, when it is due, and the message it is
// being sent as (chosen before sending, as a campaign's send row does).
struct AutomationRunRecord {
  std::string automation_id;
  std::string contact_id;
  std::string key;
  int step = 0;
  std::int64_t due_at = 0;
  std::string state = "waiting";  // waiting | done | stopped
  std::string pending_message_id;
  std::string last_message_id;
  std::string detail;  // why it stopped
  std::int64_t started_at = 0;
};

// A message an automation sent: which step of it, to whom, and how it went.
struct AutomationSendRecord {
  std::string automation_id;
  std::string contact_id;
  int step = 0;
  std::string address;
  std::string message_id;
  std::string method;
  std::int64_t at = 0;
};

// Which campaign's or automation's message a message is, and to which contact.
struct MessageSource {
  std::string kind;  // "campaign" | "automation"
  std::string source_id;
  std::string name;
  std::string account;
  std::string contact_id;
  std::string address;
  bool tracking = false;
};

// What became of a campaign's or an automation's messages (issue 25's reports). A
// message counts once per line however often it was opened or clicked; a portal view
// of an escrowed message counts as opened, a click as opened too.
struct EngagementReport {
  struct Counts {
    std::int64_t sent = 0;
    std::int64_t delivered = 0;  // the message (or its notice) reached the recipient's server
    std::int64_t bounced = 0;
    std::int64_t opened = 0;
    std::int64_t clicked = 0;
    std::int64_t unsubscribed = 0;
    std::int64_t complained = 0;
    void Add(const Counts& o) {
      sent += o.sent;
      delivered += o.delivered;
      bounced += o.bounced;
      opened += o.opened;
      clicked += o.clicked;
      unsubscribed += o.unsubscribed;
      complained += o.complained;
    }
  };
  Counts all;
  std::map<std::string, std::int64_t> by_method;          // messages sent, by method
  std::map<std::string, std::int64_t> not_sent;           // a campaign's pending, skipped, failed
  std::vector<std::pair<std::string, Counts>> by_domain;  // most sent first; the tail "(other)"
  std::vector<std::pair<int, Counts>> by_step;            // an automation's, step 1 first
};

inline constexpr std::size_t kReportDomains = 50;  // domains named in a report; the rest "(other)"

class CampaignStore {
 public:
  virtual ~CampaignStore() = default;

  // By (account, name): a new one, or the parts of the one there.
  virtual Status PutTemplate(const TemplateRecord& t) = 0;
  virtual Result<std::optional<TemplateRecord>> FindTemplate(const std::string& account,
                                                             const std::string& name) = 0;
  virtual Result<std::optional<TemplateRecord>> FindTemplateById(const std::string& id) = 0;
  virtual Result<std::vector<TemplateRecord>> Templates(const std::string& account) = 0;

  virtual Status CreateCampaign(const CampaignRecord& c) = 0;  // kAlreadyExists
  virtual Result<std::optional<CampaignRecord>> FindCampaign(const std::string& account,
                                                             const std::string& name) = 0;
  virtual Result<std::optional<CampaignRecord>> FindCampaignById(const std::string& id) = 0;
  virtual Result<std::vector<CampaignRecord>> Campaigns(const std::string& account) = 0;
  // Every account's campaigns in these states.
  virtual Result<std::vector<CampaignRecord>> InStates(const std::vector<std::string>& states) = 0;
  // Moves a campaign from one of `from` to `to` (with `scheduled_at` when scheduling);
  // false when it was in none of them (someone else moved it first).
  virtual Result<bool> MoveCampaign(const std::string& id, const std::vector<std::string>& from,
                                    const std::string& to, std::int64_t at,
                                    std::int64_t scheduled_at) = 0;

  // Takes contacts for a campaign: a pending send each (a contact taken already is
  // left as it is) and the campaign's place in its segment, in one transaction.
  virtual Status Take(const std::string& campaign_id, const std::vector<CampaignSendRecord>& sends,
                      const std::string& cursor, bool enumerated, std::int64_t at) = 0;
  virtual Result<std::vector<CampaignSendRecord>> Pending(const std::string& campaign_id,
                                                          std::size_t limit) = 0;
  // A campaign's messages sent since `since`, by recipient domain (the pace after a
  // restart).
  virtual Result<std::map<std::string, std::int64_t>> SentSince(const std::string& campaign_id,
                                                                std::int64_t since) = 0;
  // Sends' ends, in one transaction; for those sent, the contact's last_sent too.
  virtual Status Settle(const std::vector<CampaignSendRecord>& sends) = 0;
  // Sends made whose message then bounced (its queue entry ended "bounced": the
  // receiving server refused the address), with the server's reply in `detail`.
  struct Bounce {
    CampaignSendRecord send;
    std::string account;
  };
  virtual Result<std::vector<Bounce>> Bounced(std::size_t limit) = 0;
  // Automations, by (account, name).
  virtual Status PutAutomation(const AutomationRecord& a) = 0;
  virtual Result<std::optional<AutomationRecord>> FindAutomation(const std::string& account,
                                                                 const std::string& name) = 0;
  virtual Result<std::optional<AutomationRecord>> FindAutomationById(const std::string& id) = 0;
  virtual Result<std::vector<AutomationRecord>> ActiveAutomations() = 0;
  // An account's, by name.
  virtual Result<std::vector<AutomationRecord>> Automations(const std::string& account) = 0;
  // Starts a contact's run unless one of that key is there: false when it was.
  virtual Result<bool> StartRun(const AutomationRunRecord& run) = 0;
  // Waiting runs due by `now`, `limit` at most.
  virtual Result<std::vector<AutomationRunRecord>> DueRuns(const std::string& automation_id,
                                                           std::int64_t now, std::size_t limit) = 0;
  // The run as given (by automation, contact and key).
  virtual Status SaveRun(const AutomationRunRecord& run) = 0;
  virtual Result<std::vector<AutomationRunRecord>> Runs(const std::string& automation_id,
                                                        std::size_t limit) = 0;

  // A message an automation sent (again, after a restart: left as it was).
  virtual Status RecordAutomationSend(const AutomationSendRecord& send) = 0;
  // The campaign or automation a message was sent for, if any.
  virtual Result<std::optional<MessageSource>> SourceOf(const std::string& message_id) = 0;
  // The last message a campaign or automation sent a contact, if any.
  virtual Result<std::optional<std::string>> MessageTo(const std::string& source_id,
                                                       const std::string& contact_id) = 0;
  // What became of a campaign's or an automation's messages.
  virtual Result<EngagementReport> Report(const std::string& source_id) = 0;

  // Sends by state ("sent", "pending", …) and, for those sent, by method ("sent:escrow").
  virtual Result<std::map<std::string, std::int64_t>> Tally(const std::string& campaign_id) = 0;
};

}  // namespace sealpost
