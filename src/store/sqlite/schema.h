// The SQLite schema, as numbered migrations: migration N runs once, when
// PRAGMA user_version is below N. Append; never edit a released step.
#pragma once

namespace sealpost::sqlite {

inline constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  secret_hash BLOB NOT NULL,
  name TEXT NOT NULL,
  account TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE signing_keys (
  id TEXT PRIMARY KEY,
  public_key BLOB NOT NULL,
  sealed_secret BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  sender TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  signing_key_id TEXT NOT NULL REFERENCES signing_keys(id),
  manifest_blob TEXT NOT NULL
);
CREATE TABLE message_blobs (
  message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  blob_id TEXT NOT NULL,
  PRIMARY KEY (message_id, blob_id)
);
CREATE TABLE recipients (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  address TEXT NOT NULL,
  kind TEXT NOT NULL,
  method TEXT NOT NULL,
  status TEXT NOT NULL,
  link_check BLOB NOT NULL,
  kek_salt BLOB NOT NULL,
  wrapped_key BLOB NOT NULL,
  answer_hash TEXT NOT NULL,
  sealed_question BLOB NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  locked_at INTEGER
);
CREATE INDEX recipients_by_message ON recipients(message_id, position);
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  type TEXT NOT NULL,
  at INTEGER NOT NULL,
  client_address TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX events_by_message ON events(message_id, id);
CREATE TABLE queue (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  mail_from TEXT NOT NULL,
  rcpt_to TEXT NOT NULL,
  sealed_content BLOB,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX queue_due ON queue(state, next_attempt_at);
)sql",
    // 2: the organisation model (issue 3). Settings are sealed JSON (they hold default
    // answers); names are unique case-insensitively.
    R"sql(
CREATE TABLE accounts (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  sealed_settings BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE domains (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  account TEXT NOT NULL REFERENCES accounts(name),
  sealed_settings BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE users (
  address TEXT PRIMARY KEY COLLATE NOCASE,
  domain TEXT NOT NULL REFERENCES domains(name),
  sealed_settings BLOB NOT NULL,
  smtp_password_hash TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE mx_tls (
  domain TEXT PRIMARY KEY COLLATE NOCASE,
  starttls INTEGER NOT NULL,
  host TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql",
    // 3: why each recipient's method was chosen (issue 3).
    R"sql(
ALTER TABLE recipients ADD COLUMN trace TEXT NOT NULL DEFAULT '';
)sql",
    // 4: an API key may belong to one user (sender); empty for administrators' keys.
    R"sql(
ALTER TABLE api_keys ADD COLUMN user TEXT NOT NULL DEFAULT '';
)sql",
    // 5: address books (issue 3): shared books belong to an account or domain, personal
    // ones to a user; entries hold encryption data sealed under the metadata key.
    R"sql(
CREATE TABLE address_books (
  id TEXT PRIMARY KEY,
  owner_level TEXT NOT NULL,
  owner TEXT NOT NULL COLLATE NOCASE,
  name TEXT NOT NULL COLLATE NOCASE,
  created_at INTEGER NOT NULL,
  UNIQUE (owner_level, owner, name)
);
CREATE TABLE address_book_entries (
  book_id TEXT NOT NULL REFERENCES address_books(id) ON DELETE CASCADE,
  address TEXT NOT NULL COLLATE NOCASE,
  kind TEXT NOT NULL,
  sealed_data BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (book_id, address)
);
CREATE TABLE user_books (
  user TEXT NOT NULL COLLATE NOCASE,
  book_id TEXT NOT NULL REFERENCES address_books(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  PRIMARY KEY (user, book_id)
);
)sql",
    // 6: messages received by SMTP submission (issue 5), committed before the 250.
    R"sql(
CREATE TABLE inbound (
  id TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL,
  client_address TEXT NOT NULL,
  auth_user TEXT NOT NULL,
  envelope TEXT NOT NULL,
  sealed_content BLOB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX inbound_due ON inbound(next_attempt_at, received_at);
)sql",
    // 7: RFC 3461 parameters of a submission, kept with each queue entry (issue 5).
    R"sql(
ALTER TABLE queue ADD COLUMN dsn TEXT NOT NULL DEFAULT '';
)sql",
    // 8: organisations' signing identities, OpenPGP and S/MIME (issue 6).
    R"sql(
CREATE TABLE org_identities (
  scope TEXT NOT NULL COLLATE NOCASE,
  kind TEXT NOT NULL,
  label TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  public_data BLOB NOT NULL,
  sealed_secret BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, kind)
);
)sql",
    // 9: outbound delivery (issue 4): each entry's last delivery report; states
    // in_flight (leased) and expired join the others; a message's entries by message.
    R"sql(
ALTER TABLE queue ADD COLUMN report TEXT NOT NULL DEFAULT '';
CREATE INDEX queue_by_message ON queue(message_id);
)sql",
    // 10: TLS-only delivery (issue 4): entries that leave only over TLS, their standby
    // fallbacks; MX TLS knowledge learnt by probing expires.
    R"sql(
ALTER TABLE queue ADD COLUMN tls_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue ADD COLUMN standby_for TEXT NOT NULL DEFAULT '';
CREATE INDEX queue_standby ON queue(standby_for) WHERE standby_for != '';
ALTER TABLE mx_tls ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
)sql",
    // 11: DKIM keys per domain and algorithm (issue 4); private keys sealed.
    R"sql(
CREATE TABLE dkim_keys (
  domain TEXT NOT NULL COLLATE NOCASE,
  algorithm TEXT NOT NULL,
  selector TEXT NOT NULL,
  public_value TEXT NOT NULL,
  sealed_private BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (domain, algorithm)
);
)sql",
    // 12: TLS reporting (issue 4): session tallies per day until reported.
    R"sql(
CREATE TABLE tls_sessions (
  day TEXT NOT NULL,
  domain TEXT NOT NULL COLLATE NOCASE,
  policy_type TEXT NOT NULL,
  policy_strings TEXT NOT NULL,
  mx_host TEXT NOT NULL,
  receiving_ip TEXT NOT NULL,
  result_type TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (day, domain, policy_type, policy_strings, mx_host, receiving_ip, result_type)
);
)sql",
    // 13: MTA-STS policies (issue 4), kept until they expire.
    R"sql(
CREATE TABLE mta_sts_policies (
  domain TEXT PRIMARY KEY COLLATE NOCASE,
  id TEXT NOT NULL,
  policy TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
)sql",
    // 14: sender controls (issue 7): retraction, and the destruction of keys once a
    // message is retracted or expired.
    R"sql(
ALTER TABLE messages ADD COLUMN retracted_at INTEGER;
ALTER TABLE messages ADD COLUMN destroyed_at INTEGER;
CREATE INDEX messages_to_destroy ON messages(expires_at) WHERE destroyed_at IS NULL;
)sql",
    // 15: read receipts (issue 7).
    R"sql(
ALTER TABLE messages ADD COLUMN read_receipt INTEGER NOT NULL DEFAULT 0;
)sql",
    // 16: portal accounts (issue 7): escrow by login, accounts, mailed links. Recovery
    // codes are kept one per row so that one is used atomically.
    R"sql(
ALTER TABLE recipients ADD COLUMN verification TEXT NOT NULL DEFAULT 'question';
CREATE TABLE portal_accounts (
  id TEXT PRIMARY KEY,
  namespace TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  confirmed_at INTEGER,
  sealed_totp BLOB NOT NULL DEFAULT X'',
  totp_last_step INTEGER NOT NULL DEFAULT -1,
  UNIQUE (namespace, address)
);
CREATE TABLE portal_recovery_codes (
  account_id TEXT NOT NULL REFERENCES portal_accounts(id) ON DELETE CASCADE,
  hash BLOB NOT NULL,
  PRIMARY KEY (account_id, hash)
);
CREATE TABLE portal_tokens (
  hash BLOB PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES portal_accounts(id) ON DELETE CASCADE,
  purpose TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX portal_tokens_by_account ON portal_tokens(account_id);
)sql",
    // 17: namespaces (issue 8): pools of portal accounts with their own branding, and
    // the host names each one's portal answers on.
    R"sql(
CREATE TABLE namespaces (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  display_name TEXT NOT NULL,
  colour TEXT NOT NULL,
  support_contact TEXT NOT NULL DEFAULT '',
  logo BLOB NOT NULL DEFAULT X'',
  logo_type TEXT NOT NULL DEFAULT '',
  message_center INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE namespace_hosts (
  host TEXT PRIMARY KEY COLLATE NOCASE,
  namespace TEXT NOT NULL REFERENCES namespaces(name) ON DELETE CASCADE
);
ALTER TABLE messages ADD COLUMN namespace TEXT NOT NULL DEFAULT '';
)sql",
    // 18: the Message Center (issue 8). A namespace's key, sealed under the master key;
    // a message sealed while its namespace had the Message Center on keeps each
    // recipient's message key (and, for messages sent from the portal, the sender's)
    // wrapped by it, with its subject sealed by it for the inbox.
    R"sql(
ALTER TABLE namespaces ADD COLUMN sealed_key BLOB NOT NULL DEFAULT X'';
ALTER TABLE recipients ADD COLUMN center_key BLOB NOT NULL DEFAULT X'';
ALTER TABLE messages ADD COLUMN center_key BLOB NOT NULL DEFAULT X'';
ALTER TABLE messages ADD COLUMN center_subject BLOB NOT NULL DEFAULT X'';
CREATE INDEX recipients_in_center ON recipients(address COLLATE NOCASE) WHERE center_key != X'';
CREATE INDEX messages_sent_in_center ON messages(sender COLLATE NOCASE) WHERE center_key != X'';
)sql",
    // 19: answers stretched into the key (issue 18). A question copy's key now needs
    // Argon2id(answer) with these parameters; rows without them are of the older scheme.
    R"sql(
ALTER TABLE recipients ADD COLUMN answer_kdf TEXT NOT NULL DEFAULT '';
)sql",
    // 20: registrations wait apart from accounts (issue 18): several may wait for one
    // address, none replacing another, and an account row exists only once confirmed.
    // Registrations left unconfirmed under the old rules go (their registrants register
    // again): their links proved the mailbox only.
    R"sql(
CREATE TABLE portal_registrations (
  id TEXT PRIMARY KEY,
  namespace TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  token_hash BLOB NOT NULL UNIQUE,
  browser_hash BLOB NOT NULL,
  recipient_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX portal_registrations_by_address ON portal_registrations(namespace, address);
DELETE FROM portal_accounts WHERE confirmed_at IS NULL;
)sql",
    // 21: submissions that could not be processed after many tries become dead letters
    // (issue 18): kept for an administrator, never tried again by themselves.
    R"sql(
ALTER TABLE inbound ADD COLUMN dead_at INTEGER;
)sql",
    // 22: answers the server keeps anyway, stretched once each (issue 18): sealing a
    // message to an address-book or default question costs no Argon2id.
    R"sql(
CREATE TABLE answer_keys (
  tag BLOB PRIMARY KEY,
  kdf TEXT NOT NULL,
  sealed_key BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
)sql",
    // 23: content kept once (issue 19): entries that share a message refer to one sealed
    // blob; each holds the blob's key boxed under the queue key, removed when it ends.
    // Blobs whose last entry was deleted outright wait in spent_content for removal.
    R"sql(
ALTER TABLE queue ADD COLUMN content_blob TEXT NOT NULL DEFAULT '';
ALTER TABLE queue ADD COLUMN content_key BLOB;
CREATE INDEX queue_by_content ON queue(content_blob) WHERE content_blob != '';
CREATE TABLE spent_content (blob_id TEXT PRIMARY KEY);
)sql",
    // 24: a small manifest (issue 19) is kept in its message's row, sealed under the
    // message key, instead of in a file of its own: a file per message cost a quarter of
    // the API's time. Large ones stay in a blob (manifest_blob).
    R"sql(
ALTER TABLE messages ADD COLUMN sealed_manifest BLOB;
)sql",
    // 25: large SMTP content is spooled once (issue 19), into the sealed blob its queue
    // entries go on to refer to, not into the row and then again into a blob.
    R"sql(
ALTER TABLE inbound ADD COLUMN content_blob TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound ADD COLUMN content_key BLOB;
)sql",
    // 26: a backup under way (issue 27, app/backup.h) holds off the sweep of spent
    // content until it has copied the blobs, so none its copy of the database still
    // refers to goes meanwhile. A hold lapses at `until` if the backup dies.
    R"sql(
CREATE TABLE backup_holds (id INTEGER PRIMARY KEY, until INTEGER NOT NULL);
)sql",
    // 27: master-key rotation (issue 27, app/key_rotation.h): keys kept sealed in the
    // database (the lookup key of keyed lookups), and the processes that seal, each
    // with the id of the master key it seals with.
    R"sql(
CREATE TABLE sealed_keys (name TEXT PRIMARY KEY, sealed BLOB NOT NULL);
CREATE TABLE key_holders (
  holder TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  since INTEGER NOT NULL
);
)sql",
    // 28: DKIM rollover (issue 27): several keys per domain and algorithm, one per
    // selector, each pending, active or retiring. Existing keys are active.
    R"sql(
CREATE TABLE dkim_keys_by_selector (
  domain TEXT NOT NULL COLLATE NOCASE,
  algorithm TEXT NOT NULL,
  selector TEXT NOT NULL COLLATE NOCASE,
  public_value TEXT NOT NULL,
  sealed_private BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'active',
  retire_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (domain, selector)
);
INSERT INTO dkim_keys_by_selector (domain, algorithm, selector, public_value, sealed_private,
                                   created_at)
  SELECT domain, algorithm, selector, public_value, sealed_private, created_at FROM dkim_keys;
DROP TABLE dkim_keys;
ALTER TABLE dkim_keys_by_selector RENAME TO dkim_keys;
)sql",
    // 29: the audit trail (issue 21, audit/chain.h): append-only, each record hashing
    // the one before it; checkpoints sign the chain's head.
    R"sql(
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor_kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  client_address TEXT NOT NULL,
  account TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  result TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE INDEX audit_by_time ON audit_log(at);
CREATE TABLE audit_checkpoints (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  head_hash BLOB NOT NULL,
  signing_key_id TEXT NOT NULL,
  signature BLOB NOT NULL
);
)sql",
    // 30: audit search (issue 21): each record names its message and recipient, when it
    // has them; message and recipient are indexed (time already is; a search by actor,
    // action or result walks the time range it is given). How far each forwarding target
    // (a file, syslog) has been given the trail.
    R"sql(
ALTER TABLE audit_log ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_by_message ON audit_log(message_id) WHERE message_id != '';
CREATE INDEX audit_by_recipient ON audit_log(recipient COLLATE NOCASE) WHERE recipient != '';
CREATE TABLE audit_forwarded (target TEXT PRIMARY KEY, seq INTEGER NOT NULL);
)sql",
    // 31: API clients (issue 20): the API keys become clients with scopes, a last-used
    // time, a rate limit of their own (NULL: the configured one), and rotation (the secret
    // before it, valid for a grace period); signed-request sessions (their HMAC keys
    // sealed under the master key) and the nonces they used; OAuth access
    // tokens, kept as hashes. Keys bound to a user send and read; the others did
    // everything, and keep doing it.
    R"sql(
ALTER TABLE api_keys RENAME TO api_clients;
ALTER TABLE api_clients ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE api_clients ADD COLUMN last_used_at INTEGER;
ALTER TABLE api_clients ADD COLUMN rotated_at INTEGER;
ALTER TABLE api_clients ADD COLUMN previous_hash BLOB NOT NULL DEFAULT x'';
ALTER TABLE api_clients ADD COLUMN previous_valid_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_clients ADD COLUMN rate_limit_per_minute INTEGER;
UPDATE api_clients SET scopes = CASE WHEN user = '' THEN 'messages:send messages:read admin audit:read'
                                     ELSE 'messages:send messages:read' END;
CREATE INDEX api_clients_by_account ON api_clients(account);
CREATE TABLE access_tokens (
  hash BLOB PRIMARY KEY,
  client_id TEXT NOT NULL,
  user TEXT NOT NULL,
  scopes TEXT NOT NULL,
  grant_type TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
) WITHOUT ROWID;
CREATE INDEX access_tokens_by_expiry ON access_tokens(expires_at);
CREATE TABLE api_sessions (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  sealed_key BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX api_sessions_by_client ON api_sessions(client_id);
CREATE INDEX api_sessions_by_expiry ON api_sessions(expires_at);
CREATE TABLE request_nonces (
  session_id TEXT NOT NULL,
  nonce TEXT NOT NULL,
  keep_until INTEGER NOT NULL,
  PRIMARY KEY (session_id, nonce)
) WITHOUT ROWID;
CREATE INDEX request_nonces_by_time ON request_nonces(keep_until);
-- The API's message list: an account's messages newest first, by sender, by recipient.
CREATE INDEX messages_by_account ON messages(account, created_at);
CREATE INDEX messages_by_sender ON messages(sender COLLATE NOCASE, created_at);
CREATE INDEX recipients_by_address ON recipients(address COLLATE NOCASE);
)sql",
    // 32: webhooks (issue 20): endpoints per account with their sealed signing secrets;
    // the outbox, one row an event an endpoint wants, written in the event's own
    // transaction; and each attempt, for the endpoints' delivery logs.
    R"sql(
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  url TEXT NOT NULL,
  event_types TEXT NOT NULL,
  with_subject INTEGER NOT NULL,
  description TEXT NOT NULL,
  notify TEXT NOT NULL,
  sealed_secrets BLOB NOT NULL,
  previous_valid_until INTEGER NOT NULL,
  enabled INTEGER NOT NULL,
  disabled_reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  disabled_at INTEGER,
  last_success_at INTEGER
);
CREATE INDEX webhook_endpoints_by_account ON webhook_endpoints(account);
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  message_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  finished_at INTEGER,
  last_status INTEGER NOT NULL,
  last_error TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries(endpoint_id, created_at);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries(finished_at) WHERE state != 'pending';
CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  status INTEGER NOT NULL,
  error TEXT NOT NULL,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts(delivery_id);
-- The subject, sealed under the master key, for endpoints that ask for it; kept only
-- when one does, and gone when the message is destroyed.
ALTER TABLE messages ADD COLUMN webhook_subject BLOB NOT NULL DEFAULT X'';
)sql",
    // 33: signed requests' nonces kept in the order they may go (issue 20). A replay is
    // the same signed request, so it carries the same created time and so the same
    // keep_until: one B-tree keyed by time first finds it, and new nonces go to its end
    // instead of into two trees (one at random places), which kept every commit's pages,
    // and its sync, larger. Live nonces are carried over.
    R"sql(
CREATE TABLE request_nonces_in_order (
  keep_until INTEGER NOT NULL,
  session_id TEXT NOT NULL,
  nonce TEXT NOT NULL,
  PRIMARY KEY (keep_until, session_id, nonce)
) WITHOUT ROWID;
INSERT INTO request_nonces_in_order SELECT keep_until, session_id, nonce FROM request_nonces;
DROP TABLE request_nonces;
ALTER TABLE request_nonces_in_order RENAME TO request_nonces;
)sql",
    // 34: what each organisation user may do in the web console (issue 22).
    R"sql(
ALTER TABLE users ADD COLUMN console_role TEXT NOT NULL DEFAULT '';
)sql",
    // 35: the console's dashboard counts the last days' messages of every account: by
    // time, and their recipients and queue entries from narrow indexes rather than the
    // wide rows (sealed keys and questions).
    R"sql(
CREATE INDEX messages_by_time ON messages(created_at);
CREATE INDEX recipients_counted ON recipients(message_id, method, status, locked_at);
)sql",
    // 36: what TLS reports said, kept after the day's tallies went out (issue 22's TLS
    // reports page): per day, domain, policy and result, for thirteen months.
    R"sql(
CREATE TABLE tls_reported (
  day TEXT NOT NULL,
  domain TEXT NOT NULL COLLATE NOCASE,
  policy_type TEXT NOT NULL,
  result_type TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (day, domain, policy_type, result_type)
) WITHOUT ROWID;
)sql",
    // 37: passkeys of console sign-ins (issue 22), several per account; the credential
    // id is the browser's handle on it and unique everywhere.
    R"sql(
CREATE TABLE passkeys (
  id BLOB PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES portal_accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  public_key BLOB NOT NULL,
  algorithm INTEGER NOT NULL,
  sign_count INTEGER NOT NULL,
  backed_up INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
);
CREATE INDEX passkeys_by_account ON passkeys(account_id);
)sql",
    // 38: secure web forms (issue 24), and the challenges their pages carried that were
    // used (each works once; kept until it would have expired anyway).
    R"sql(
CREATE TABLE forms (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  account TEXT NOT NULL,
  namespace TEXT NOT NULL DEFAULT '',
  definition TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX forms_by_account ON forms(account, name);
CREATE TABLE form_challenges_used (
  expires_at INTEGER NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY (expires_at, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX form_challenges_by_id ON form_challenges_used(id);
)sql",
    // 39: what people sent through the forms, sealed, kept for each form's retention.
    R"sql(
CREATE TABLE form_submissions (
  id TEXT PRIMARY KEY,
  form_id TEXT NOT NULL,
  account TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  wrapped_key BLOB NOT NULL,
  sealed BLOB NOT NULL,
  blobs TEXT NOT NULL,
  size INTEGER NOT NULL
);
CREATE INDEX form_submissions_by_form ON form_submissions(form_id, received_at, id);
CREATE INDEX form_submissions_by_expiry ON form_submissions(expires_at);
)sql",
    // 40: secure requests: a sender's one-time upload link to someone (issue 24).
    R"sql(
CREATE TABLE form_requests (
  id TEXT PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE,
  account TEXT NOT NULL,
  requester TEXT NOT NULL,
  recipient TEXT NOT NULL,
  sealed_note BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  answered_at INTEGER NOT NULL DEFAULT 0,
  submission_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX form_requests_by_requester ON form_requests(requester, created_at);
)sql",
    // 41: the dashboard counted afresh reads narrow indexes only: the messages it counts
    // (time, account, expiry) without their wide rows (sealed manifest and keys), and
    // whether each delivered entry had TLS without its JSON report.
    R"sql(
CREATE INDEX messages_counted ON messages(created_at, account, id, expires_at, retracted_at);
ALTER TABLE queue ADD COLUMN delivered_tls INTEGER NOT NULL DEFAULT 0;
UPDATE queue SET delivered_tls = coalesce(json_extract(report, '$.tls_version'), '') != ''
  WHERE state = 'delivered' AND json_valid(report);
CREATE INDEX queue_delivered ON queue(message_id, delivered_tls) WHERE state = 'delivered';
)sql",
    // 42: patient engagement (issue 25): contacts (attributes sealed), lists with each
    // member's consent, the addresses no campaign writes to, and saved segments.
    R"sql(
CREATE TABLE contacts (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  address TEXT NOT NULL,
  sealed_attributes BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_sent INTEGER NOT NULL DEFAULT 0,
  last_opened INTEGER NOT NULL DEFAULT 0,
  last_clicked INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX contacts_by_address ON contacts(account, address);
CREATE TABLE contact_lists (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX contact_lists_by_name ON contact_lists(account, name);
CREATE TABLE list_members (
  list_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  consented_at INTEGER NOT NULL,
  consent_source TEXT NOT NULL,
  unsubscribed_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (list_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX list_members_by_contact ON list_members(contact_id);
CREATE TABLE suppressions (
  account TEXT NOT NULL,
  address TEXT NOT NULL,
  reason TEXT NOT NULL,
  at INTEGER NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (account, address)
) WITHOUT ROWID;
CREATE TABLE segments (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  name TEXT NOT NULL,
  list_id TEXT NOT NULL,
  condition TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX segments_by_name ON segments(account, name);
)sql",
    // 43: templates and campaigns (issue 25): a send row per contact reached, made with the
    // id its message will have, before the message.
    R"sql(
CREATE TABLE campaign_templates (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  name TEXT NOT NULL,
  subject TEXT NOT NULL,
  text TEXT NOT NULL,
  html TEXT NOT NULL,
  carries_phi INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX campaign_templates_by_name ON campaign_templates(account, name);
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  name TEXT NOT NULL,
  segment_id TEXT NOT NULL,
  template_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  state TEXT NOT NULL,
  scheduled_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  per_minute INTEGER NOT NULL,
  per_domain_per_minute INTEGER NOT NULL,
  cursor TEXT NOT NULL,
  enumerated INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX campaigns_by_name ON campaigns(account, name);
CREATE INDEX campaigns_by_state ON campaigns(state);
CREATE TABLE campaign_sends (
  campaign_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  address TEXT NOT NULL,
  message_id TEXT NOT NULL,
  state TEXT NOT NULL,
  method TEXT NOT NULL,
  at INTEGER NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY (campaign_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX campaign_sends_pending ON campaign_sends(campaign_id, state, contact_id);
CREATE INDEX campaign_sends_by_message ON campaign_sends(message_id);
)sql",
    // 44: automations (issue 25): sequences a contact walks, and each contact's place.
    R"sql(
CREATE TABLE automations (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  name TEXT NOT NULL,
  segment_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  trigger TEXT NOT NULL,
  steps TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX automations_by_name ON automations(account, name);
CREATE TABLE automation_runs (
  automation_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  key TEXT NOT NULL,
  step INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  pending_message_id TEXT NOT NULL,
  last_message_id TEXT NOT NULL,
  detail TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  PRIMARY KEY (automation_id, contact_id, key)
) WITHOUT ROWID;
CREATE INDEX automation_runs_due ON automation_runs(automation_id, state, due_at);
)sql",
    // 45: engagement (issue 25): opens and clicks counted per campaign and automation
    // unless switched off, and each message an automation sent, for its report.
    R"sql(
ALTER TABLE campaigns ADD COLUMN tracking INTEGER NOT NULL DEFAULT 1;
ALTER TABLE automations ADD COLUMN tracking INTEGER NOT NULL DEFAULT 1;
CREATE TABLE automation_sends (
  message_id TEXT PRIMARY KEY,
  automation_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  step INTEGER NOT NULL,
  address TEXT NOT NULL,
  method TEXT NOT NULL,
  at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX automation_sends_by_contact ON automation_sends(automation_id, contact_id, at);
)sql",
    // 46: portal sessions where every node finds them (issue 23; used when several nodes
    // share a PostgreSQL database, kept alike here): keyed by the cookie token's hash,
    // what they carry sealed under a key derived from the token.
    R"sql(
CREATE TABLE portal_sessions (
  token_hash BLOB PRIMARY KEY,
  kind TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  sealed BLOB NOT NULL,
  expires_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL
);
CREATE INDEX portal_sessions_by_account ON portal_sessions(account_id);
CREATE INDEX portal_sessions_by_expiry ON portal_sessions(expires_at);
)sql",
    // 47: whether a queue entry's content is 8-bit, learnt where it was written (0: not
    // known, 7 or 8), so that the queue need not read a large content once more for it.
    R"sql(
ALTER TABLE queue ADD COLUMN content_bits INTEGER NOT NULL DEFAULT 0;
)sql",
    // 48: SMTP submissions wait in a file of their own (kSpoolMigrations; the rows of the
    // inbound table above move there when the database opens, and the table goes). A
    // submission ended here (a message, queue entries, a dead letter's notices) is marked
    // in the same transaction, so that it is never ended twice (store/sqlite/spool.h).
    R"sql(
CREATE TABLE inbound_done (
  id TEXT PRIMARY KEY,
  outcome TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX inbound_done_by_age ON inbound_done(at);
)sql",
};

// The spool's schema (its own file, its own user_version): SMTP submissions between
// their 250 and processing, as the main database's inbound table held them up to step 47.
inline constexpr const char* kSpoolMigrations[] = {
    R"sql(
CREATE TABLE inbound (
  id TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL,
  client_address TEXT NOT NULL,
  auth_user TEXT NOT NULL,
  envelope TEXT NOT NULL,
  sealed_content BLOB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  dead_at INTEGER,
  content_blob TEXT NOT NULL DEFAULT '',
  content_key BLOB
);
CREATE INDEX inbound_due ON inbound(next_attempt_at, received_at);
)sql",
    // 2: a blob's header section and its 8-bit flag beside it (InboundRecord).
    R"sql(
ALTER TABLE inbound ADD COLUMN sealed_header BLOB NOT NULL DEFAULT X'';
ALTER TABLE inbound ADD COLUMN content_bits INTEGER NOT NULL DEFAULT 0;
)sql",
};

}  // namespace sealpost::sqlite
