// A spooled SMTP submission's row (the inbound table), read alike by both backends:
// SQLite's spool (store/sqlite/spool.h) and PostgreSQL's inbound store.
#pragma once

#include "store/records.h"

namespace sealpost::sql::inbound {

// The columns, in the order Read takes them.
inline constexpr const char* kColumns =
    "id, received_at, client_address, auth_user, envelope, sealed_content, attempts, "
    "next_attempt_at, last_error, dead_at, content_blob, content_key, sealed_header, content_bits";
// What the main database's inbound table had (SQLite, before the spool of its own), with
// the later columns' defaults in their place: the same order, for Read.
inline constexpr const char* kColumnsOfMainTable =
    "id, received_at, client_address, auth_user, envelope, sealed_content, attempts, "
    "next_attempt_at, last_error, dead_at, content_blob, content_key, X'', 0";

// A row selected with kColumns (first).
template <class Statement>
InboundRecord Read(const Statement& s) {
  InboundRecord r;
  r.id = s.Text(0);
  r.received_at = s.Int(1);
  r.client_address = s.Text(2);
  r.auth_user = s.Text(3);
  r.envelope_json = s.Text(4);
  r.sealed_content = s.Text(5);
  r.attempts = static_cast<int>(s.Int(6));
  r.next_attempt_at = s.Int(7);
  r.last_error = s.Text(8);
  r.dead_at = s.OptionalInt(9);
  r.content_blob = s.Text(10);
  r.content_key = s.Text(11);
  r.sealed_header = s.Text(12);
  r.content_bits = ContentBitsFromColumn(s.Int(13));
  return r;
}

}  // namespace sealpost::sql::inbound
