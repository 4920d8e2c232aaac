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
  };
  return kMigrations;
}

}  // namespace sealpost::pg
