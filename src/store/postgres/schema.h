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
      // 5: the mail itself (the SQLite schema's migrations 1–45 as they stand now):
      // signing keys, messages with their recipients and events, the delivery queue, SMTP
      // submissions waiting for the policy engine, stretched answers, and the webhook
      // outbox that events fill in their own transactions. Addresses compare
      // case-insensitively (citext); rows that SQLite orders by rowid carry an identity.
      R"sql(
CREATE TABLE signing_keys (
  id text PRIMARY KEY,
  public_key bytea NOT NULL,
  sealed_secret bytea NOT NULL,
  created_at bigint NOT NULL,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE TABLE messages (
  id text PRIMARY KEY,
  account text NOT NULL,
  sender citext NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  signing_key_id text NOT NULL REFERENCES signing_keys(id),
  manifest_blob text NOT NULL,
  retracted_at bigint,
  destroyed_at bigint,
  read_receipt bigint NOT NULL DEFAULT 0,
  namespace text NOT NULL DEFAULT '',
  center_key bytea NOT NULL DEFAULT '',
  center_subject bytea NOT NULL DEFAULT '',
  sealed_manifest bytea,
  webhook_subject bytea NOT NULL DEFAULT '',
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX messages_to_destroy ON messages (expires_at) WHERE destroyed_at IS NULL;
CREATE INDEX messages_sent_in_center ON messages (sender) WHERE center_key != '';
CREATE INDEX messages_by_account ON messages (account, created_at);
CREATE INDEX messages_by_sender ON messages (sender, created_at);
CREATE INDEX messages_counted ON messages (created_at, account, id, expires_at, retracted_at);
CREATE TABLE message_blobs (
  message_id text NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  blob_id text NOT NULL,
  PRIMARY KEY (message_id, blob_id)
);
CREATE TABLE recipients (
  id text PRIMARY KEY,
  message_id text NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  position bigint NOT NULL,
  address citext NOT NULL,
  kind text NOT NULL,
  method text NOT NULL,
  status text NOT NULL,
  link_check bytea NOT NULL,
  kek_salt bytea NOT NULL,
  wrapped_key bytea NOT NULL,
  answer_hash text NOT NULL,
  sealed_question bytea NOT NULL,
  failures bigint NOT NULL DEFAULT 0,
  locked_at bigint,
  trace text NOT NULL DEFAULT '',
  verification text NOT NULL DEFAULT 'question',
  center_key bytea NOT NULL DEFAULT '',
  answer_kdf text NOT NULL DEFAULT '',
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX recipients_by_message ON recipients (message_id, position);
CREATE INDEX recipients_in_center ON recipients (address) WHERE center_key != '';
CREATE INDEX recipients_by_address ON recipients (address);
CREATE INDEX recipients_counted ON recipients (message_id, method, status, locked_at);
CREATE TABLE events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id text NOT NULL,
  recipient_id text NOT NULL,
  type text NOT NULL,
  at bigint NOT NULL,
  client_address text NOT NULL,
  detail text NOT NULL
);
CREATE INDEX events_by_message ON events (message_id, id);
CREATE TABLE queue (
  id text PRIMARY KEY,
  message_id text NOT NULL,
  recipient_id text NOT NULL,
  mail_from text NOT NULL,
  rcpt_to text NOT NULL,
  sealed_content bytea,
  state text NOT NULL,
  attempts bigint NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  created_at bigint NOT NULL,
  last_error text NOT NULL DEFAULT '',
  dsn text NOT NULL DEFAULT '',
  report text NOT NULL DEFAULT '',
  tls_required bigint NOT NULL DEFAULT 0,
  standby_for text NOT NULL DEFAULT '',
  content_blob text NOT NULL DEFAULT '',
  content_key bytea,
  delivered_tls bigint NOT NULL DEFAULT 0,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX queue_due ON queue (state, next_attempt_at);
CREATE INDEX queue_by_message ON queue (message_id);
CREATE INDEX queue_standby ON queue (standby_for) WHERE standby_for != '';
CREATE INDEX queue_by_content ON queue (content_blob) WHERE content_blob != '';
CREATE INDEX queue_delivered ON queue (message_id, delivered_tls) WHERE state = 'delivered';
CREATE TABLE spent_content (blob_id text PRIMARY KEY);
CREATE TABLE backup_holds (id bigint PRIMARY KEY, until bigint NOT NULL);
CREATE TABLE inbound (
  id text PRIMARY KEY,
  received_at bigint NOT NULL,
  client_address text NOT NULL,
  auth_user text NOT NULL,
  envelope text NOT NULL,
  sealed_content bytea NOT NULL,
  attempts bigint NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  last_error text NOT NULL DEFAULT '',
  dead_at bigint,
  content_blob text NOT NULL DEFAULT '',
  content_key bytea,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX inbound_due ON inbound (next_attempt_at, received_at);
CREATE TABLE answer_keys (
  tag bytea PRIMARY KEY,
  kdf text NOT NULL,
  sealed_key bytea NOT NULL,
  created_at bigint NOT NULL,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  account citext NOT NULL,
  url text NOT NULL,
  event_types text NOT NULL,
  with_subject bigint NOT NULL,
  description text NOT NULL,
  notify text NOT NULL,
  sealed_secrets bytea NOT NULL,
  previous_valid_until bigint NOT NULL,
  enabled bigint NOT NULL,
  disabled_reason text NOT NULL,
  created_at bigint NOT NULL,
  disabled_at bigint,
  last_success_at bigint,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX webhook_endpoints_by_account ON webhook_endpoints (account);
CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,
  endpoint_id text NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_type text NOT NULL,
  message_id text NOT NULL,
  payload text NOT NULL,
  created_at bigint NOT NULL,
  state text NOT NULL,
  attempts bigint NOT NULL,
  next_attempt_at bigint NOT NULL,
  finished_at bigint,
  last_status bigint NOT NULL,
  last_error text NOT NULL,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at) WHERE state != 'pending';
CREATE TABLE webhook_attempts (
  delivery_id text NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  at bigint NOT NULL,
  status bigint NOT NULL,
  error text NOT NULL,
  duration_ms bigint NOT NULL,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id);
)sql",
      // 6: the audit trail (issue 21, audit/chain.h). A transaction writes its records
      // into audit_pending, where concurrent writers on several nodes never contend;
      // right after, under one advisory lock for every node, they are chained into
      // audit_log in the order found (store/postgres/audit_store.cc), so the chain has
      // one order whichever node wrote what.
      R"sql(
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  at bigint NOT NULL,
  actor_kind text NOT NULL,
  actor text NOT NULL,
  client_address text NOT NULL,
  account text NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  result text NOT NULL,
  details text NOT NULL,
  message_id text NOT NULL DEFAULT '',
  recipient citext NOT NULL DEFAULT '',
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL
);
CREATE INDEX audit_by_time ON audit_log (at);
CREATE INDEX audit_by_message ON audit_log (message_id) WHERE message_id != '';
CREATE INDEX audit_by_recipient ON audit_log (recipient) WHERE recipient != '';
CREATE TABLE audit_pending (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at bigint NOT NULL,
  actor_kind text NOT NULL,
  actor text NOT NULL,
  client_address text NOT NULL,
  account text NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  result text NOT NULL,
  details text NOT NULL,
  message_id text NOT NULL,
  recipient text NOT NULL
);
CREATE TABLE audit_checkpoints (
  seq bigint PRIMARY KEY,
  at bigint NOT NULL,
  head_hash bytea NOT NULL,
  signing_key_id text NOT NULL,
  signature bytea NOT NULL
);
CREATE TABLE audit_forwarded (target text PRIMARY KEY, seq bigint NOT NULL);
)sql",
      // 7: patient engagement (issue 25): contacts and what campaigns and automations
      // sent them (a message event moves a contact's engagement moments).
      R"sql(
CREATE TABLE contacts (
  id text PRIMARY KEY,
  account text NOT NULL,
  address text NOT NULL,
  sealed_attributes bytea NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  last_sent bigint NOT NULL DEFAULT 0,
  last_opened bigint NOT NULL DEFAULT 0,
  last_clicked bigint NOT NULL DEFAULT 0,
  UNIQUE (account, address),
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE TABLE contact_lists (
  id text PRIMARY KEY,
  account text NOT NULL,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  created_at bigint NOT NULL,
  UNIQUE (account, name)
);
CREATE TABLE list_members (
  list_id text NOT NULL,
  contact_id text NOT NULL,
  consented_at bigint NOT NULL,
  consent_source text NOT NULL,
  unsubscribed_at bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX list_members_by_contact ON list_members (contact_id);
CREATE TABLE suppressions (
  account text NOT NULL,
  address text NOT NULL,
  reason text NOT NULL,
  at bigint NOT NULL,
  detail text NOT NULL DEFAULT '',
  PRIMARY KEY (account, address)
);
CREATE TABLE segments (
  id text PRIMARY KEY,
  account text NOT NULL,
  name text NOT NULL,
  list_id text NOT NULL,
  condition text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  UNIQUE (account, name)
);
CREATE TABLE campaign_templates (
  id text PRIMARY KEY,
  account text NOT NULL,
  name text NOT NULL,
  subject text NOT NULL,
  text text NOT NULL,
  html text NOT NULL,
  carries_phi bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  UNIQUE (account, name)
);
CREATE TABLE campaigns (
  id text PRIMARY KEY,
  account text NOT NULL,
  name text NOT NULL,
  segment_id text NOT NULL,
  template_id text NOT NULL,
  sender text NOT NULL,
  state text NOT NULL,
  scheduled_at bigint NOT NULL,
  started_at bigint NOT NULL,
  finished_at bigint NOT NULL,
  per_minute bigint NOT NULL,
  per_domain_per_minute bigint NOT NULL,
  cursor text NOT NULL,
  enumerated bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  tracking bigint NOT NULL DEFAULT 1,
  UNIQUE (account, name)
);
CREATE INDEX campaigns_by_state ON campaigns (state);
CREATE TABLE campaign_sends (
  campaign_id text NOT NULL,
  contact_id text NOT NULL,
  address text NOT NULL,
  message_id text NOT NULL,
  state text NOT NULL,
  method text NOT NULL,
  at bigint NOT NULL,
  detail text NOT NULL,
  PRIMARY KEY (campaign_id, contact_id)
);
CREATE INDEX campaign_sends_pending ON campaign_sends (campaign_id, state, contact_id);
CREATE INDEX campaign_sends_by_message ON campaign_sends (message_id);
CREATE TABLE automations (
  id text PRIMARY KEY,
  account text NOT NULL,
  name text NOT NULL,
  segment_id text NOT NULL,
  sender text NOT NULL,
  trigger text NOT NULL,
  steps text NOT NULL,
  state text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  tracking bigint NOT NULL DEFAULT 1,
  UNIQUE (account, name)
);
CREATE TABLE automation_runs (
  automation_id text NOT NULL,
  contact_id text NOT NULL,
  key text NOT NULL,
  step bigint NOT NULL,
  due_at bigint NOT NULL,
  state text NOT NULL,
  pending_message_id text NOT NULL,
  last_message_id text NOT NULL,
  detail text NOT NULL,
  started_at bigint NOT NULL,
  PRIMARY KEY (automation_id, contact_id, key)
);
CREATE INDEX automation_runs_due ON automation_runs (automation_id, state, due_at);
CREATE TABLE automation_sends (
  message_id text PRIMARY KEY,
  automation_id text NOT NULL,
  contact_id text NOT NULL,
  step bigint NOT NULL,
  address text NOT NULL,
  method text NOT NULL,
  at bigint NOT NULL
);
CREATE INDEX automation_sends_by_contact ON automation_sends (automation_id, contact_id, at);
)sql",
      // 8: the organisation (accounts, domains, users, namespaces and their hosts,
      // identities, DKIM keys, what is known of MX hosts' TLS), keys kept sealed and
      // who seals with which master key, API clients with their tokens, sessions and
      // nonces, and portal accounts with their registrations, tokens, recovery codes and
      // passkeys. Columns in SQLite's order (its stores' positional inserts hold here);
      // names that SQLite compares with NOCASE are citext. Every table with a sealed
      // column has a rowid (a master-key rotation walks them by it); tables of the
      // migrations before gain one.
      R"sql(
CREATE TABLE accounts (
  name citext PRIMARY KEY,
  sealed_settings bytea NOT NULL,
  created_at bigint NOT NULL,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE TABLE domains (
  name citext PRIMARY KEY,
  account citext NOT NULL REFERENCES accounts(name),
  sealed_settings bytea NOT NULL,
  created_at bigint NOT NULL,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE TABLE users (
  address citext PRIMARY KEY,
  domain citext NOT NULL REFERENCES domains(name),
  sealed_settings bytea NOT NULL,
  smtp_password_hash text NOT NULL DEFAULT '',
  created_at bigint NOT NULL,
  console_role text NOT NULL DEFAULT '',
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE TABLE mx_tls (
  domain citext PRIMARY KEY,
  starttls bigint NOT NULL,
  host text NOT NULL,
  updated_at bigint NOT NULL,
  expires_at bigint NOT NULL DEFAULT 0
);
CREATE TABLE org_identities (
  scope citext NOT NULL,
  kind text NOT NULL,
  label text NOT NULL,
  fingerprint text NOT NULL,
  public_data bytea NOT NULL,
  sealed_secret bytea NOT NULL,
  created_at bigint NOT NULL,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  PRIMARY KEY (scope, kind)
);
CREATE TABLE dkim_keys (
  domain citext NOT NULL,
  algorithm text NOT NULL,
  selector citext NOT NULL,
  public_value text NOT NULL,
  sealed_private bytea NOT NULL,
  created_at bigint NOT NULL,
  state text NOT NULL DEFAULT 'active',
  retire_at bigint NOT NULL DEFAULT 0,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  PRIMARY KEY (domain, selector)
);
CREATE TABLE namespaces (
  name citext PRIMARY KEY,
  display_name text NOT NULL,
  colour text NOT NULL,
  support_contact text NOT NULL DEFAULT '',
  logo bytea NOT NULL DEFAULT '',
  logo_type text NOT NULL DEFAULT '',
  message_center bigint NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  sealed_key bytea NOT NULL DEFAULT '',
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE TABLE namespace_hosts (
  host citext PRIMARY KEY,
  namespace citext NOT NULL REFERENCES namespaces(name) ON DELETE CASCADE
);
CREATE TABLE sealed_keys (
  name text PRIMARY KEY,
  sealed bytea NOT NULL,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE TABLE key_holders (
  holder text PRIMARY KEY,
  host text NOT NULL,
  pid bigint NOT NULL,
  key_id text NOT NULL,
  since bigint NOT NULL
);
CREATE TABLE api_clients (
  id text PRIMARY KEY,
  secret_hash bytea NOT NULL,
  name text NOT NULL,
  account citext NOT NULL,
  created_at bigint NOT NULL,
  revoked_at bigint,
  "user" citext NOT NULL DEFAULT '',
  scopes text NOT NULL DEFAULT '',
  last_used_at bigint,
  rotated_at bigint,
  previous_hash bytea NOT NULL DEFAULT '',
  previous_valid_until bigint NOT NULL DEFAULT 0,
  rate_limit_per_minute bigint,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX api_clients_by_account ON api_clients (account);
CREATE TABLE access_tokens (
  hash bytea PRIMARY KEY,
  client_id text NOT NULL,
  "user" citext NOT NULL,
  scopes text NOT NULL,
  grant_type text NOT NULL,
  issued_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  revoked_at bigint
);
CREATE INDEX access_tokens_by_expiry ON access_tokens (expires_at);
CREATE TABLE api_sessions (
  id text PRIMARY KEY,
  client_id text NOT NULL,
  sealed_key bytea NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  revoked_at bigint,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX api_sessions_by_client ON api_sessions (client_id);
CREATE INDEX api_sessions_by_expiry ON api_sessions (expires_at);
CREATE TABLE request_nonces (
  keep_until bigint NOT NULL,
  session_id text NOT NULL,
  nonce text NOT NULL,
  PRIMARY KEY (keep_until, session_id, nonce)
);
CREATE TABLE portal_accounts (
  id text PRIMARY KEY,
  namespace citext NOT NULL DEFAULT '',
  address citext NOT NULL,
  password_hash text NOT NULL,
  created_at bigint NOT NULL,
  confirmed_at bigint,
  sealed_totp bytea NOT NULL DEFAULT '',
  totp_last_step bigint NOT NULL DEFAULT -1,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  UNIQUE (namespace, address)
);
CREATE TABLE portal_recovery_codes (
  account_id text NOT NULL REFERENCES portal_accounts(id) ON DELETE CASCADE,
  hash bytea NOT NULL,
  PRIMARY KEY (account_id, hash)
);
CREATE TABLE portal_tokens (
  hash bytea PRIMARY KEY,
  account_id text NOT NULL REFERENCES portal_accounts(id) ON DELETE CASCADE,
  purpose text NOT NULL,
  recipient_id text NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX portal_tokens_by_account ON portal_tokens (account_id);
CREATE TABLE portal_registrations (
  id text PRIMARY KEY,
  namespace citext NOT NULL DEFAULT '',
  address citext NOT NULL,
  password_hash text NOT NULL,
  token_hash bytea NOT NULL UNIQUE,
  browser_hash bytea NOT NULL,
  recipient_id text NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX portal_registrations_by_address ON portal_registrations (namespace, address);
CREATE TABLE passkeys (
  id bytea PRIMARY KEY,
  account_id text NOT NULL REFERENCES portal_accounts(id) ON DELETE CASCADE,
  name text NOT NULL,
  public_key bytea NOT NULL,
  algorithm bigint NOT NULL,
  sign_count bigint NOT NULL,
  backed_up bigint NOT NULL,
  created_at bigint NOT NULL,
  last_used_at bigint,
  rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX passkeys_by_account ON passkeys (account_id);
ALTER TABLE address_book_entries ADD COLUMN rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE;
ALTER TABLE form_submissions ADD COLUMN rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE;
ALTER TABLE form_requests ADD COLUMN rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE;
)sql",
      // 9: portal sessions every node finds (store/stores.h PortalSessionStore).
      R"sql(
CREATE TABLE portal_sessions (
  token_hash bytea PRIMARY KEY,
  kind text NOT NULL,
  recipient_id text NOT NULL,
  account_id text NOT NULL,
  sealed bytea NOT NULL,
  expires_at bigint NOT NULL,
  ends_at bigint NOT NULL
);
CREATE INDEX portal_sessions_by_account ON portal_sessions (account_id);
CREATE INDEX portal_sessions_by_expiry ON portal_sessions (expires_at);
)sql",
      // 10: which node holds a queue entry in flight, so that a node starting again
      // releases its own and leaves another's (still being delivered) alone.
      R"sql(
ALTER TABLE queue ADD COLUMN claimed_by text NOT NULL DEFAULT '';
)sql",
      // 11: what each node's guessing guards and rate limits counted, for the others
      // (store/limit_events.h). Kept two hours; read by when they were written.
      R"sql(
CREATE TABLE limit_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  written_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  scope text NOT NULL,
  key text NOT NULL,
  at bigint NOT NULL,
  count bigint NOT NULL,
  quota bigint NOT NULL,
  window_seconds bigint NOT NULL
);
CREATE INDEX limit_events_by_written ON limit_events (written_at);
)sql",
      // 12: whether a queue entry's content is 8-bit, learnt where it was written (0:
      // not known, 7 or 8), so that the queue need not read a large content again for it.
      R"sql(
ALTER TABLE queue ADD COLUMN content_bits bigint NOT NULL DEFAULT 0;
)sql",
      // 13: a spooled blob's header section and its 8-bit flag beside it (InboundRecord),
      // so that planning a relayed message reads neither the blob nor its body.
      R"sql(
ALTER TABLE inbound ADD COLUMN sealed_header bytea NOT NULL DEFAULT '';
ALTER TABLE inbound ADD COLUMN content_bits bigint NOT NULL DEFAULT 0;
)sql",
  };
  return kMigrations;
}

}  // namespace sealpost::pg
