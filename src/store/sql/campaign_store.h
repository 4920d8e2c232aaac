// Templates, campaigns, automations and their sends (store/campaign_store.h), written once
// for both backends: Store<sqlite::Backend> and Store<pg::Backend>.
#pragma once

#include <algorithm>

#include "store/campaign_store.h"

namespace sealpost::sql::campaigns {

inline constexpr const char* kTemplateColumns =
    "id, account, name, subject, text, html, carries_phi, created_at, updated_at";

template <class Statement>
TemplateRecord ReadTemplate(const Statement& s) {
  return {s.Text(0), s.Text(1),     s.Text(2), s.Text(3), s.Text(4),
          s.Text(5), s.Int(6) != 0, s.Int(7),  s.Int(8)};
}

inline constexpr const char* kCampaignColumns =
    "id, account, name, segment_id, template_id, sender, state, scheduled_at, started_at, "
    "finished_at, per_minute, per_domain_per_minute, cursor, enumerated, created_at, updated_at, "
    "tracking";

template <class Statement>
CampaignRecord ReadCampaign(const Statement& s) {
  CampaignRecord c;
  c.id = s.Text(0);
  c.account = s.Text(1);
  c.name = s.Text(2);
  c.segment_id = s.Text(3);
  c.template_id = s.Text(4);
  c.sender = s.Text(5);
  c.state = s.Text(6);
  c.scheduled_at = s.Int(7);
  c.started_at = s.Int(8);
  c.finished_at = s.Int(9);
  c.per_minute = static_cast<int>(s.Int(10));
  c.per_domain_per_minute = static_cast<int>(s.Int(11));
  c.cursor = s.Text(12);
  c.enumerated = s.Int(13) != 0;
  c.created_at = s.Int(14);
  c.updated_at = s.Int(15);
  c.tracking = s.Int(16) != 0;
  return c;
}

inline constexpr const char* kSendColumns =
    "campaign_id, contact_id, address, message_id, state, method, at, detail";

template <class Statement>
CampaignSendRecord ReadSend(const Statement& s) {
  return {s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5), s.Int(6), s.Text(7)};
}

inline std::string InList(std::size_t n) {
  std::string out = "(";
  for (std::size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out + ")";
}

inline constexpr const char* kAutomationColumns =
    "id, account, name, segment_id, sender, trigger, steps, state, created_at, updated_at, "
    "tracking";

template <class Statement>
AutomationRecord ReadAutomation(const Statement& s) {
  return {s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4),     s.Text(5),
          s.Text(6), s.Text(7), s.Int(8),  s.Int(9),  s.Int(10) != 0};
}

inline constexpr const char* kRunColumns =
    "automation_id, contact_id, key, step, due_at, state, pending_message_id, last_message_id, "
    "detail, started_at";

template <class Statement>
AutomationRunRecord ReadRun(const Statement& s) {
  AutomationRunRecord r;
  r.automation_id = s.Text(0);
  r.contact_id = s.Text(1);
  r.key = s.Text(2);
  r.step = static_cast<int>(s.Int(3));
  r.due_at = s.Int(4);
  r.state = s.Text(5);
  r.pending_message_id = s.Text(6);
  r.last_message_id = s.Text(7);
  r.detail = s.Text(8);
  r.started_at = s.Int(9);
  return r;
}

template <class B>
class Store final : public CampaignStore {
 public:
  using Database = typename B::Database;
  using Connection = typename B::Connection;
  using Statement = typename B::Statement;

  explicit Store(Database& db) : db_(db) {}

  Status PutTemplate(const TemplateRecord& t) override {
    return db_.Transaction([&](Connection& db) -> Status {
      return Statement(db, std::string("INSERT INTO campaign_templates (") + kTemplateColumns +
                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, name) "
                               "DO UPDATE SET subject = excluded.subject, text = excluded.text, "
                               "html = excluded.html, carries_phi = excluded.carries_phi, "
                               "updated_at = excluded.updated_at")
          .Bind(1, t.id)
          .Bind(2, t.account)
          .Bind(3, t.name)
          .Bind(4, t.subject)
          .Bind(5, t.text)
          .Bind(6, t.html)
          .Bind(7, std::int64_t{t.carries_phi})
          .Bind(8, t.created_at)
          .Bind(9, t.updated_at)
          .Run();
    });
  }

  Result<std::optional<TemplateRecord>> FindTemplate(const std::string& account,
                                                     const std::string& name) override {
    return QueryOne<TemplateRecord>(
        db_,
        std::string("SELECT ") + kTemplateColumns +
            " FROM campaign_templates WHERE account = ? AND name = ?",
        [&](Statement& s) { s.Bind(1, account).Bind(2, name); }, ReadTemplate<Statement>);
  }

  Result<std::optional<TemplateRecord>> FindTemplateById(const std::string& id) override {
    return QueryOne<TemplateRecord>(
        db_, std::string("SELECT ") + kTemplateColumns + " FROM campaign_templates WHERE id = ?",
        [&](Statement& s) { s.Bind(1, id); }, ReadTemplate<Statement>);
  }

  Result<std::vector<TemplateRecord>> Templates(const std::string& account) override {
    return QueryAll<TemplateRecord>(
        db_,
        std::string("SELECT ") + kTemplateColumns +
            " FROM campaign_templates WHERE account = ? ORDER BY name",
        [&](Statement& s) { s.Bind(1, account); }, ReadTemplate<Statement>);
  }

  Status CreateCampaign(const CampaignRecord& c) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, std::string("INSERT INTO campaigns (") + kCampaignColumns +
                                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                 "ON CONFLICT (account, name) DO NOTHING")
                   .Bind(1, c.id)
                   .Bind(2, c.account)
                   .Bind(3, c.name)
                   .Bind(4, c.segment_id)
                   .Bind(5, c.template_id)
                   .Bind(6, c.sender)
                   .Bind(7, c.state)
                   .Bind(8, c.scheduled_at)
                   .Bind(9, c.started_at)
                   .Bind(10, c.finished_at)
                   .Bind(11, std::int64_t{c.per_minute})
                   .Bind(12, std::int64_t{c.per_domain_per_minute})
                   .Bind(13, c.cursor)
                   .Bind(14, std::int64_t{c.enumerated})
                   .Bind(15, c.created_at)
                   .Bind(16, c.updated_at)
                   .Bind(17, std::int64_t{c.tracking})
                   .Run();
      if (!s.ok()) return s;
      if (db.changes() == 0) {
        return MakeError(ErrorCode::kAlreadyExists, "the account has a campaign called " + c.name,
                         "name");
      }
      return OkStatus();
    });
  }

  Result<std::optional<CampaignRecord>> FindCampaign(const std::string& account,
                                                     const std::string& name) override {
    return QueryOne<CampaignRecord>(
        db_,
        std::string("SELECT ") + kCampaignColumns +
            " FROM campaigns WHERE account = ? AND name = ?",
        [&](Statement& s) { s.Bind(1, account).Bind(2, name); }, ReadCampaign<Statement>);
  }

  Result<std::optional<CampaignRecord>> FindCampaignById(const std::string& id) override {
    return QueryOne<CampaignRecord>(
        db_, std::string("SELECT ") + kCampaignColumns + " FROM campaigns WHERE id = ?",
        [&](Statement& s) { s.Bind(1, id); }, ReadCampaign<Statement>);
  }

  Result<std::vector<CampaignRecord>> Campaigns(const std::string& account) override {
    return QueryAll<CampaignRecord>(
        db_,
        std::string("SELECT ") + kCampaignColumns +
            " FROM campaigns WHERE account = ? ORDER BY created_at DESC, name",
        [&](Statement& s) { s.Bind(1, account); }, ReadCampaign<Statement>);
  }

  Result<std::vector<CampaignRecord>> InStates(const std::vector<std::string>& states) override {
    return QueryAll<CampaignRecord>(
        db_,
        std::string("SELECT ") + kCampaignColumns + " FROM campaigns WHERE state IN " +
            InList(states.size()) + " ORDER BY created_at",
        [&](Statement& s) {
          for (std::size_t i = 0; i < states.size(); ++i)
            s.Bind(static_cast<int>(i + 1), states[i]);
        },
        ReadCampaign<Statement>);
  }

  Result<bool> MoveCampaign(const std::string& id, const std::vector<std::string>& from,
                            const std::string& to, std::int64_t at,
                            std::int64_t scheduled_at) override {
    bool moved = false;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      Statement s(
          db,
          "UPDATE campaigns SET state = ?1, updated_at = ?2, "
          "scheduled_at = CASE WHEN ?1 = 'scheduled' THEN ?3 ELSE scheduled_at END, "
          "started_at = CASE WHEN ?1 = 'sending' AND started_at = 0 THEN ?2 "
          "ELSE started_at END, "
          "finished_at = CASE WHEN ?1 IN ('done', 'cancelled') THEN ?2 "
          "ELSE finished_at END WHERE id = ?4 AND state IN " +
              [&] {
                std::string in = "(";
                for (std::size_t i = 0; i < from.size(); ++i) {
                  in += (i ? ", ?" : "?") + std::to_string(i + 5);
                }
                return in + ")";
              }());
      s.Bind(1, to).Bind(2, at).Bind(3, scheduled_at).Bind(4, id);
      for (std::size_t i = 0; i < from.size(); ++i) s.Bind(static_cast<int>(i + 5), from[i]);
      auto run = s.Run();
      if (!run.ok()) return run;
      moved = db.changes() > 0;
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return moved;
  }

  Status Take(const std::string& campaign_id, const std::vector<CampaignSendRecord>& sends,
              const std::string& cursor, bool enumerated, std::int64_t at) override {
    return db_.Transaction([&](Connection& db) -> Status {
      for (const auto& r : sends) {
        auto s = Statement(db, std::string("INSERT INTO campaign_sends (") + kSendColumns +
                                   ") VALUES (?, ?, ?, ?, 'pending', '', ?, '') "
                                   "ON CONFLICT (campaign_id, contact_id) DO NOTHING")
                     .Bind(1, campaign_id)
                     .Bind(2, r.contact_id)
                     .Bind(3, r.address)
                     .Bind(4, r.message_id)
                     .Bind(5, at)
                     .Run();
        if (!s.ok()) return s;
      }
      return Statement(db,
                       "UPDATE campaigns SET cursor = ?, enumerated = ?, updated_at = ? "
                       "WHERE id = ?")
          .Bind(1, cursor)
          .Bind(2, std::int64_t{enumerated})
          .Bind(3, at)
          .Bind(4, campaign_id)
          .Run();
    });
  }

  Result<std::vector<CampaignSendRecord>> Pending(const std::string& campaign_id,
                                                  std::size_t limit) override {
    return QueryAll<CampaignSendRecord>(
        db_,
        std::string("SELECT ") + kSendColumns +
            " FROM campaign_sends WHERE campaign_id = ? AND state = 'pending' ORDER BY "
            "contact_id LIMIT ?",
        [&](Statement& s) { s.Bind(1, campaign_id).Bind(2, static_cast<std::int64_t>(limit)); },
        ReadSend<Statement>);
  }

  Result<std::map<std::string, std::int64_t>> SentSince(const std::string& campaign_id,
                                                        std::int64_t since) override {
    std::map<std::string, std::int64_t> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement s(db, std::string("SELECT substr(address, ") + B::kFind +
                          "(address, '@') + 1), count(*) FROM campaign_sends "
                          "WHERE campaign_id = ? AND state = 'sent' AND at >= ? GROUP BY 1");
      s.Bind(1, campaign_id).Bind(2, since);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        out[s.Text(0)] = s.Int(1);
      }
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Status Settle(const std::vector<CampaignSendRecord>& sends) override {
    if (sends.empty()) return OkStatus();
    return db_.Transaction([&](Connection& db) -> Status {
      for (const auto& r : sends) {
        auto s = Statement(db,
                           "UPDATE campaign_sends SET state = ?, method = ?, at = ?, detail = ? "
                           "WHERE campaign_id = ? AND contact_id = ?")
                     .Bind(1, r.state)
                     .Bind(2, r.method)
                     .Bind(3, r.at)
                     .Bind(4, r.detail)
                     .Bind(5, r.campaign_id)
                     .Bind(6, r.contact_id)
                     .Run();
        if (!s.ok()) return s;
        if (r.state != "sent") continue;
        s = Statement(db, "UPDATE contacts SET last_sent = ? WHERE id = ?")
                .Bind(1, r.at)
                .Bind(2, r.contact_id)
                .Run();
        if (!s.ok()) return s;
      }
      return OkStatus();
    });
  }

  Result<std::vector<Bounce>> Bounced(std::size_t limit) override {
    return QueryAll<Bounce>(
        db_,
        // From the bounced entries (queue_due) to their sends (by message id), not the
        // other way: every send ever made is many more rows than the bounces.
        std::string("SELECT s.campaign_id, s.contact_id, s.address, s.message_id, s.state, "
                    "s.method, s.at, q.last_error, c.account FROM queue q ") +
            B::kOrderedJoin +
            " campaign_sends s ON s.message_id = q.message_id JOIN campaigns c ON c.id = "
            "s.campaign_id WHERE q.state = 'bounced' AND s.state = 'sent' AND lower(q.rcpt_to) = "
            "s.address LIMIT ?",
        [&](Statement& s) { s.Bind(1, static_cast<std::int64_t>(limit)); },
        [](const Statement& s) {
          return Bounce{ReadSend(s), s.Text(8)};
        });
  }

  Status PutAutomation(const AutomationRecord& a) override {
    return db_.Transaction([&](Connection& db) -> Status {
      return Statement(db, std::string("INSERT INTO automations (") + kAutomationColumns +
                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, "
                               "name) DO UPDATE SET segment_id = excluded.segment_id, sender = "
                               "excluded.sender, trigger = excluded.trigger, steps = "
                               "excluded.steps, state = excluded.state, updated_at = "
                               "excluded.updated_at, tracking = excluded.tracking")
          .Bind(1, a.id)
          .Bind(2, a.account)
          .Bind(3, a.name)
          .Bind(4, a.segment_id)
          .Bind(5, a.sender)
          .Bind(6, a.trigger)
          .Bind(7, a.steps)
          .Bind(8, a.state)
          .Bind(9, a.created_at)
          .Bind(10, a.updated_at)
          .Bind(11, std::int64_t{a.tracking})
          .Run();
    });
  }

  Result<std::optional<AutomationRecord>> FindAutomation(const std::string& account,
                                                         const std::string& name) override {
    return QueryOne<AutomationRecord>(
        db_,
        std::string("SELECT ") + kAutomationColumns +
            " FROM automations WHERE account = ? AND name = ?",
        [&](Statement& s) { s.Bind(1, account).Bind(2, name); }, ReadAutomation<Statement>);
  }

  Result<std::optional<AutomationRecord>> FindAutomationById(const std::string& id) override {
    return QueryOne<AutomationRecord>(
        db_, std::string("SELECT ") + kAutomationColumns + " FROM automations WHERE id = ?",
        [&](Statement& s) { s.Bind(1, id); }, ReadAutomation<Statement>);
  }

  Result<std::vector<AutomationRecord>> ActiveAutomations() override {
    return QueryAll<AutomationRecord>(
        db_,
        std::string("SELECT ") + kAutomationColumns +
            " FROM automations WHERE state = 'active' ORDER BY created_at",
        [](Statement&) {}, ReadAutomation<Statement>);
  }

  Result<std::vector<AutomationRecord>> Automations(const std::string& account) override {
    return QueryAll<AutomationRecord>(
        db_,
        std::string("SELECT ") + kAutomationColumns +
            " FROM automations WHERE account = ? ORDER BY name",
        [&](Statement& s) { s.Bind(1, account); }, ReadAutomation<Statement>);
  }

  Result<bool> StartRun(const AutomationRunRecord& r) override {
    bool started = false;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, std::string("INSERT INTO automation_runs (") + kRunColumns +
                                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
                   .Bind(1, r.automation_id)
                   .Bind(2, r.contact_id)
                   .Bind(3, r.key)
                   .Bind(4, std::int64_t{r.step})
                   .Bind(5, r.due_at)
                   .Bind(6, r.state)
                   .Bind(7, r.pending_message_id)
                   .Bind(8, r.last_message_id)
                   .Bind(9, r.detail)
                   .Bind(10, r.started_at)
                   .Run();
      if (!s.ok()) return s;
      started = db.changes() > 0;
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return started;
  }

  Result<std::vector<AutomationRunRecord>> DueRuns(const std::string& automation_id,
                                                   std::int64_t now, std::size_t limit) override {
    return QueryAll<AutomationRunRecord>(
        db_,
        std::string("SELECT ") + kRunColumns +
            " FROM automation_runs WHERE automation_id = ? AND state = 'waiting' AND due_at <= "
            "? ORDER BY due_at LIMIT ?",
        [&](Statement& s) {
          s.Bind(1, automation_id).Bind(2, now).Bind(3, static_cast<std::int64_t>(limit));
        },
        ReadRun<Statement>);
  }

  Status SaveRun(const AutomationRunRecord& r) override {
    return db_.Transaction([&](Connection& db) -> Status {
      return Statement(db,
                       "UPDATE automation_runs SET step = ?, due_at = ?, state = ?, "
                       "pending_message_id = ?, last_message_id = ?, detail = ? WHERE "
                       "automation_id = ? AND contact_id = ? AND key = ?")
          .Bind(1, std::int64_t{r.step})
          .Bind(2, r.due_at)
          .Bind(3, r.state)
          .Bind(4, r.pending_message_id)
          .Bind(5, r.last_message_id)
          .Bind(6, r.detail)
          .Bind(7, r.automation_id)
          .Bind(8, r.contact_id)
          .Bind(9, r.key)
          .Run();
    });
  }

  Result<std::vector<AutomationRunRecord>> Runs(const std::string& automation_id,
                                                std::size_t limit) override {
    return QueryAll<AutomationRunRecord>(
        db_,
        std::string("SELECT ") + kRunColumns +
            " FROM automation_runs WHERE automation_id = ? ORDER BY started_at, contact_id LIMIT ?",
        [&](Statement& s) { s.Bind(1, automation_id).Bind(2, static_cast<std::int64_t>(limit)); },
        ReadRun<Statement>);
  }

  Status RecordAutomationSend(const AutomationSendRecord& r) override {
    return db_.Transaction([&](Connection& db) -> Status {
      return Statement(db,
                       "INSERT INTO automation_sends (message_id, automation_id, contact_id, "
                       "step, address, method, at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (message_id) DO NOTHING")
          .Bind(1, r.message_id)
          .Bind(2, r.automation_id)
          .Bind(3, r.contact_id)
          .Bind(4, std::int64_t{r.step})
          .Bind(5, r.address)
          .Bind(6, r.method)
          .Bind(7, r.at)
          .Run();
    });
  }

  Result<std::optional<MessageSource>> SourceOf(const std::string& message_id) override {
    return QueryOne<MessageSource>(
        db_,
        "SELECT 'campaign', c.id, c.name, c.account, s.contact_id, s.address, c.tracking "
        "FROM campaign_sends s JOIN campaigns c ON c.id = s.campaign_id WHERE s.message_id = ?1 "
        "UNION ALL SELECT 'automation', a.id, a.name, a.account, s.contact_id, s.address, "
        "a.tracking FROM automation_sends s JOIN automations a ON a.id = s.automation_id "
        "WHERE s.message_id = ?1 LIMIT 1",
        [&](Statement& s) { s.Bind(1, message_id); },
        [](const Statement& s) {
          return MessageSource{s.Text(0), s.Text(1), s.Text(2),    s.Text(3),
                               s.Text(4), s.Text(5), s.Int(6) != 0};
        });
  }

  Result<std::optional<std::string>> MessageTo(const std::string& source_id,
                                               const std::string& contact_id) override {
    return QueryOne<std::string>(
        db_,
        "SELECT message_id FROM (SELECT message_id, at FROM campaign_sends WHERE campaign_id = "
        "?1 AND contact_id = ?2 AND state IN ('sent', 'bounced') UNION ALL SELECT message_id, "
        "at FROM automation_sends WHERE automation_id = ?1 AND contact_id = ?2) "
        "ORDER BY at DESC LIMIT 1",
        [&](Statement& s) { s.Bind(1, source_id).Bind(2, contact_id); },
        [](const Statement& s) { return s.Text(0); });
  }

  Result<EngagementReport> Report(const std::string& source_id) override {
    EngagementReport out;
    std::map<std::string, EngagementReport::Counts> domains;
    std::map<int, EngagementReport::Counts> steps;
    auto status = db_.Read([&](Connection& db) -> Status {
      // Each message once, what became of it from its queue entries and its events.
      Statement s(
          db,
          "SELECT x.address, x.state, x.method, x.step, "
          "EXISTS (SELECT 1 FROM queue q WHERE q.message_id = x.message_id AND q.state = "
          "'delivered'), "
          "EXISTS (SELECT 1 FROM queue q WHERE q.message_id = x.message_id AND q.state = "
          "'bounced') OR x.state = 'bounced', "
          "EXISTS (SELECT 1 FROM events e WHERE e.message_id = x.message_id AND e.type IN "
          "('opened', 'viewed', 'clicked')), "
          "EXISTS (SELECT 1 FROM events e WHERE e.message_id = x.message_id AND e.type = "
          "'clicked'), "
          "EXISTS (SELECT 1 FROM events e WHERE e.message_id = x.message_id AND e.type = "
          "'unsubscribed'), "
          "EXISTS (SELECT 1 FROM events e WHERE e.message_id = x.message_id AND e.type = "
          "'complained') "
          "FROM (SELECT address, state, method, 0 AS step, message_id FROM campaign_sends "
          "WHERE campaign_id = ?1 UNION ALL SELECT address, 'sent', method, step, message_id "
          "FROM automation_sends WHERE automation_id = ?1) x");
      s.Bind(1, source_id);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        const std::string state = s.Text(1);
        if (state != "sent" && state != "bounced") {
          ++out.not_sent[state];
          continue;
        }
        const std::string address = s.Text(0);
        const auto at = address.rfind('@');
        EngagementReport::Counts one;
        one.sent = 1;
        one.delivered = s.Int(4);
        one.bounced = s.Int(5);
        one.opened = s.Int(6);
        one.clicked = s.Int(7);
        one.unsubscribed = s.Int(8);
        one.complained = s.Int(9);
        ++out.by_method[s.Text(2)];
        for (auto* c : {&out.all, &domains[at == std::string::npos ? "" : address.substr(at + 1)],
                        &steps[static_cast<int>(s.Int(3))]}) {
          c->Add(one);
        }
      }
    });
    if (!status.ok()) return std::move(status).error();
    std::vector<std::pair<std::string, EngagementReport::Counts>> sorted(domains.begin(),
                                                                         domains.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second.sent > b.second.sent; });
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (i < kReportDomains) {
        out.by_domain.push_back(std::move(sorted[i]));
        continue;
      }
      if (i == kReportDomains) out.by_domain.push_back({"(other)", {}});
      out.by_domain.back().second.Add(sorted[i].second);
    }
    // Only an automation's sends have steps (a campaign's are all "step 0").
    for (auto& [step, counts] : steps) {
      if (step > 0) out.by_step.emplace_back(step, counts);
    }
    return out;
  }

  Result<std::map<std::string, std::int64_t>> Tally(const std::string& campaign_id) override {
    std::map<std::string, std::int64_t> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement s(db,
                  "SELECT state, method, count(*) FROM campaign_sends WHERE campaign_id = ? "
                  "GROUP BY state, method");
      s.Bind(1, campaign_id);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        out[s.Text(0)] += s.Int(2);
        if (s.Text(0) == "sent") out["sent:" + s.Text(1)] += s.Int(2);
      }
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

 private:
  Database& db_;
};

}  // namespace sealpost::sql::campaigns
