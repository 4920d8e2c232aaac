#include "campaigns/engagement.h"

#include <algorithm>
#include <boost/json.hpp>

#include "audit/pending.h"
#include "campaigns/campaigns.h"
#include "campaigns/tracking.h"
#include "mime/feedback_report.h"
#include "store/stores.h"

namespace sealpost::campaigns {
namespace json = boost::json;

namespace {

Error NoSuchLink() { return MakeError(ErrorCode::kNotFound, "no such link"); }

std::string SourceDetail(const std::string& kind, const std::string& name, json::object more = {}) {
  more[kind] = name;
  return json::serialize(more);
}

}  // namespace

Status Engagement::Record(const std::string& message_id, const std::string& type,
                          const std::string& client_address, const std::string& detail) {
  EventRecord e;
  e.message_id = message_id;
  e.type = type;
  e.at = clock_.NowUnix();
  e.client_address = client_address;
  e.detail = detail;
  return events_.Append(e);
}

Status Engagement::Opened(std::string_view token, const std::string& client_address) {
  auto message_id = ReadOpenToken(link_key_, token);
  if (!message_id) return NoSuchLink();
  auto source = campaigns_.SourceOf(*message_id);
  if (!source.ok()) return std::move(source).error();
  if (!*source || !(*source)->tracking) return OkStatus();
  // Mail programs fetch images again each time the message is shown: the first counts.
  auto seen = events_.ForMessage(*message_id);
  if (!seen.ok()) return std::move(seen).error();
  if (std::any_of(seen->begin(), seen->end(), [](const auto& e) { return e.type == "opened"; })) {
    return OkStatus();
  }
  return Record(*message_id, "opened", client_address,
                SourceDetail((*source)->kind, (*source)->name));
}

Result<std::string> Engagement::Clicked(std::string_view token, const std::string& client_address) {
  auto click = ReadClickToken(link_key_, token);
  if (!click) return NoSuchLink();
  auto source = campaigns_.SourceOf(click->message_id);
  if (!source.ok()) return std::move(source).error();
  if (*source && (*source)->tracking) {
    auto s = Record(click->message_id, "clicked", client_address,
                    SourceDetail((*source)->kind, (*source)->name,
                                 json::object{{"link", LinkForRecord(click->url)}}));
    if (!s.ok()) return std::move(s).error();
  }
  // Only an address we wrote into a message gets here (the token's MAC covers it).
  return std::move(click->url);
}

Result<Engagement::Linked> Engagement::Resolve(std::string_view token) {
  auto parts = ReadUnsubscribeToken(link_key_, token);
  if (!parts) return NoSuchLink();
  Linked out;
  std::string segment_id;
  auto c = campaigns_.FindCampaignById(parts->campaign_id);
  if (!c.ok()) return std::move(c).error();
  if (*c) {
    out = {(*c)->id, (*c)->name, "campaign", (*c)->account, "", {}};
    segment_id = (*c)->segment_id;
  } else {
    auto a = campaigns_.FindAutomationById(parts->campaign_id);
    if (!a.ok()) return std::move(a).error();
    if (!*a) return NoSuchLink();
    out = {(*a)->id, (*a)->name, "automation", (*a)->account, "", {}};
    segment_id = (*a)->segment_id;
  }
  auto segment = contacts_.FindSegmentById(segment_id);
  if (!segment.ok()) return std::move(segment).error();
  if (*segment) out.list_id = (*segment)->list_id;
  auto contact = contacts_.FindContactById(parts->contact_id);
  if (!contact.ok()) return std::move(contact).error();
  if (*contact) out.contact = std::move(**contact);  // else forgotten: nothing to do for them
  return out;
}

Status Engagement::OnLastMessage(const Linked& linked, const std::string& type,
                                 const std::string& client_address) {
  auto message_id = campaigns_.MessageTo(linked.source_id, linked.contact.id);
  if (!message_id.ok()) return std::move(message_id).error();
  if (!*message_id) return OkStatus();
  return Record(**message_id, type, client_address, SourceDetail(linked.kind, linked.source_name));
}

namespace {

audit::AuditRecord ContactRecordOf(const std::string& action, const std::string& account,
                                   const ContactRecord& contact, std::int64_t at,
                                   const std::string& client_address, std::string details) {
  audit::AuditRecord r;
  r.at = at;
  r.actor_kind = "recipient";
  r.actor = "contact " + contact.id;
  r.client_address = client_address;
  r.account = account;
  r.action = action;
  r.subject = contact.address;
  r.result = "ok";
  r.recipient = contact.address;
  r.details = std::move(details);
  return r;
}

}  // namespace

Status Engagement::Unsubscribe(std::string_view token, const std::string& client_address) {
  auto linked = Resolve(token);
  if (!linked.ok()) return std::move(linked).error();
  if (linked->contact.id.empty() || linked->list_id.empty()) return OkStatus();
  audit::PendingRecord pending(ContactRecordOf(
      "contact.unsubscribed", linked->account, linked->contact, clock_.NowUnix(), client_address,
      SourceDetail(linked->kind, linked->source_name, json::object{{"how", "one click"}})));
  auto s = contacts_.Unsubscribe(linked->list_id, linked->contact.id, clock_.NowUnix());
  if (!s.ok() && s.error().code == ErrorCode::kNotFound) return OkStatus();  // not on it
  if (!s.ok()) return s;
  return OnLastMessage(*linked, "unsubscribed", client_address);
}

Result<Engagement::Preferences> Engagement::PreferencesOf(std::string_view token) {
  auto linked = Resolve(token);
  if (!linked.ok()) return std::move(linked).error();
  return PreferencesOf(*linked);
}

Result<Engagement::Preferences> Engagement::PreferencesOf(const Linked& linked) {
  Preferences out;
  out.account = linked.account;
  out.address = linked.contact.address;
  out.from = linked.source_name;
  if (linked.contact.id.empty()) return out;
  auto memberships = contacts_.Memberships(linked.contact.id);
  if (!memberships.ok()) return std::move(memberships).error();
  auto lists = contacts_.Lists(linked.account);
  if (!lists.ok()) return std::move(lists).error();
  for (const auto& list : *lists) {
    for (const auto& m : *memberships) {
      if (m.list_id != list.id) continue;
      out.lists.push_back({list.id, list.name, list.description, m.unsubscribed_at == 0});
    }
  }
  auto suppressed = contacts_.FindSuppression(linked.account, linked.contact.address);
  if (!suppressed.ok()) return std::move(suppressed).error();
  out.suppressed = suppressed->has_value();
  return out;
}

Status Engagement::SetPreferences(std::string_view token, const std::vector<std::string>& keep,
                                  bool nothing_at_all, const std::string& client_address) {
  auto linked = Resolve(token);
  if (!linked.ok()) return std::move(linked).error();
  if (linked->contact.id.empty()) return OkStatus();
  auto prefs = PreferencesOf(*linked);
  if (!prefs.ok()) return std::move(prefs).error();
  const std::int64_t now = clock_.NowUnix();
  bool left_any = false;
  for (const auto& list : prefs->lists) {
    if (!list.subscribed) continue;
    if (!nothing_at_all && std::find(keep.begin(), keep.end(), list.id) != keep.end()) continue;
    audit::PendingRecord pending(ContactRecordOf(
        "contact.unsubscribed", linked->account, linked->contact, now, client_address,
        SourceDetail(linked->kind, linked->source_name,
                     json::object{{"how", "preferences page"}, {"list", list.name}})));
    auto s = contacts_.Unsubscribe(list.id, linked->contact.id, now);
    if (!s.ok() && s.error().code != ErrorCode::kNotFound) return s;
    left_any = true;
  }
  if (nothing_at_all && !prefs->suppressed) {
    audit::PendingRecord pending(ContactRecordOf(
        "contact.suppressed", linked->account, linked->contact, now, client_address,
        SourceDetail(linked->kind, linked->source_name,
                     json::object{{"how", "preferences page"}, {"reason", "unsubscribed"}})));
    auto s = contacts_.Suppress({linked->account, linked->contact.address, "unsubscribed", now,
                                 "asked on the preferences page"});
    if (!s.ok()) return s;
    left_any = true;
  }
  if (!left_any) return OkStatus();
  return OnLastMessage(*linked, "unsubscribed", client_address);
}

Status Engagement::Complaint(std::string_view raw) {
  auto report = ParseFeedbackReport(raw);
  if (!report.ok()) return std::move(report).error();
  // "This is not spam" is no complaint.
  if (report->feedback_type == "not-spam") return OkStatus();
  const std::string ours = public_url_ + "/u/";
  for (const auto& link : report->unsubscribe_links) {
    if (link.compare(0, ours.size(), ours) != 0) continue;
    auto linked = Resolve(std::string_view(link).substr(ours.size()));
    if (!linked.ok() && linked.error().code == ErrorCode::kNotFound) continue;
    if (!linked.ok()) return std::move(linked).error();
    if (linked->contact.id.empty()) return OkStatus();  // forgotten since
    const std::int64_t now = clock_.NowUnix();
    const std::string detail = "feedback report (" + report->feedback_type + ") on the " +
                               linked->kind + " " + linked->source_name;
    audit::AuditRecord r =
        ContactRecordOf("contact.complained", linked->account, linked->contact, now, "",
                        SourceDetail(linked->kind, linked->source_name,
                                     json::object{{"feedback_type", report->feedback_type}}));
    r.actor_kind = "system";
    r.actor = "feedback loop";
    {
      audit::PendingRecord pending(std::move(r));
      auto s = contacts_.Suppress(
          {linked->account, linked->contact.address, "complained", now, detail.substr(0, 500)});
      if (!s.ok()) return s;
    }
    if (!linked->list_id.empty()) {
      auto s = contacts_.Unsubscribe(linked->list_id, linked->contact.id, now);
      if (!s.ok() && s.error().code != ErrorCode::kNotFound) return s;
    }
    return OnLastMessage(*linked, "complained", "");
  }
  return MakeError(ErrorCode::kNotFound, "the report is about no message of ours");
}

}  // namespace sealpost::campaigns
