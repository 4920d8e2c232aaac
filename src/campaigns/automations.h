// Automations (issue 25): a sequence of templates each contact of a segment walks —
// an appointment reminder two days before the date in their attributes, a refill reminder
// thirty days after an order the organisation's systems report, a follow-up if the last
// message was not opened. Each contact's place is a durable row (the next step and when
// it is due), and a step is sent as a campaign's is: its message id chosen and kept
// before sending, so a restart settles what was made and sends nothing twice.
//
// Steps run at 09:00 UTC on their day when counted in days from a date; from an event,
// `wait_days` after it. "Opened" is what sealpost can know: the recipient viewed the
// message in the portal (Road::opened).
// Blocking (store, the road). Thread-safety: Step from one thread; the rest from any.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "campaigns/campaigns.h"
#include "campaigns/contacts.h"
#include "store/campaign_store.h"

namespace sealpost::campaigns {

struct AutomationStep {
  std::string template_name;
  int wait_days = 0;           // after the start (the first step) or the step before
  bool unless_opened = false;  // skipped, and the run ends, when the last one was opened
};
struct AutomationTrigger {
  std::string date_attribute;  // a date in each contact's attributes, or
  int offset_days = 0;         // … this many days from it (-2: two days before)
  std::string event;           // an event reported for a contact (the API's)
};
// {"date": "appointment", "offset_days": -2} or {"event": "order"}.
Result<AutomationTrigger> ParseTrigger(std::string_view json);
// [{"template": "refill", "wait_days": 30}, {"template": …, "unless_opened": true}], 1–20.
Result<std::vector<AutomationStep>> ParseSteps(std::string_view json);

inline constexpr std::int64_t kSendHour = 9;  // steps counted from a date go at 09:00 UTC

class Automations {
 public:
  Automations(CampaignStore& store, ContactStore& contacts, ContactBook& book,
              const PurposeKey& link_key, const Clock& clock, CampaignSettings settings, Road road)
      : store_(store),
        contacts_(contacts),
        book_(book),
        link_key_(link_key),
        clock_(clock),
        settings_(std::move(settings)),
        road_(std::move(road)) {}

  // Made or changed (active): the segment, templates and trigger checked.
  Status Put(const std::string& account, const std::string& name, const std::string& segment,
             const std::string& sender, const std::string& trigger_json,
             const std::string& steps_json, bool tracking = true);
  Status SetActive(const std::string& account, const std::string& name, bool active);
  // An event for a contact: their run starts at `at` (once per `event_id`). False when
  // that event had started one already; kFailedPrecondition when the automation is not
  // started by events, kNotFound for a contact not in its segment now.
  Result<bool> Trigger(const std::string& account, const std::string& name,
                       const std::string& contact_address, const std::string& event_id,
                       std::int64_t at);
  // Starts the runs dates call for (each automation's segment looked through at most
  // hourly), then sends each step that is due. Returns how many messages were sent.
  Result<int> Step();
  // Each contact's place, oldest first.
  // What became of its messages, step by step (campaigns/report.h).
  Result<EngagementReport> Report(const std::string& account, const std::string& name);
  Result<std::vector<AutomationRunRecord>> Places(const std::string& account,
                                                  const std::string& name, std::size_t limit);

 private:
  Result<AutomationRecord> Named(const std::string& account, const std::string& name);
  Status Enrol(const AutomationRecord& a, const AutomationTrigger& trigger,
               const SegmentRecord& segment, std::int64_t now);
  // One due run: its step sent (or skipped, or the run ended), the run saved.
  Status Advance(const AutomationRecord& a, const std::vector<AutomationStep>& steps,
                 const SegmentRecord& segment, AutomationRunRecord run, std::int64_t now,
                 int* sent);

  CampaignStore& store_;
  ContactStore& contacts_;
  ContactBook& book_;
  const PurposeKey& link_key_;
  const Clock& clock_;
  CampaignSettings settings_;
  Road road_;
  std::map<std::string, std::int64_t> scanned_;  // automation id → its last date scan
};

}  // namespace sealpost::campaigns
