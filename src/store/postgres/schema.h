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
  };
  return kMigrations;
}

}  // namespace sealpost::pg
