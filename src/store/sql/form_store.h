// Secure web forms (store/stores.h, FormStore), written once for both backends:
// Store<sqlite::Backend> and Store<pg::Backend>. On PostgreSQL a challenge is used once
// across every node: the unique index on its id decides.
#pragma once

#include "store/form_rows.h"
#include "store/stores.h"

namespace sealpost::sql::forms {

// Expired challenges cleared per use: a steady trickle, never one long delete.
inline constexpr int kClearedPerUse = 16;

using form_rows::kFormColumns;
using form_rows::kRequestColumns;
using form_rows::kSubmissionColumns;

template <class B>
class Store final : public FormStore {
 public:
  using Database = typename B::Database;
  using Connection = typename B::Connection;
  using Statement = typename B::Statement;

  explicit Store(Database& db) : db_(db) {}

  Status Create(const FormRecord& f) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement existing(db, "SELECT 1 FROM forms WHERE name = ?");
      existing.Bind(1, f.name);
      auto row = existing.Step();
      if (!row.ok()) return std::move(row).error();
      if (*row) return MakeError(ErrorCode::kAlreadyExists, "a form is called " + f.name, "name");
      return Statement(db, std::string("INSERT INTO forms (") + kFormColumns +
                               ") VALUES (?,?,?,?,?,?,?,?)")
          .Bind(1, f.id)
          .Bind(2, f.name)
          .Bind(3, f.account)
          .Bind(4, f.namespace_name)
          .Bind(5, f.definition)
          .Bind(6, static_cast<std::int64_t>(f.enabled))
          .Bind(7, f.created_at)
          .Bind(8, f.updated_at)
          .Run();
    });
  }

  Result<std::optional<FormRecord>> Find(const std::string& name) override {
    return QueryOne<FormRecord>(
        db_, std::string("SELECT ") + kFormColumns + " FROM forms WHERE name = ?",
        [&](Statement& s) { s.Bind(1, name); }, form_rows::ReadForm<Statement>);
  }

  Result<std::vector<FormRecord>> List(const std::string& account) override {
    if (account.empty()) {
      return QueryAll<FormRecord>(
          db_, std::string("SELECT ") + kFormColumns + " FROM forms ORDER BY name",
          [](Statement&) {}, form_rows::ReadForm<Statement>);
    }
    return QueryAll<FormRecord>(
        db_, std::string("SELECT ") + kFormColumns + " FROM forms WHERE account = ? ORDER BY name",
        [&](Statement& s) { s.Bind(1, account); }, form_rows::ReadForm<Statement>);
  }

  Status Update(const FormRecord& f) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db,
                         "UPDATE forms SET namespace = ?, definition = ?, enabled = ?, "
                         "updated_at = ? WHERE id = ?")
                   .Bind(1, f.namespace_name)
                   .Bind(2, f.definition)
                   .Bind(3, static_cast<std::int64_t>(f.enabled))
                   .Bind(4, f.updated_at)
                   .Bind(5, f.id)
                   .Run();
      if (!s.ok()) return s;
      if (db.changes() == 0) return MakeError(ErrorCode::kNotFound, "no such form");
      return OkStatus();
    });
  }

  Status Delete(const std::string& name) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, "DELETE FROM forms WHERE name = ?").Bind(1, name).Run();
      if (!s.ok()) return s;
      if (db.changes() == 0) return MakeError(ErrorCode::kNotFound, "no such form");
      return OkStatus();
    });
  }

  Result<bool> UseChallenge(const std::string& id, std::int64_t expires_at,
                            std::int64_t now) override {
    bool fresh = false;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db,
                         "DELETE FROM form_challenges_used WHERE (expires_at, id) IN "
                         "(SELECT expires_at, id FROM form_challenges_used "
                         "WHERE expires_at <= ? LIMIT ?)")
                   .Bind(1, now)
                   .Bind(2, static_cast<std::int64_t>(kClearedPerUse))
                   .Run();
      if (!s.ok()) return s;
      s = Statement(db,
                    "INSERT INTO form_challenges_used (expires_at, id) VALUES (?, ?) "
                    "ON CONFLICT DO NOTHING")
              .Bind(1, expires_at)
              .Bind(2, id)
              .Run();
      if (!s.ok()) return s;
      fresh = db.changes() > 0;
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return fresh;
  }

  Status AddSubmission(const FormSubmissionRecord& r) override {
    return db_.Transaction([&](Connection& db) -> Status {
      return Statement(db, std::string("INSERT INTO form_submissions (") + kSubmissionColumns +
                               ") VALUES (?,?,?,?,?,?,?,?,?,?)")
          .Bind(1, r.id)
          .Bind(2, r.form_id)
          .Bind(3, r.account)
          .Bind(4, r.received_at)
          .Bind(5, r.expires_at)
          .Bind(6, r.message_id)
          .BindBlob(7, r.wrapped_key)
          .BindBlob(8, r.sealed)
          .Bind(9, r.blobs)
          .Bind(10, static_cast<std::int64_t>(r.size))
          .Run();
    });
  }

  Result<std::optional<FormSubmissionRecord>> FindSubmission(const std::string& id) override {
    return QueryOne<FormSubmissionRecord>(
        db_, std::string("SELECT ") + kSubmissionColumns + " FROM form_submissions WHERE id = ?",
        [&](Statement& s) { s.Bind(1, id); }, form_rows::ReadSubmission<Statement>);
  }

  Result<std::vector<FormSubmissionRecord>> ListSubmissions(const std::string& form_id,
                                                            std::int64_t before_at,
                                                            const std::string& before_id,
                                                            std::size_t limit) override {
    if (before_at == 0) {
      return QueryAll<FormSubmissionRecord>(
          db_,
          std::string("SELECT ") + kSubmissionColumns +
              " FROM form_submissions WHERE form_id = ? ORDER BY received_at DESC, id DESC "
              "LIMIT ?",
          [&](Statement& s) { s.Bind(1, form_id).Bind(2, static_cast<std::int64_t>(limit)); },
          form_rows::ReadSubmission<Statement>);
    }
    return QueryAll<FormSubmissionRecord>(
        db_,
        std::string("SELECT ") + kSubmissionColumns +
            " FROM form_submissions WHERE form_id = ? AND (received_at, id) < (?, ?) "
            "ORDER BY received_at DESC, id DESC LIMIT ?",
        [&](Statement& s) {
          s.Bind(1, form_id)
              .Bind(2, before_at)
              .Bind(3, before_id)
              .Bind(4, static_cast<std::int64_t>(limit));
        },
        form_rows::ReadSubmission<Statement>);
  }

  Status DeleteSubmission(const std::string& id) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, "DELETE FROM form_submissions WHERE id = ?").Bind(1, id).Run();
      if (!s.ok()) return s;
      if (db.changes() == 0) return MakeError(ErrorCode::kNotFound, "no such submission");
      return OkStatus();
    });
  }

  Result<std::vector<FormSubmissionRecord>> ExpiredSubmissions(std::int64_t now,
                                                               std::size_t limit) override {
    return QueryAll<FormSubmissionRecord>(
        db_,
        std::string("SELECT ") + kSubmissionColumns +
            " FROM form_submissions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?",
        [&](Statement& s) { s.Bind(1, now).Bind(2, static_cast<std::int64_t>(limit)); },
        form_rows::ReadSubmission<Statement>);
  }

  Status AddRequest(const FormRequestRecord& r) override {
    return db_.Transaction([&](Connection& db) -> Status {
      return Statement(db, std::string("INSERT INTO form_requests (") + kRequestColumns +
                               ") VALUES (?,?,?,?,?,?,?,?,?,?)")
          .Bind(1, r.id)
          .BindBlob(2, r.token_hash)
          .Bind(3, r.account)
          .Bind(4, r.requester)
          .Bind(5, r.recipient)
          .BindBlob(6, r.sealed_note)
          .Bind(7, r.created_at)
          .Bind(8, r.expires_at)
          .Bind(9, r.answered_at)
          .Bind(10, r.submission_id)
          .Run();
    });
  }

  Result<std::optional<FormRequestRecord>> FindRequest(const std::string& id) override {
    return QueryOne<FormRequestRecord>(
        db_, std::string("SELECT ") + kRequestColumns + " FROM form_requests WHERE id = ?",
        [&](Statement& s) { s.Bind(1, id); }, form_rows::ReadRequest<Statement>);
  }

  Result<std::optional<FormRequestRecord>> FindRequestByToken(
      const std::string& token_hash) override {
    return QueryOne<FormRequestRecord>(
        db_, std::string("SELECT ") + kRequestColumns + " FROM form_requests WHERE token_hash = ?",
        [&](Statement& s) { s.BindBlob(1, token_hash); }, form_rows::ReadRequest<Statement>);
  }

  Result<std::vector<FormRequestRecord>> ListRequests(const std::string& requester,
                                                      std::size_t limit) override {
    return QueryAll<FormRequestRecord>(
        db_,
        std::string("SELECT ") + kRequestColumns +
            " FROM form_requests WHERE requester = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        [&](Statement& s) { s.Bind(1, requester).Bind(2, static_cast<std::int64_t>(limit)); },
        form_rows::ReadRequest<Statement>);
  }

  Result<bool> AnswerRequest(const std::string& id, const std::string& submission_id,
                             std::int64_t at) override {
    bool answered = false;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db,
                         "UPDATE form_requests SET answered_at = ?, submission_id = ? "
                         "WHERE id = ? AND answered_at = 0")
                   .Bind(1, at)
                   .Bind(2, submission_id)
                   .Bind(3, id)
                   .Run();
      if (!s.ok()) return s;
      answered = db.changes() > 0;
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return answered;
  }

 private:
  Database& db_;
};

}  // namespace sealpost::sql::forms
