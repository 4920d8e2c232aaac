#include "webhooks/events.h"

#include <algorithm>

#include <boost/json.hpp>

#include "base/clock.h"

namespace sealpost::webhooks {
namespace json = boost::json;

const std::vector<std::string>& EventTypes() {
  static const std::vector<std::string> kTypes = {
      "message.accepted", "message.delivered", "message.deferred", "message.bounced",
      "message.notice_delivered", "message.viewed", "message.replied", "message.locked",
      "message.retracted", "message.expired", "form.submitted",
      // A campaign's or automation's message (issue 25).
      "message.opened", "message.clicked", "message.unsubscribed", "message.complained"};
  return kTypes;
}

std::optional<std::string> TypeOfEvent(std::string_view event) {
  // A secure form's submission is recorded on the message that carried it.
  if (event == "form_submitted") return std::string("form.submitted");
  std::string type = "message." + std::string(event);
  const auto& all = EventTypes();
  if (std::find(all.begin(), all.end(), type) == all.end()) return std::nullopt;
  return type;
}

Result<std::string> NormaliseTypes(const std::vector<std::string>& types) {
  if (types.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "name at least one event type", "events");
  }
  for (const auto& t : types) {
    const auto& all = EventTypes();
    if (std::find(all.begin(), all.end(), t) == all.end()) {
      return MakeError(ErrorCode::kInvalidArgument, "no event type " + t.substr(0, 64), "events");
    }
  }
  std::string out;
  for (const auto& t : EventTypes()) {
    if (std::find(types.begin(), types.end(), t) == types.end()) continue;
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

bool Wants(std::string_view stored, std::string_view type) {
  while (!stored.empty()) {
    const auto space = stored.find(' ');
    if (stored.substr(0, space) == type) return true;
    if (space == std::string_view::npos) break;
    stored.remove_prefix(space + 1);
  }
  return false;
}

std::string Payload(const EventFacts& f) {
  json::object data{{"message_id", f.message_id}, {"account", f.account}};
  if (!f.form.empty()) {
    data["form"] = f.form;
    data["submission_id"] = f.submission;
  }
  if (!f.campaign.empty()) data["campaign"] = f.campaign;
  if (!f.automation.empty()) data["automation"] = f.automation;
  if (!f.recipient_id.empty()) {
    data["recipient_id"] = f.recipient_id;
    data["status"] = f.status;
    data["method"] = f.method;
  }
  data["at"] = FormatRfc3339(f.at);
  return json::serialize(
      json::object{{"type", f.type}, {"timestamp", FormatRfc3339(f.at)}, {"data", std::move(data)}});
}

Result<std::string> WithSubject(std::string_view payload, std::string_view subject) {
  boost::system::error_code ec;
  auto value = json::parse(payload, ec);
  json::object* data = nullptr;
  if (!ec && value.is_object()) {
    if (auto* d = value.as_object().if_contains("data")) data = d->if_object();
  }
  if (!data) return MakeError(ErrorCode::kInternal, "a stored webhook payload is not one");
  (*data)["subject"] = subject;
  return json::serialize(value);
}

std::string SubjectAad(const std::string& message_id) {
  return "sealpost/webhook-subject/v1|" + message_id;
}

std::optional<std::int64_t> RetryDelay(const std::vector<std::int64_t>& schedule, int attempts) {
  if (attempts < 1 || static_cast<std::size_t>(attempts) > schedule.size()) return std::nullopt;
  return schedule[static_cast<std::size_t>(attempts) - 1];
}

const std::vector<std::int64_t>& DefaultRetrySchedule() {
  static const std::vector<std::int64_t> kSchedule = {5, 300, 1800, 7200, 18000, 36000, 36000};
  return kSchedule;
}

}  // namespace sealpost::webhooks
