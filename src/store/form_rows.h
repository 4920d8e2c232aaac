// The columns of the form tables and how a row of each becomes its record, shared by
// the SQLite and PostgreSQL stores (`Row`: either backend's Statement, on a row).
#pragma once

#include "store/records.h"

namespace sealpost::form_rows {

inline constexpr const char* kFormColumns =
    "id, name, account, namespace, definition, enabled, created_at, updated_at";

template <typename Row>
FormRecord ReadForm(const Row& s) {
  FormRecord f;
  f.id = s.Text(0);
  f.name = s.Text(1);
  f.account = s.Text(2);
  f.namespace_name = s.Text(3);
  f.definition = s.Text(4);
  f.enabled = s.Int(5) != 0;
  f.created_at = s.Int(6);
  f.updated_at = s.Int(7);
  return f;
}

inline constexpr const char* kSubmissionColumns =
    "id, form_id, account, received_at, expires_at, message_id, wrapped_key, sealed, blobs, size";

template <typename Row>
FormSubmissionRecord ReadSubmission(const Row& s) {
  FormSubmissionRecord r;
  r.id = s.Text(0);
  r.form_id = s.Text(1);
  r.account = s.Text(2);
  r.received_at = s.Int(3);
  r.expires_at = s.Int(4);
  r.message_id = s.Text(5);
  r.wrapped_key = s.Text(6);
  r.sealed = s.Text(7);
  r.blobs = s.Text(8);
  r.size = static_cast<std::uint64_t>(s.Int(9));
  return r;
}

inline constexpr const char* kRequestColumns =
    "id, token_hash, account, requester, recipient, sealed_note, created_at, expires_at, "
    "answered_at, submission_id";

template <typename Row>
FormRequestRecord ReadRequest(const Row& s) {
  FormRequestRecord r;
  r.id = s.Text(0);
  r.token_hash = s.Text(1);
  r.account = s.Text(2);
  r.requester = s.Text(3);
  r.recipient = s.Text(4);
  r.sealed_note = s.Text(5);
  r.created_at = s.Int(6);
  r.expires_at = s.Int(7);
  r.answered_at = s.Int(8);
  r.submission_id = s.Text(9);
  return r;
}

}  // namespace sealpost::form_rows
