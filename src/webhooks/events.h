// The events a webhook endpoint can ask for, and what a delivery carries. The types
// are the message events (store/records.h EventRecord) an integrator acts on, named
// as the audit trail names them ("message.<event>"). Payloads carry ids, statuses and
// times — never content; the subject only for an endpoint that asks for it.
// Retries follow a schedule that spans more than a day. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealpost::webhooks {

// Every type an endpoint may ask for, in a stable order.
const std::vector<std::string>& EventTypes();

// The webhook type of a message event ("delivered" → "message.delivered";
// "form_submitted" → "form.submitted"), or nullopt for an event no endpoint can ask for
// (notice_queued, link_opened, ...).
std::optional<std::string> TypeOfEvent(std::string_view event);

// A list of types, space-separated as stored, checked and put in EventTypes()'s order
// without repeats. kInvalidArgument naming the first unknown type; an empty list too.
Result<std::string> NormaliseTypes(const std::vector<std::string>& types);
bool Wants(std::string_view stored_types, std::string_view type);

struct EventFacts {
  std::string type;          // "message.delivered"
  std::int64_t at = 0;       // when it happened
  std::string message_id;
  std::string account;
  std::string recipient_id;  // "" for a message's own events
  std::string status;        // the recipient's status after it ("" for the message's)
  std::string method;        // the recipient's method ("" for the message's)
  std::string form;          // form.submitted: the form's name
  std::string submission;    // and the submission's id (what people sent is not in it)
  std::string campaign;      // a campaign's message: the campaign's name
  std::string automation;    // an automation's message: the automation's name
};

// The payload, as Standard Webhooks suggests: {"type", "timestamp", "data": {...}}.
std::string Payload(const EventFacts& facts);
// The payload with the message's subject added to its data, for an endpoint that asks.
Result<std::string> WithSubject(std::string_view payload, std::string_view subject);

// The AAD of a message's subject kept for webhooks (MessageRecord::webhook_subject).
std::string SubjectAad(const std::string& message_id);

// Seconds to wait before attempt `attempts + 1` after `attempts` failed ones, or
// nullopt once the schedule is spent (the delivery has failed).
std::optional<std::int64_t> RetryDelay(const std::vector<std::int64_t>& schedule, int attempts);

// The default schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — 27 h in all.
const std::vector<std::int64_t>& DefaultRetrySchedule();

}  // namespace sealpost::webhooks
