#include "campaigns/campaigns.h"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <optional>
#include <thread>

#include "audit/pending.h"
#include "base/encoding.h"
#include "campaigns/tracking.h"
#include "crypto/key_ring.h"
#include "crypto/random.h"
#include "mime/address.h"

namespace sealpost::campaigns {
namespace json = boost::json;

namespace {

constexpr std::size_t kTakenPerStep = 500;  // contacts taken from the segment at once

Error Invalid(std::string message, std::string field) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}

std::string LinkMacInput(const std::string& campaign_id, const std::string& contact_id) {
  return "campaign-link|" + campaign_id + "|" + contact_id;
}

}  // namespace

std::string UnsubscribeToken(const PurposeKey& key, const std::string& campaign_id,
                             const std::string& contact_id) {
  return campaign_id + "." + contact_id + "." +
         Base64UrlEncode(ShortMac(key, LinkMacInput(campaign_id, contact_id)));
}

std::optional<TokenParts> ReadUnsubscribeToken(const PurposeKey& key, std::string_view token) {
  if (token.size() > 200) return std::nullopt;
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  TokenParts parts{std::string(token.substr(0, first)),
                   std::string(token.substr(first + 1, second - first - 1))};
  auto mac = Base64UrlDecode(token.substr(second + 1));
  if (!mac || parts.campaign_id.empty() || parts.contact_id.empty() ||
      !ShortMacMatches(key, LinkMacInput(parts.campaign_id, parts.contact_id), *mac)) {
    return std::nullopt;
  }
  return parts;
}

Status Campaigns::PutTemplate(const std::string& account, const std::string& name,
                              const std::string& subject, const std::string& text,
                              const std::string& html, bool carries_phi) {
  if (name.empty() || name.size() > kMaxNameChars) {
    return Invalid("a template's name has 1 to " + std::to_string(kMaxNameChars) + " characters",
                   "name");
  }
  auto parsed = MessageTemplate::Parse(subject, text, html);
  if (!parsed.ok()) return std::move(parsed).error();
  auto before = store_.FindTemplate(account, name);
  if (!before.ok()) return std::move(before).error();
  const std::int64_t now = clock_.NowUnix();
  TemplateRecord t{
      *before ? (*before)->id : NewId(),     account, name, subject, text, html, carries_phi,
      *before ? (*before)->created_at : now, now};
  json::object details{{"template", name}, {"carries_phi", carries_phi}, {"new", !*before}};
  if (*before) details["phi_before"] = (*before)->carries_phi;
  audit::DetailPending(json::serialize(details));
  return store_.PutTemplate(t);
}

Result<MessageTemplate::Rendered> Campaigns::Preview(const std::string& account,
                                                     const std::string& name,
                                                     const std::string& contact_address) {
  auto t = store_.FindTemplate(account, name);
  if (!t.ok()) return std::move(t).error();
  if (!*t)
    return MakeError(ErrorCode::kNotFound, "the account has no template " + name, "template");
  auto parsed = MessageTemplate::Parse((*t)->subject, (*t)->text, (*t)->html);
  if (!parsed.ok()) return std::move(parsed).error();
  auto contact = book_.Find(account, contact_address);
  if (!contact.ok()) return std::move(contact).error();
  if (!*contact) return MakeError(ErrorCode::kNotFound, "no contact " + contact_address, "contact");
  TemplateLinks links{{"unsubscribe_url", Link("/u/", "example")},
                      {"preferences_url", Link("/u/", "example")},
                      {"organisation", settings_.organisation}};
  return parsed->Render(FactsOf(**contact), links, clock_.NowUnix());
}

Result<std::string> Campaigns::TestSend(const std::string& account, const std::string& name,
                                        const std::string& contact_address,
                                        const std::string& sender, const std::string& to) {
  if (!IsValidAddress(to)) return Invalid("not an email address", "to");
  if (!IsValidAddress(sender)) return Invalid("not an email address", "from");
  auto rendered = Preview(account, name, contact_address);
  if (!rendered.ok()) return std::move(rendered).error();
  auto t = store_.FindTemplate(account, name);
  if (!t.ok()) return std::move(t).error();
  CampaignMessage m;
  m.account = account;
  m.sender = sender;
  m.message_id = NewId();
  m.address = to;
  m.rendered = std::move(*rendered);
  m.rendered.subject = "[Test] " + m.rendered.subject;
  m.carries_phi = (*t)->carries_phi;
  return road_.send(m);
}

Result<CampaignRecord> Campaigns::Create(const std::string& account, const NewCampaign& n) {
  if (n.name.empty() || n.name.size() > kMaxNameChars) {
    return Invalid("a campaign's name has 1 to " + std::to_string(kMaxNameChars) + " characters",
                   "name");
  }
  if (!IsValidAddress(n.sender)) return Invalid("the sender is not an email address", "from");
  if (n.per_minute < 1 || n.per_minute > kMaxPerMinute) {
    return Invalid("from 1 to " + std::to_string(kMaxPerMinute) + " a minute", "per_minute");
  }
  if (n.per_domain_per_minute < 1 || n.per_domain_per_minute > n.per_minute) {
    return Invalid("from 1 to the campaign's pace a minute", "per_domain_per_minute");
  }
  auto segment = book_.Segment(account, n.segment);
  if (!segment.ok()) return std::move(segment).error();
  auto t = store_.FindTemplate(account, n.template_name);
  if (!t.ok()) return std::move(t).error();
  if (!*t) {
    return MakeError(ErrorCode::kNotFound, "the account has no template " + n.template_name,
                     "template");
  }
  const std::int64_t now = clock_.NowUnix();
  CampaignRecord c;
  c.id = NewId();
  c.account = account;
  c.name = n.name;
  c.segment_id = segment->id;
  c.template_id = (*t)->id;
  c.sender = n.sender;
  c.per_minute = n.per_minute;
  c.per_domain_per_minute = n.per_domain_per_minute;
  c.tracking = n.tracking;
  c.created_at = c.updated_at = now;
  audit::DetailPending(json::serialize(json::object{{"campaign", n.name},
                                                    {"segment", n.segment},
                                                    {"template", n.template_name},
                                                    {"from", n.sender},
                                                    {"per_minute", n.per_minute},
                                                    {"tracking", n.tracking}}));
  auto s = store_.CreateCampaign(c);
  if (!s.ok()) return std::move(s).error();
  return c;
}

Result<CampaignRecord> Campaigns::Named(const std::string& account, const std::string& name) {
  auto c = store_.FindCampaign(account, name);
  if (!c.ok()) return std::move(c).error();
  if (!*c)
    return MakeError(ErrorCode::kNotFound, "the account has no campaign " + name, "campaign");
  return std::move(**c);
}

Status Campaigns::Move(const std::string& account, const std::string& name,
                       const std::vector<std::string>& from, const std::string& to,
                       const char* refusal) {
  auto c = Named(account, name);
  if (!c.ok()) return std::move(c).error();
  audit::DetailPending(
      json::serialize(json::object{{"campaign", name}, {"before", c->state}, {"after", to}}));
  auto moved = store_.MoveCampaign(c->id, from, to, clock_.NowUnix(), 0);
  if (!moved.ok()) return std::move(moved).error();
  if (!*moved) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "the campaign is " + c->state + ": " + refusal);
  }
  return OkStatus();
}

Status Campaigns::Schedule(const std::string& account, const std::string& name, std::int64_t at) {
  auto c = Named(account, name);
  if (!c.ok()) return std::move(c).error();
  audit::DetailPending(json::serialize(
      json::object{{"campaign", name}, {"before", c->state}, {"after", "scheduled"}, {"at", at}}));
  auto moved =
      store_.MoveCampaign(c->id, {"draft", "scheduled"}, "scheduled", clock_.NowUnix(), at);
  if (!moved.ok()) return std::move(moved).error();
  if (!*moved) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "the campaign is " + c->state + ": only a draft is scheduled");
  }
  return OkStatus();
}

Status Campaigns::Pause(const std::string& account, const std::string& name) {
  return Move(account, name, {"sending", "scheduled"}, "paused",
              "only a campaign on its way pauses");
}

Status Campaigns::Resume(const std::string& account, const std::string& name) {
  return Move(account, name, {"paused"}, "sending", "only a paused campaign resumes");
}

Status Campaigns::Cancel(const std::string& account, const std::string& name) {
  return Move(account, name, {"draft", "scheduled", "sending", "paused"}, "cancelled",
              "it has ended already");
}

Result<Campaigns::Progress> Campaigns::Find(const std::string& account, const std::string& name) {
  auto c = Named(account, name);
  if (!c.ok()) return std::move(c).error();
  auto tally = store_.Tally(c->id);
  if (!tally.ok()) return std::move(tally).error();
  return Progress{std::move(*c), std::move(*tally)};
}

Result<std::vector<CampaignRecord>> Campaigns::List(const std::string& account) {
  return store_.Campaigns(account);
}

Result<EngagementReport> Campaigns::Report(const std::string& account, const std::string& name) {
  auto c = Named(account, name);
  if (!c.ok()) return std::move(c).error();
  return store_.Report(c->id);
}

std::string Campaigns::Link(const std::string& path, const std::string& token) const {
  return settings_.public_url + path + token;
}

Result<int> Campaigns::Step() {
  const std::int64_t now = clock_.NowUnix();
  auto scheduled = store_.InStates({"scheduled"});
  if (!scheduled.ok()) return std::move(scheduled).error();
  for (const auto& c : *scheduled) {
    if (c.scheduled_at > now) continue;
    auto moved = store_.MoveCampaign(c.id, {"scheduled"}, "sending", now, 0);
    if (!moved.ok()) return std::move(moved).error();
  }
  // Addresses whose server refused a campaign's message go on the suppression list.
  auto bounced = store_.Bounced(kTakenPerStep);
  if (!bounced.ok()) return std::move(bounced).error();
  for (auto& b : *bounced) {
    auto s = book_.Suppress(b.account, b.send.address, "bounced",
                            "campaign message refused: " + b.send.detail.substr(0, 200));
    if (!s.ok()) return std::move(s).error();
    b.send.state = "bounced";
    b.send.at = now;
    if (auto settled = store_.Settle({b.send}); !settled.ok()) return std::move(settled).error();
  }
  auto sending = store_.InStates({"sending"});
  if (!sending.ok()) return std::move(sending).error();
  int sent = 0;
  for (const auto& c : *sending) {
    bool busy = false;
    auto n = Advance(c, now, &busy);
    if (!n.ok()) return std::move(n).error();
    sent += *n;
    if (busy) break;  // the road is full: the rest waits for the next step
  }
  return sent;
}

Result<int> Campaigns::Advance(const CampaignRecord& c, std::int64_t now, bool* busy) {
  // Rows settled without a message (skipped, failed, made before a restart) give their
  // share of the minute back: choose again, a bounded number of times a step.
  constexpr int kRounds = 20;
  int sent = 0;
  for (int round = 0; round < kRounds; ++round) {
    int settled = 0;
    auto n = AdvanceOnce(c, now, busy, &settled);
    if (!n.ok()) return n;
    sent += *n;
    if (*busy || settled == 0) break;
  }
  return sent;
}

Result<int> Campaigns::AdvanceOnce(const CampaignRecord& c, std::int64_t now, bool* busy,
                                   int* settled) {
  auto [it, first] = windows_.try_emplace(c.id);
  Window& window = it->second;
  if (first) {
    // The first step of this process for the campaign: this minute's messages made
    // before a restart count, so a restart never sends more than the minute's pace.
    auto made = store_.SentSince(c.id, now / 60 * 60);
    if (!made.ok()) {
      windows_.erase(it);
      return std::move(made).error();
    }
    window.minute = now / 60;
    for (const auto& [domain, n] : *made) {
      window.by_domain[domain] += static_cast<int>(n);
      window.total += static_cast<int>(n);
    }
  }
  if (window.minute != now / 60) window = Window{now / 60, 0, {}};
  const int budget = c.per_minute - window.total;
  if (budget <= 0) return 0;

  auto t = store_.FindTemplateById(c.template_id);
  if (!t.ok()) return std::move(t).error();
  auto segment = contacts_.FindSegmentById(c.segment_id);
  if (!segment.ok()) return std::move(segment).error();
  if (!*t || !*segment) {
    // What it was made from is gone: it cannot go on.
    auto moved = store_.MoveCampaign(c.id, {"sending"}, "cancelled", now, 0);
    if (!moved.ok()) return std::move(moved).error();
    return 0;
  }
  auto parsed = MessageTemplate::Parse((*t)->subject, (*t)->text, (*t)->html);
  if (!parsed.ok()) return std::move(parsed).error();

  // Enough taken from the segment for this minute's pace (kept before any is sent).
  const std::size_t wanted = static_cast<std::size_t>(budget);
  auto pending = store_.Pending(c.id, wanted + kTakenPerStep);
  if (!pending.ok()) return std::move(pending).error();
  bool enumerated = c.enumerated;
  if (pending->size() < wanted && !enumerated) {
    std::string walked_to;
    auto reached = book_.Reach(**segment, c.cursor, kTakenPerStep, &walked_to);
    if (!reached.ok()) return std::move(reached).error();
    std::vector<CampaignSendRecord> sends;
    for (const auto& contact : *reached) {
      CampaignSendRecord r;
      r.campaign_id = c.id;
      r.contact_id = contact.record.id;
      r.address = contact.record.address;
      r.message_id = NewId();
      sends.push_back(std::move(r));
    }
    enumerated = reached->size() < kTakenPerStep;
    auto taken = store_.Take(c.id, sends, walked_to, enumerated, now);
    if (!taken.ok()) return std::move(taken).error();
    pending = store_.Pending(c.id, wanted + kTakenPerStep);
    if (!pending.ok()) return std::move(pending).error();
  }

  // This minute's share, chosen in order within the pace (all, and per domain) ...
  std::vector<const CampaignSendRecord*> chosen;
  for (const auto& send : *pending) {
    if (window.total >= c.per_minute) break;
    int& to_domain = window.by_domain[DomainOfAddress(send.address)];
    if (to_domain >= c.per_domain_per_minute) continue;  // stays pending for a later minute
    ++window.total;
    ++to_domain;
    chosen.push_back(&send);
  }
  // ... then sent on a few threads, so that their commits share the database's syncs.
  std::vector<std::optional<Result<CampaignSendRecord>>> results(chosen.size());
  // Whether each made a message now: one settled, skipped or failed takes no share of
  // the pace (char, not bool: each thread writes its own element).
  std::vector<char> made(chosen.size(), 0);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  auto work = [&] {
    for (std::size_t i; !stop && (i = next++) < chosen.size();) {
      bool made_now = false;
      results[i] = SendOne(c, **t, *parsed, **segment, *chosen[i], now, &made_now);
      made[i] = made_now;
      if (!results[i]->ok()) stop = true;
    }
  };
  const int threads =
      std::min<int>(std::clamp(settings_.senders, 1, 16), static_cast<int>(chosen.size()));
  std::vector<std::thread> helpers;
  for (int k = 1; k < threads; ++k) helpers.emplace_back(work);
  work();
  for (auto& h : helpers) h.join();
  // The rows' ends in one transaction: one sync for the share, not one a message. A stop
  // before it leaves them pending, and the next step settles them (Road::sent).
  std::vector<CampaignSendRecord> ends;
  for (auto& r : results) {
    if (r && r->ok()) ends.push_back(**r);
  }
  if (auto s = store_.Settle(ends); !s.ok()) return std::move(s).error();
  int sent = 0;
  std::optional<Error> failed;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    if (results[i] && results[i]->ok() && made[i]) {
      ++sent;
      continue;
    }
    if (results[i] && results[i]->ok()) {
      // Settled without a message now: given back to the minute, and counted done.
      --window.total;
      --window.by_domain[DomainOfAddress(chosen[i]->address)];
      ++*settled;
      continue;
    }
    // Not sent (not reached, or the road was busy): not counted in the minute either.
    --window.total;
    --window.by_domain[DomainOfAddress(chosen[i]->address)];
    if (!results[i]) continue;
    if (results[i]->error().code == ErrorCode::kUnavailable) {
      *busy = true;
    } else if (!failed) {
      failed = results[i]->error();
    }
  }
  if (failed) return std::move(*failed);
  if (*busy) return sent;
  if (enumerated && pending->size() <= static_cast<std::size_t>(sent + *settled)) {
    auto left = store_.Pending(c.id, 1);
    if (!left.ok()) return std::move(left).error();
    if (left->empty()) {
      auto moved = store_.MoveCampaign(c.id, {"sending"}, "done", now, 0);
      if (!moved.ok()) return std::move(moved).error();
    }
  }
  return sent;
}

Result<CampaignSendRecord> Campaigns::SendOne(const CampaignRecord& c, const TemplateRecord& t,
                                              const MessageTemplate& parsed,
                                              const SegmentRecord& segment, CampaignSendRecord send,
                                              std::int64_t now, bool* made_now) {
  send.at = now;
  // Made already, before a restart: settled, not made again.
  auto made = road_.sent(send.message_id);
  if (!made.ok()) return std::move(made).error();
  if (*made) {
    send.state = "sent";
    send.method = **made;
    return send;
  }
  auto reachable = StillReachable(contacts_, book_, c.account, send.contact_id, segment.list_id);
  if (!reachable.ok()) return std::move(reachable).error();
  if (!reachable->contact) {
    send.state = "skipped";
    send.detail = reachable->why_not;
    return send;
  }
  const CampaignMessage m =
      MessageFor(*reachable->contact, parsed, t.carries_phi, c.tracking, c.account, c.sender, c.id,
                 send.message_id, link_key_, settings_, now);
  auto method = road_.send(m);
  if (!method.ok()) {
    if (method.error().code == ErrorCode::kUnavailable) return std::move(method).error();
    send.state = "failed";
    send.detail = method.error().message.substr(0, 300);
    return send;
  }
  *made_now = true;
  send.state = "sent";
  send.method = *method;
  return send;
}

Result<Reachable> StillReachable(ContactStore& contacts, ContactBook& book,
                                 const std::string& account, const std::string& contact_id,
                                 const std::string& list_id) {
  Reachable out;
  auto record = contacts.FindContactById(contact_id);
  if (!record.ok()) return std::move(record).error();
  if (!*record) {
    out.why_not = "the contact was deleted";
    return out;
  }
  auto may = book.MayWriteTo(account, (*record)->address);
  if (!may.ok()) return std::move(may).error();
  if (!*may) {
    out.why_not = "suppressed";
    return out;
  }
  auto memberships = contacts.Memberships(contact_id);
  if (!memberships.ok()) return std::move(memberships).error();
  if (!std::any_of(memberships->begin(), memberships->end(),
                   [&](const auto& m) { return m.list_id == list_id && m.unsubscribed_at == 0; })) {
    out.why_not = "left the list";
    return out;
  }
  auto opened = book.Opened(std::move(**record));
  if (!opened.ok()) return std::move(opened).error();
  out.contact = std::move(*opened);
  return out;
}

CampaignMessage MessageFor(const ContactBook::Contact& contact, const MessageTemplate& parsed,
                           bool carries_phi, bool track, const std::string& account,
                           const std::string& sender, const std::string& from_id,
                           const std::string& message_id, const PurposeKey& link_key,
                           const CampaignSettings& settings, std::int64_t now) {
  CampaignMessage m;
  m.account = account;
  m.sender = sender;
  m.message_id = message_id;
  m.address = contact.record.address;
  m.unsubscribe_url =
      settings.public_url + "/u/" + UnsubscribeToken(link_key, from_id, contact.record.id);
  m.carries_phi = carries_phi;
  m.campaign_id = from_id;
  TemplateLinks links{{"unsubscribe_url", m.unsubscribe_url},
                      {"preferences_url", m.unsubscribe_url},
                      {"organisation", settings.organisation}};
  m.rendered = parsed.Render(FactsOf(contact), links, now);
  if (track && !carries_phi && !m.rendered.html.empty()) {
    m.rendered.html = TrackedHtml(m.rendered.html, link_key, settings.public_url, message_id,
                                  settings.public_url + "/u/");
  }
  return m;
}

}  // namespace sealpost::campaigns
