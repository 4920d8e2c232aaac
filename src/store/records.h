// The records sealpost keeps, as plain structs shared by every Store backend.
// Fields named sealed_* hold data encrypted before it reaches the store; nothing in
// these records opens an escrow message by itself.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sealpost {

// An API client (issue 20): the credentials "id:secret" an integration presents, by
// whichever method (X-API-Key, Basic, an OAuth token it was given, a signed session).
struct ApiClientRecord {
  std::string id;            // public half of "id:secret"
  std::string secret_hash;   // SHA-256 of the 256-bit random secret (see api/clients.h)
  std::string name;
  std::string account;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> revoked_at;
  std::string user;    // the sender this client sends as; empty: any sender
  std::string scopes;  // space-separated: "messages:send messages:read admin audit:read"
  std::optional<std::int64_t> last_used_at;  // to the minute
  std::optional<std::int64_t> rotated_at;
  // The secret before the last rotation, still accepted until previous_valid_until
  // (the grace period the rotation asked for; 0: none).
  std::string previous_hash;
  std::int64_t previous_valid_until = 0;
  std::optional<std::int64_t> rate_limit_per_minute;  // none: the configured default
};

// A signed-request session (RFC 9421): its HMAC key, sealed under the master key (the
// server must have it to check each signature), and its time.
struct ApiSessionRecord {
  std::string id;  // the signatures' keyid
  std::string client_id;
  std::string sealed_key;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> revoked_at;
};

// A webhook endpoint (issue 20): where an account's events are pushed, which types it
// wants, and its signing secrets — sealed under the master key, since every delivery
// is signed with them: "whsec_new" or, during a rotation's grace period,
// "whsec_new whsec_old".
struct WebhookEndpointRecord {
  std::string id;
  std::string account;
  std::string url;
  std::string event_types;  // space-separated (webhooks/events.h)
  bool with_subject = false;
  std::string description;
  std::string notify;       // told by mail when the endpoint is disabled; "" nobody
  std::string sealed_secrets;
  std::int64_t previous_valid_until = 0;  // the old secret signs too until then
  bool enabled = true;
  std::string disabled_reason;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> disabled_at;
  std::optional<std::int64_t> last_success_at;
};

// One event on its way to one endpoint: the outbox row, written in the transaction
// that wrote the event. Its id is the `webhook-id` every attempt carries.
struct WebhookDeliveryRecord {
  std::string id;
  std::string endpoint_id;
  std::string event_type;
  std::string message_id;
  std::string payload;      // JSON without content (webhooks/events.h)
  std::int64_t created_at = 0;
  std::string state;        // pending, delivered, failed
  int attempts = 0;
  std::int64_t next_attempt_at = 0;
  std::optional<std::int64_t> finished_at;
  int last_status = 0;      // the last attempt's HTTP status, 0 when it got none
  std::string last_error;
};

// One attempt, for the endpoint's delivery log.
struct WebhookAttemptRecord {
  std::string delivery_id;
  std::int64_t at = 0;
  int status = 0;           // HTTP status, 0 when there was no answer
  std::string error;        // why it failed, "" when it did not
  std::int64_t duration_ms = 0;
};

// An OAuth 2.0 access token: only its hash is kept, so a copy of the database gives
// no one a usable token.
struct AccessTokenRecord {
  std::string hash;
  std::string client_id;
  std::string user;  // the password grant's user; else the client's
  std::string scopes;
  std::string grant_type;  // "client_credentials" or "password"
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> revoked_at;
};

struct SigningKeyRecord {
  std::string id;
  std::string public_key;     // Ed25519, 32 bytes
  std::string sealed_secret;  // secret key, boxed under a key derived from the master key
  std::int64_t created_at = 0;
};

// Escrow recipients: notice queued → delivered → viewed (or locked). Recipients whose
// copy is encrypted to their own key, or sent over enforced TLS: queued → delivered.
// A TLS-only recipient's fallback (normally escrow) waits in standby: it becomes queued
// (or notice_queued) when TLS cannot be had at delivery time — the TLS-only recipient is
// then replanned — and superseded when the TLS-only copy reaches a final state. An
// escrow recipient may delete their copy: its key is destroyed (deleted).
enum class RecipientStatus {
  kNoticeQueued, kNoticeDelivered, kViewed, kLocked, kQueued, kDelivered,
  kStandby, kReplanned, kSuperseded, kDeleted,
  kBounced,  // the failure action: nothing was sent to them; their sender was told
};
const char* RecipientStatusName(RecipientStatus s);
std::optional<RecipientStatus> ParseRecipientStatus(const std::string& s);

struct RecipientRecord {
  std::string id;
  std::string message_id;
  std::string address;
  std::string kind;  // "to", "cc" or "bcc"
  // "escrow", "pgp", "smime", "tls-only", "standard", "send-plain" or "bounce"
  std::string method;
  RecipientStatus status = RecipientStatus::kNoticeQueued;
  std::string link_check;       // SHA-256 tag of the link secret: recognises forged links
  std::string kek_salt;         // salt of the key that wraps the message key
  // The message key, boxed under HKDF(link secret, answer key). The answer key is, for
  // copies sealed since issue 18, Argon2id(normalised answer, kek_salt) with the
  // parameters in `answer_kdf`; for older ones the bare answer (they also kept
  // `answer_hash`, an Argon2id PHC string, to check answers). Login copies: no answer.
  std::string wrapped_key;
  std::string answer_hash;
  std::string answer_kdf;       // "" (older scheme) or Argon2ParamsName(...)
  std::string sealed_question;  // boxed under the metadata key
  int failures = 0;
  std::optional<std::int64_t> locked_at;
  std::string trace;            // why this method: the policy engine's explanation
  // How the recipient proves who they are: "question" (the answer is part of the key)
  // or "login" (a confirmed portal account for `address`; the key is in the link).
  std::string verification = "question";
  // Message Center (issue 8): the message key wrapped by its namespace's key; empty
  // when the message was sealed with the Message Center off.
  std::string center_key;
};

struct MessageRecord {
  std::string id;
  std::string account;
  std::string sender;            // envelope sender address
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::string signing_key_id;
  // The signed manifest, sealed under the message key: in the row when small
  // (`sealed_manifest`, manifest_blob empty), else in the blob `manifest_blob`.
  std::string manifest_blob;
  std::string sealed_manifest;
  std::vector<std::string> blob_ids;  // every blob of the message, manifest included
  std::vector<RecipientRecord> recipients;
  std::optional<std::int64_t> retracted_at;  // the sender withdrew it
  bool read_receipt = false;  // a receipt to the sender on each recipient's first view
  // The namespace whose portal (and pool of accounts) its recipients use; "" shared.
  std::string namespace_name;
  // Its keys were destroyed (retracted, or expired and swept): nobody can open it again.
  std::optional<std::int64_t> destroyed_at;
  // Message Center (issue 8): for messages sent from the portal, the sender's own copy
  // of the key, wrapped by the namespace's key; the subject sealed by it for inboxes.
  std::string center_key;
  std::string center_subject;
  // The subject sealed under the master key (webhooks::SubjectAad), only when an
  // endpoint of the account wants subjects in its webhooks; "" otherwise.
  std::string webhook_subject;
};

// A search of an account's messages (the API's message list), newest first. Empty
// fields do not filter; recipient, status and method must hold for one recipient.
struct MessageQuery {
  std::string account;    // required
  std::string sender;     // case-insensitive
  std::string recipient;  // case-insensitive
  std::string status;     // a RecipientStatusName
  std::string method;     // "escrow", "pgp", "smime", "tls-only", …
  std::optional<std::int64_t> from;  // created at or after
  std::optional<std::int64_t> to;    // created before
  // The page after this message (a cursor: the last message of the page before).
  std::string after_id;
  int limit = 50;
};

// One line of a portal account's Message Center: a message sent to the account's
// address (its copy `recipient_id`), or one it sent from the portal.
struct CenterItem {
  bool sent = false;
  std::string message_id;
  std::string recipient_id;  // received messages: the account's copy
  std::string counterpart;   // received: the sender; sent: the recipients, ", "-joined
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::string center_key;      // wrapped by the namespace's key
  std::string center_subject;  // sealed by the namespace's key
  std::string status;          // received: the copy's status
};

struct EventRecord {
  std::int64_t id = 0;
  std::string message_id;
  std::string recipient_id;
  std::string type;              // accepted, notice_queued, notice_delivered, link_opened, ...
  std::int64_t at = 0;
  std::string client_address;
  std::string detail;            // never secret; short and sanitised
};

// What the administrators' dashboard shows of an account's mail (issue 22), counted over
// the messages sent since a time: each recipient's method by UTC day, where they got to,
// how much of what left over the network went with TLS, which domains mail waits for now,
// and the copies locked by wrong answers or expired. Fallbacks that stood by and were not
// used are not counted: they never went anywhere.
struct DashboardFacts {
  struct Day {
    std::int64_t day = 0;  // unix time of the day's start (UTC)
    std::map<std::string, int> by_method;
  };
  std::vector<Day> days;                // oldest first; only days with mail
  std::map<std::string, int> statuses;  // RecipientStatusName → recipients
  int delivered = 0;                    // copies and notices delivered over the network
  int delivered_with_tls = 0;           // of those, with TLS
  std::vector<std::pair<std::string, int>> deferred_by_domain;  // now; most first, 10 at most
  int locked = 0;                                               // copies locked by wrong answers
  int expired = 0;  // messages past their expiry (not withdrawn)
  int messages = 0;
};

// queued → in_flight → delivered | deferred (→ in_flight again) | bounced | expired.
// An in_flight entry holds a lease (next_attempt_at): if its node dies, it is due again
// when the lease runs out, or at once when the node restarts.
// A TLS-only entry (tls_required) that cannot get TLS ends replanned; its standby
// entries (standby_for = its id, the fallback prepared at submission) become queued
// then, or superseded when it ends any other way.
enum class QueueState {
  kQueued, kInFlight, kDelivered, kDeferred, kBounced, kExpired,
  kStandby, kReplanned, kSuperseded,
};
// Final states: the content is gone; the envelope, state and report stay.
bool IsFinal(QueueState s);
const char* QueueStateName(QueueState s);
std::optional<QueueState> ParseQueueState(const std::string& s);

// Whether a queue entry's content has a byte above 127 (it then asks the receiving
// server for 8BITMIME), learnt where the content was written so that nothing reads
// it again for that; unknown for entries queued before it was kept (the queue finds
// out as it sends). The values are what the column holds.
enum class ContentBits { kUnknown = 0, kSevenBit = 7, kEightBit = 8 };
ContentBits ContentBitsFromColumn(std::int64_t value);

struct QueueEntry {
  std::string id;
  std::string message_id;
  std::string recipient_id;
  std::string mail_from;
  std::string rcpt_to;
  // The RFC 5322 message, boxed under the queue key (bound to the entry's id); or, for
  // content shared by many entries or large, empty and kept once in a sealed blob:
  // `content_blob` names it and `content_key` is its data key boxed under the queue key
  // (bound to the blob). Both go when the entry ends; the blob goes with the last key.
  // List and ForMessage load neither; Claim loads inline content (small by
  // construction) and the blob's name and key, never the blob.
  std::string sealed_content;
  std::string content_blob;
  std::string content_key;
  QueueState state = QueueState::kQueued;
  int attempts = 0;
  std::int64_t next_attempt_at = 0;
  std::int64_t created_at = 0;
  std::string last_error;
  // RFC 3461 parameters from the submission, for the delivery report, as JSON
  // ({"notify", "orcpt", "envid", "ret"}); empty when there were none.
  std::string dsn;
  // The last attempt's delivery report, as JSON (see delivery/report.h); empty before.
  std::string report;
  // TLS-only: leaves only over TLS 1.2 or later, never in clear.
  bool tls_required = false;
  // The TLS-only entry this one stands by for (state standby until it is needed).
  std::string standby_for;
  // 7- or 8-bit, as the content was written (see ContentBits).
  ContentBits content_bits = ContentBits::kUnknown;
};

// TLS reporting (RFC 8460): how many sessions with one domain's servers, under one
// policy, came to one result on one UTC day.
struct TlsSessionCount {
  std::string day;             // "2026-11-27"
  std::string domain;          // the policy domain: the recipients'
  std::string policy_type;     // "tlsa", "sts" or "no-policy-found"
  std::string policy_strings;  // JSON array of strings (the TLSA records, the STS policy)
  std::string mx_host;
  std::string receiving_ip;
  std::string result_type;     // "" for a successful session; else RFC 8460 §4.3's
  std::int64_t count = 0;
};

// What a day's sessions with one domain under one policy came to, for people to read
// (the console's TLS reports page): reported, or still being counted.
struct TlsTally {
  std::string day;
  std::string domain;
  std::string policy_type;
  std::string result_type;  // "" for successful sessions
  std::int64_t count = 0;
  bool reported = false;
};

// An MTA-STS policy (RFC 8461) as fetched, kept until it expires so that a restart
// does not forget it (an attacker who strips the DNS record then gains nothing).
struct MtaStsPolicyRecord {
  std::string domain;
  std::string id;
  std::string policy;  // the policy text as fetched
  std::int64_t expires_at = 0;
};

// A recipient's portal account (issue 7): one per address in each namespace (a pool of
// accounts; "" is the shared default pool — issue 8 adds the others). Unconfirmed until
// the address's owner follows the link mailed to it; only confirmed accounts log in.
struct PortalAccountRecord {
  std::string id;
  std::string namespace_name;  // the pool it belongs to; "" the shared default
  std::string address;        // as registered; matched case-insensitively
  std::string password_hash;  // Argon2id PHC string
  std::int64_t created_at = 0;
  std::optional<std::int64_t> confirmed_at;
  // Two-factor login: the TOTP secret, boxed under the metadata key; empty when off.
  std::string sealed_totp;
  std::int64_t totp_last_step = -1;         // the newest time step accepted: no replays
  std::vector<std::string> recovery_hashes;  // SHA-256 of each unused recovery code
};

// An answer the server keeps anyway (an address-book entry's, a default question's),
// stretched once with Argon2id under a salt of its own, so sealing a message to it costs
// no Argon2id (issue 18). `tag` is an HMAC (under the metadata key) of where the answer
// is kept and the answer itself; `kdf` is the Argon2id parameters and salt; the key is
// sealed under the metadata key.
struct AnswerKeyRecord {
  std::string tag;
  std::string kdf;
  std::string sealed_key;
  std::int64_t created_at = 0;
};

// A registration waiting for its address to be confirmed (issue 18). Several may wait
// for one address (nobody's replaces anyone else's); confirming one makes the account
// and cancels the rest. Confirmation needs the mailed link (the mailbox) and proof of
// the registrant: the browser that registered (`browser_hash`, the SHA-256 of a
// cookie it was given) or the password chosen then.
struct PortalRegistrationRecord {
  std::string id;
  std::string namespace_name;
  std::string address;
  std::string password_hash;  // Argon2id PHC string
  std::string token_hash;     // SHA-256 of the mailed link's secret
  std::string browser_hash;   // SHA-256 of the registering browser's cookie
  std::string recipient_id;   // the message to go on to afterwards
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
};

// A single-use, expiring link mailed to an account's address: confirmation of a new
// account, or a password reset. Only the SHA-256 of its secret is kept.
struct PortalTokenRecord {
  std::string hash;
  std::string account_id;
  std::string purpose;       // "reset" (registrations keep their own link)
  std::string recipient_id;  // the message to go on to afterwards; may be empty
  std::int64_t expires_at = 0;
};

// A secure web form (issue 24), served at /f/{name}: its definition is forms/
// definition.h's JSON, kept as given (it holds no secret).
struct FormRecord {
  std::string id;
  std::string name;            // its address: [a-z0-9-], unique
  std::string account;         // whose it is
  std::string namespace_name;  // its brand and host; "" the server's
  std::string definition;      // JSON
  bool enabled = true;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

// What a person sent through a secure form (issue 24), kept for the form's retention.
// Everything they sent is in `sealed` (JSON: the values, and each file's name, type,
// size and blob) under the submission's own key, which `wrapped_key` holds under the
// metadata key; the files are sealed blobs under the same key. Deleting the row and its
// blobs destroys it. In clear: when, which form, and the message that carried it.
struct FormSubmissionRecord {
  std::string id;
  std::string form_id;
  std::string account;
  std::int64_t received_at = 0;
  std::int64_t expires_at = 0;
  std::string message_id;  // the message that carried it to the form's recipients
  std::string wrapped_key;
  std::string sealed;
  std::string blobs;       // the files' blob ids, space-separated (to remove them)
  std::uint64_t size = 0;  // the files' bytes in all
};

// A secure request (issue 24): a sender asks someone for documents with a one-time link
// to an upload page. The link's token is kept only as its SHA-256; the sender's note
// is sealed (it may say what the documents are about). What comes back is a
// FormSubmissionRecord whose form_id is "request:" + id.
struct FormRequestRecord {
  std::string id;
  std::string token_hash;  // SHA-256 of the link's token, raw
  std::string account;
  std::string requester;  // who asked: the answer goes to them
  std::string recipient;  // who is asked
  std::string sealed_note;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::int64_t answered_at = 0;  // 0: not yet
  std::string submission_id;
};

// A passkey (WebAuthn credential) of an account's sign-in (issue 22: the console's
// users). The public key is no secret; the signature counter only goes up.
struct PasskeyRecord {
  std::string id;  // the credential id, raw bytes
  std::string account_id;
  std::string name;        // the owner's name for it ("my phone")
  std::string public_key;  // DER SubjectPublicKeyInfo
  int algorithm = 0;       // COSE
  std::int64_t sign_count = 0;
  bool backed_up = false;  // synced between the owner's devices
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_used_at;
};

// The result of an attempt, as the queue records it.
struct QueueUpdate {
  std::string id;
  QueueState state = QueueState::kDeferred;
  std::int64_t next_attempt_at = 0;  // for a final state: when it ended
  std::string last_error;  // the final reply or why there was none; never secret
  std::string report;      // JSON
};

// A message received by SMTP submission, committed before its 250 and waiting to go
// through the policy engine. The content is boxed under the queue key; the envelope
// (addresses and RFC 3461 parameters, as JSON) is metadata and kept readable.
struct InboundRecord {
  std::string id;              // the "queued as" id the client was given
  std::int64_t received_at = 0;
  std::string client_address;
  std::string auth_user;       // empty for a trusted-network client
  std::string envelope_json;
  // Small content is boxed here under the queue key, bound to the id. Large content is
  // written once into a sealed blob (content_blob, its key boxed under the queue key in
  // content_key), which the message's queue entries then refer to as it is.
  std::string sealed_content;
  std::string content_blob;
  std::string content_key;
  // With a blob: its header section (through the empty line that ends it) boxed under
  // the queue key, bound to the id, and whether its bytes are 8-bit, so that planning a
  // relayed message reads neither the blob nor its body. Empty and kUnknown for rows
  // written before they were kept, and for a header too large to keep beside the blob.
  std::string sealed_header;
  ContentBits content_bits = ContentBits::kUnknown;
  int attempts = 0;
  std::int64_t next_attempt_at = 0;
  std::string last_error;
  // Set once it failed too often to be tried again (a dead letter): kept, sealed, for
  // an administrator to look at and retry; its sender was told.
  std::optional<std::int64_t> dead_at;
};

// The organisation model: accounts own domains, domains own users (senders).
// sealed_settings is a policy settings layer as JSON, boxed under the metadata key.
struct AccountRecord {
  std::string name;
  std::string sealed_settings;
  std::int64_t created_at = 0;
};

// A namespace (issue 8): a separate pool of portal accounts with its own branding.
// Accounts and domains are pointed at one by their `namespace` setting.
struct NamespaceRecord {
  std::string name;             // [a-z0-9-], 1 to 63 characters; "" is the shared pool
  std::string display_name;     // shown in notices and on its portal pages
  std::string colour;           // the accent colour, "#rrggbb"
  std::string support_contact;  // how recipients reach the organisation's help
  std::vector<std::string> hosts;  // host names its portal answers on; each in one namespace
  std::string logo;             // PNG or SVG bytes; empty for none
  std::string logo_type;        // "image/png" or "image/svg+xml"
  bool message_center = false;  // the server holds message keys (issue 8)
  std::string sealed_key;       // its Message Center key, sealed under the master key
  std::int64_t created_at = 0;
};

struct DomainRecord {
  std::string name;  // the mail domain, e.g. clinic.example
  std::string account;
  std::string sealed_settings;
  std::int64_t created_at = 0;
};

struct UserRecord {
  std::string address;
  std::string domain;
  std::string sealed_settings;
  std::string smtp_password_hash;  // Argon2id; empty: no SMTP login
  std::int64_t created_at = 0;
  // What the user may do in the web console (console/roles.h): "" none, "sender",
  // "auditor", "domain-admin", "org-admin". Their console sign-in is a portal account
  // in the pool kConsolePool.
  std::string console_role;
};

// The pool of portal accounts that are console sign-ins of organisation users: a name
// no namespace can have (policy/namespaces.h), so the recipients' pools never meet it.
inline constexpr const char* kConsolePool = "@console";

// What is known of a domain's MX TLS: set by an administrator (never expires) or
// learnt by probing the domain's MX hosts (expires_at: when to probe again).
struct MxTlsRecord {
  std::string domain;
  bool starttls = false;
  std::string host;
  std::int64_t updated_at = 0;
  std::int64_t expires_at = 0;  // 0: set by an administrator, kept until changed
};

// An organisation's signing identity: an OpenPGP key or an S/MIME certificate with its
// private key, for an account or a domain. The secret part is sealed under the
// metadata key; the public part (armored key, certificate DER) is for anyone.
struct OrgIdentityRecord {
  std::string scope;          // "domain:clinic.example" or "account:Springfield"
  std::string kind;           // "pgp" or "smime"
  std::string label;          // the key's user id, or the certificate's address
  std::string fingerprint;
  std::string public_data;
  std::string sealed_secret;
  std::int64_t created_at = 0;
};

// A domain's DKIM key (one per algorithm): the private key, PKCS#8 DER, is sealed under
// the metadata key; the public value is what the domain publishes in DNS.
struct DkimKeyRecord {
  std::string domain;
  std::string algorithm;     // "rsa-sha256" or "ed25519-sha256"
  std::string selector;
  std::string public_value;  // p= of the TXT record
  std::string sealed_private;
  std::int64_t created_at = 0;
  // A rollover (dkim/domain_signer.h): "pending" (made, its record to be published; it
  // does not sign yet), "active" (signs), "retiring" (signs no more; its record stays
  // published until `retire_at`, so mail signed with it still verifies on the way).
  std::string state = "active";
  std::int64_t retire_at = 0;
};

// An address book and its entries. Entries' data (a question and its answer, a PGP key,
// an S/MIME certificate) is sealed under the metadata key: answers are needed to seal
// messages, so they are stored encrypted, never in clear.
struct AddressBookRecord {
  std::string id;
  std::string owner_level;  // "account", "domain" or "user"
  std::string owner;
  std::string name;
  std::int64_t created_at = 0;
};

struct AddressBookEntryRecord {
  std::string book_id;
  std::string address;
  std::string kind;  // "question", "pgp" or "smime"
  std::string sealed_data;
  std::int64_t updated_at = 0;
};

// How a user uses a book: their default book, one they subscribe to, or the preferred one.
struct UserBookRecord {
  std::string user;
  std::string book_id;
  std::string role;  // "default", "subscribed" or "preferred"
  // Filled when read: the book's own name parts.
  std::string book_level, book_owner, book_name;
};

// A column of sealed values, as a master-key rotation reads it: `binding` names the
// columns the values' AAD is made of. Names are the program's own, never input.
struct SealedColumn {
  std::string table;
  std::string column;
  std::vector<std::string> binding;
};
struct SealedCell {
  std::int64_t row = 0;              // the row's rowid
  std::vector<std::string> binding;  // the binding columns' values, in order
  std::string value;
};
struct SealedReplacement {
  std::int64_t row = 0;
  std::string old_value, new_value;
};

// A process that seals with the master key `key_id` (crypto/key_ring.h KeyId): a
// rotation ends only when none seals with the previous key.
struct KeyHolderRecord {
  std::string holder;  // "<host>:<pid>"
  std::string host;
  std::int64_t pid = 0;
  std::string key_id;
  std::int64_t since = 0;
};

// The AAD that binds a queue entry's sealed content to that entry.
inline std::string QueueContentAad(const std::string& queue_id) {
  return "sealpost/queue/v1|" + queue_id;
}
// The AAD that binds a content blob's boxed key to that blob, and the blob's label.
inline std::string QueueBlobAad(const std::string& blob_id) {
  return "sealpost/queue-blob/v1|" + blob_id;
}

}  // namespace sealpost
