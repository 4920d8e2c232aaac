// Records the store tests of both suites share (store_test.cc, conformance_test.cc).
#pragma once

#include "store/records.h"

namespace sealpost::testing_records {

// A message of account "default" with one escrow recipient, "rcpt1", whose link check
// holds a NUL byte (bytes columns must keep every byte).
inline MessageRecord SampleMessage() {
  MessageRecord m;
  m.id = "msg1";
  m.account = "default";
  m.sender = "a@example.org";
  m.created_at = 100;
  m.expires_at = 200;
  m.signing_key_id = "key1";
  m.manifest_blob = "blob1";
  m.blob_ids = {"blob1", "blob2"};
  RecipientRecord r;
  r.id = "rcpt1";
  r.message_id = "msg1";
  r.address = "b@example.net";
  r.kind = "to";
  r.method = "escrow";
  r.link_check = std::string("\0\1", 2);
  r.kek_salt = "salt";
  r.wrapped_key = "wrapped";
  r.answer_hash = "$argon2id$...";
  r.sealed_question = "q";
  m.recipients.push_back(r);
  return m;
}

// A webhook endpoint of `account` that wants `types` (space-separated).
inline WebhookEndpointRecord Endpoint(std::string id, std::string account, std::string types) {
  WebhookEndpointRecord e;
  e.id = std::move(id);
  e.account = std::move(account);
  e.url = "https://hooks.example.org/in";
  e.event_types = std::move(types);
  e.sealed_secrets = "sealed";
  e.created_at = 50;
  return e;
}

}  // namespace sealpost::testing_records
