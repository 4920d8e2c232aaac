// The PostgreSQL schema, one migration per version, oldest first (pg::Database::Open
// applies what a database lacks). It grows store by store as each gets its PostgreSQL
// implementation (issue 23); the SQLite schema (store/sqlite/schema.h) is the reference
// for what a table holds. Domain names compare as SQLite's COLLATE NOCASE does: citext.
#pragma once

#include <string>
#include <vector>

namespace sealpost::pg {

inline const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      // 1: TLS reporting tallies (RFC 8460) and the MTA-STS policies every node relies on
      // (a node that fetched a policy shares it: an attacker who strips the DNS record
      // from one node's view gains nothing).
      R"sql(
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE tls_sessions (
  day text NOT NULL,
  domain citext NOT NULL,
  policy_type text NOT NULL,
  policy_strings text NOT NULL,
  mx_host text NOT NULL,
  receiving_ip text NOT NULL,
  result_type text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (day, domain, policy_type, policy_strings, mx_host, receiving_ip, result_type)
);
CREATE TABLE tls_reported (
  day text NOT NULL,
  domain citext NOT NULL,
  policy_type text NOT NULL,
  result_type text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (day, domain, policy_type, result_type)
);
CREATE TABLE mta_sts_policies (
  domain citext PRIMARY KEY,
  id text NOT NULL,
  policy text NOT NULL,
  expires_at bigint NOT NULL
);
)sql",
      // 2: blobs (sealed before they get here), in chunks; a blob is there once its row
      // in `blobs` is.
      R"sql(
CREATE TABLE blobs (
  id text PRIMARY KEY,
  size bigint NOT NULL,
  chunk_bytes bigint NOT NULL
);
CREATE TABLE blob_chunks (
  blob_id text NOT NULL,
  n bigint NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (blob_id, n)
);
)sql",
      // 3: address books (questions and keys senders keep for their recipients), and
      // which users use which book.
      R"sql(
CREATE TABLE address_books (
  id text PRIMARY KEY,
  owner_level text NOT NULL,
  owner citext NOT NULL,
  name citext NOT NULL,
  created_at bigint NOT NULL,
  UNIQUE (owner_level, owner, name)
);
CREATE TABLE address_book_entries (
  book_id text NOT NULL REFERENCES address_books(id) ON DELETE CASCADE,
  address citext NOT NULL,
  kind text NOT NULL,
  sealed_data bytea NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (book_id, address)
);
CREATE TABLE user_books (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  "user" citext NOT NULL,
  book_id text NOT NULL REFERENCES address_books(id) ON DELETE CASCADE,
  role text NOT NULL,
  PRIMARY KEY ("user", book_id)
);
)sql",
      // 4: secure web forms (issue 24): forms, challenges used once, what people sent
      // (sealed), and secure requests.
      R"sql(
CREATE TABLE forms (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  account text NOT NULL,
  namespace text NOT NULL DEFAULT '',
  definition text NOT NULL,
  enabled integer NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX forms_by_account ON forms (account, name);
CREATE TABLE form_challenges_used (
  expires_at bigint NOT NULL,
  id text NOT NULL,
  PRIMARY KEY (expires_at, id)
);
CREATE UNIQUE INDEX form_challenges_by_id ON form_challenges_used (id);
CREATE TABLE form_submissions (
  id text PRIMARY KEY,
  form_id text NOT NULL,
  account text NOT NULL,
  received_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  message_id text NOT NULL,
  wrapped_key bytea NOT NULL,
  sealed bytea NOT NULL,
  blobs text NOT NULL,
  size bigint NOT NULL
);
CREATE INDEX form_submissions_by_form ON form_submissions (form_id, received_at, id);
CREATE INDEX form_submissions_by_expiry ON form_submissions (expires_at);
CREATE TABLE form_requests (
  id text PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE,
  account text NOT NULL,
  requester text NOT NULL,
  recipient text NOT NULL,
  sealed_note bytea NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  answered_at bigint NOT NULL DEFAULT 0,
  submission_id text NOT NULL DEFAULT ''
);
CREATE INDEX form_requests_by_requester ON form_requests (requester, created_at);
)sql",
  };
  return kMigrations;
}

}  // namespace sealpost::pg
