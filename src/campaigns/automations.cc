#include "campaigns/automations.h"

#include <algorithm>
#include <boost/json.hpp>

#include "audit/pending.h"
#include "crypto/random.h"
#include "mime/address.h"

namespace sealpost::campaigns {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxSteps = 20;
constexpr int kMaxDays = 3650;
constexpr std::size_t kDuePerStep = 500;
constexpr std::int64_t kScanEvery = 3600;  // a segment looked through for dates hourly
constexpr std::int64_t kDay = 86400;

Error Invalid(std::string message, std::string field) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}

std::int64_t DayStart(std::int64_t t) { return (t >= 0 ? t / kDay : (t - kDay + 1) / kDay) * kDay; }

}  // namespace

Result<AutomationTrigger> ParseTrigger(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return Invalid("a trigger is {\"date\": attribute, \"offset_days\": n} or {\"event\": name}",
                   "trigger");
  }
  const json::object& o = v.as_object();
  AutomationTrigger t;
  for (const auto& [key, value] : o) {
    if (key == "date" && value.is_string()) {
      t.date_attribute = std::string(value.as_string());
    } else if (key == "offset_days" && value.is_int64()) {
      t.offset_days =
          static_cast<int>(std::clamp<std::int64_t>(value.as_int64(), -kMaxDays - 1, kMaxDays + 1));
    } else if (key == "event" && value.is_string()) {
      t.event = std::string(value.as_string());
    } else {
      return Invalid("a trigger has date and offset_days, or event",
                     "trigger." + std::string(key).substr(0, 40));
    }
  }
  if (t.date_attribute.empty() == t.event.empty()) {
    return Invalid("a trigger is a date or an event, one of them", "trigger");
  }
  if (!t.date_attribute.empty() && !IsAttributeName(t.date_attribute)) {
    return Invalid("not an attribute's name", "trigger.date");
  }
  if (!t.event.empty() && !IsAttributeName(t.event)) {
    return Invalid("an event's name is a lower-case letter, then letters, digits or '_'",
                   "trigger.event");
  }
  if (t.offset_days < -kMaxDays || t.offset_days > kMaxDays) {
    return Invalid("from -3650 to 3650 days", "trigger.offset_days");
  }
  return t;
}

Result<std::vector<AutomationStep>> ParseSteps(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array() || v.as_array().empty() || v.as_array().size() > kMaxSteps) {
    return Invalid("steps are a list of 1 to 20 {\"template\", \"wait_days\", \"unless_opened\"}",
                   "steps");
  }
  std::vector<AutomationStep> steps;
  for (std::size_t i = 0; i < v.as_array().size(); ++i) {
    const std::string field = "steps[" + std::to_string(i) + "]";
    const json::value& e = v.as_array()[i];
    if (!e.is_object()) return Invalid("a step is an object", field);
    AutomationStep s;
    for (const auto& [key, value] : e.as_object()) {
      if (key == "template" && value.is_string()) {
        s.template_name = std::string(value.as_string());
      } else if (key == "wait_days" && value.is_int64() && value.as_int64() >= 0 &&
                 value.as_int64() <= kMaxDays) {
        s.wait_days = static_cast<int>(value.as_int64());
      } else if (key == "unless_opened" && value.is_bool()) {
        s.unless_opened = value.as_bool();
      } else {
        return Invalid("a step has template, wait_days (0 to 3650) and unless_opened",
                       field + "." + std::string(key).substr(0, 40));
      }
    }
    if (s.template_name.empty()) return Invalid("name the step's template", field + ".template");
    if (i == 0 && s.unless_opened) {
      return Invalid("the first step has no message before it", field + ".unless_opened");
    }
    steps.push_back(std::move(s));
  }
  return steps;
}

Result<AutomationRecord> Automations::Named(const std::string& account, const std::string& name) {
  auto a = store_.FindAutomation(account, name);
  if (!a.ok()) return std::move(a).error();
  if (!*a)
    return MakeError(ErrorCode::kNotFound, "the account has no automation " + name, "automation");
  return std::move(**a);
}

Status Automations::Put(const std::string& account, const std::string& name,
                        const std::string& segment_name, const std::string& sender,
                        const std::string& trigger_json, const std::string& steps_json,
                        bool tracking) {
  if (name.empty() || name.size() > kMaxNameChars) {
    return Invalid("an automation's name has 1 to 100 characters", "name");
  }
  if (!IsValidAddress(sender)) return Invalid("the sender is not an email address", "from");
  auto trigger = ParseTrigger(trigger_json);
  if (!trigger.ok()) return std::move(trigger).error();
  auto steps = ParseSteps(steps_json);
  if (!steps.ok()) return std::move(steps).error();
  for (std::size_t i = 0; i < steps->size(); ++i) {
    auto t = store_.FindTemplate(account, (*steps)[i].template_name);
    if (!t.ok()) return std::move(t).error();
    if (!*t) {
      return MakeError(ErrorCode::kNotFound,
                       "the account has no template " + (*steps)[i].template_name,
                       "steps[" + std::to_string(i) + "].template");
    }
  }
  auto segment = book_.Segment(account, segment_name);
  if (!segment.ok()) return std::move(segment).error();
  auto before = store_.FindAutomation(account, name);
  if (!before.ok()) return std::move(before).error();
  const std::int64_t now = clock_.NowUnix();
  json::object details{{"automation", name},
                       {"segment", segment_name},
                       {"trigger", json::parse(trigger_json)},
                       {"steps", json::parse(steps_json)},
                       {"tracking", tracking},
                       {"new", !*before}};
  audit::DetailPending(json::serialize(details));
  return store_.PutAutomation({*before ? (*before)->id : NewId(), account, name, segment->id,
                               sender, trigger_json, steps_json, "active",
                               *before ? (*before)->created_at : now, now, tracking});
}

Status Automations::SetActive(const std::string& account, const std::string& name, bool active) {
  auto a = Named(account, name);
  if (!a.ok()) return std::move(a).error();
  audit::DetailPending(json::serialize(json::object{
      {"automation", name}, {"before", a->state}, {"after", active ? "active" : "paused"}}));
  a->state = active ? "active" : "paused";
  a->updated_at = clock_.NowUnix();
  return store_.PutAutomation(*a);
}

Result<bool> Automations::Trigger(const std::string& account, const std::string& name,
                                  const std::string& contact_address, const std::string& event_id,
                                  std::int64_t at) {
  auto a = Named(account, name);
  if (!a.ok()) return std::move(a).error();
  auto trigger = ParseTrigger(a->trigger);
  if (!trigger.ok()) return std::move(trigger).error();
  if (trigger->event.empty()) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "the automation starts from a date, not events");
  }
  if (event_id.empty() || event_id.size() > 200)
    return Invalid("an event has an id (1 to 200 characters)", "id");
  auto steps = ParseSteps(a->steps);
  if (!steps.ok()) return std::move(steps).error();
  auto contact = book_.Find(account, contact_address);
  if (!contact.ok()) return std::move(contact).error();
  auto segment = contacts_.FindSegmentById(a->segment_id);
  if (!segment.ok()) return std::move(segment).error();
  if (!*contact || !*segment) return MakeError(ErrorCode::kNotFound, "no such contact", "contact");
  // In the segment now: on its list (consented, not left) and matched by its condition.
  auto condition = Condition::Parse((*segment)->condition);
  if (!condition.ok()) return std::move(condition).error();
  const bool on_list =
      std::any_of((*contact)->lists.begin(), (*contact)->lists.end(), [&](const auto& l) {
        return l.second.list_id == (*segment)->list_id && l.second.unsubscribed_at == 0;
      });
  if (!on_list || !condition->Matches(FactsOf(**contact), clock_.NowUnix())) {
    return MakeError(ErrorCode::kNotFound, "the contact is not in the automation's segment",
                     "contact");
  }
  AutomationRunRecord run;
  run.automation_id = a->id;
  run.contact_id = (*contact)->record.id;
  run.key = "event:" + event_id;
  run.due_at = at + std::int64_t{(*steps)[0].wait_days} * kDay;
  run.started_at = clock_.NowUnix();
  audit::DetailPending(json::serialize(json::object{
      {"automation", name}, {"contact", (*contact)->record.address}, {"event", event_id}}));
  return store_.StartRun(run);
}

Status Automations::Enrol(const AutomationRecord& a, const AutomationTrigger& trigger,
                          const SegmentRecord& segment, std::int64_t now) {
  auto steps = ParseSteps(a.steps);
  if (!steps.ok()) return std::move(steps).error();
  std::string after;
  for (;;) {
    std::string walked_to;
    auto reached = book_.Reach(segment, after, 1000, &walked_to);
    if (!reached.ok()) return std::move(reached).error();
    for (const auto& c : *reached) {
      auto it = c.attributes.find(trigger.date_attribute);
      if (it == c.attributes.end() || it->second.kind != AttributeValue::Kind::kString) continue;
      auto date = ParseRfc3339OrDate(it->second.text);
      if (!date.ok()) continue;
      const std::int64_t start = DayStart(*date) + std::int64_t{trigger.offset_days} * kDay;
      const std::int64_t due =
          start + std::int64_t{(*steps)[0].wait_days} * kDay + kSendHour * 3600;
      // A day that passed more than a day ago is not made up for.
      if (due < now - kDay) continue;
      AutomationRunRecord run;
      run.automation_id = a.id;
      run.contact_id = c.record.id;
      run.key = "date:" + it->second.text.substr(0, 40);
      run.due_at = due;
      run.started_at = now;
      auto started = store_.StartRun(run);
      if (!started.ok()) return std::move(started).error();
    }
    if (reached->size() < 1000) return OkStatus();
    after = walked_to;
  }
}

Result<int> Automations::Step() {
  const std::int64_t now = clock_.NowUnix();
  auto active = store_.ActiveAutomations();
  if (!active.ok()) return std::move(active).error();
  int sent = 0;
  for (const auto& a : *active) {
    auto trigger = ParseTrigger(a.trigger);
    auto steps = ParseSteps(a.steps);
    auto segment = contacts_.FindSegmentById(a.segment_id);
    if (!trigger.ok() || !steps.ok() || !segment.ok() || !*segment) continue;
    if (!trigger->date_attribute.empty()) {
      auto last = scanned_.find(a.id);
      if (last == scanned_.end() || now - last->second >= kScanEvery) {
        auto s = Enrol(a, *trigger, **segment, now);
        if (!s.ok()) return std::move(s).error();
        scanned_[a.id] = now;
      }
    }
    auto due = store_.DueRuns(a.id, now, kDuePerStep);
    if (!due.ok()) return std::move(due).error();
    for (auto& run : *due) {
      auto s = Advance(a, *steps, **segment, std::move(run), now, &sent);
      if (!s.ok()) {
        if (s.error().code == ErrorCode::kUnavailable) return sent;  // the road is busy
        return std::move(s).error();
      }
    }
  }
  return sent;
}

Status Automations::Advance(const AutomationRecord& a, const std::vector<AutomationStep>& steps,
                            const SegmentRecord& segment, AutomationRunRecord run, std::int64_t now,
                            int* sent) {
  auto stop = [&](const char* why) {
    run.state = "stopped";
    run.detail = why;
    run.pending_message_id.clear();
    return store_.SaveRun(run);
  };
  std::string address;  // the contact's, once known
  auto next = [&](const std::string& message_id, const std::string& method) -> Status {
    if (!method.empty()) {
      // The message, for the automation's report, before its place moves on (again after
      // a restart: kept as it was).
      auto s = store_.RecordAutomationSend(
          {a.id, run.contact_id, run.step + 1, address, message_id, method, now});
      if (!s.ok()) return s;
    }
    run.last_message_id = message_id;
    run.pending_message_id.clear();
    ++run.step;
    if (run.step >= static_cast<int>(steps.size())) {
      run.state = "done";
    } else {
      run.due_at = now + std::int64_t{steps[run.step].wait_days} * kDay;
    }
    return store_.SaveRun(run);
  };
  if (run.step >= static_cast<int>(steps.size())) return next(run.last_message_id, "");
  const AutomationStep& step = steps[run.step];

  // Made already, before a restart: settled, not made again.
  if (!run.pending_message_id.empty()) {
    auto made = road_.sent(run.pending_message_id);
    if (!made.ok()) return std::move(made).error();
    if (*made) {
      auto contact = contacts_.FindContactById(run.contact_id);
      if (!contact.ok()) return std::move(contact).error();
      if (*contact) address = (*contact)->address;
      return next(run.pending_message_id, **made);
    }
  }
  if (step.unless_opened && road_.opened && !run.last_message_id.empty()) {
    auto opened = road_.opened(run.last_message_id);
    if (!opened.ok()) return std::move(opened).error();
    if (*opened) return stop("the last message was opened");
  }
  auto reachable = StillReachable(contacts_, book_, a.account, run.contact_id, segment.list_id);
  if (!reachable.ok()) return std::move(reachable).error();
  if (!reachable->contact) return stop(reachable->why_not);
  auto t = store_.FindTemplate(a.account, step.template_name);
  if (!t.ok()) return std::move(t).error();
  if (!*t) return stop("its template is gone");
  auto parsed = MessageTemplate::Parse((*t)->subject, (*t)->text, (*t)->html);
  if (!parsed.ok()) return stop("its template cannot be read");
  // The message's id, kept before it is made.
  if (run.pending_message_id.empty()) {
    run.pending_message_id = NewId();
    if (auto s = store_.SaveRun(run); !s.ok()) return s;
  }
  const CampaignMessage m =
      MessageFor(*reachable->contact, *parsed, (*t)->carries_phi, a.tracking, a.account, a.sender,
                 a.id, run.pending_message_id, link_key_, settings_, now);
  auto method = road_.send(m);
  if (!method.ok()) {
    if (method.error().code == ErrorCode::kUnavailable) return std::move(method).error();
    return stop("not sent");
  }
  ++*sent;
  address = reachable->contact->record.address;
  return next(run.pending_message_id, *method);
}

Result<EngagementReport> Automations::Report(const std::string& account, const std::string& name) {
  auto a = Named(account, name);
  if (!a.ok()) return std::move(a).error();
  return store_.Report(a->id);
}

Result<std::vector<AutomationRunRecord>> Automations::Places(const std::string& account,
                                                             const std::string& name,
                                                             std::size_t limit) {
  auto a = Named(account, name);
  if (!a.ok()) return std::move(a).error();
  return store_.Runs(a->id, limit);
}

}  // namespace sealpost::campaigns
