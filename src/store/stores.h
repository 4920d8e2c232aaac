// Store interfaces, one per aggregate. Every method is one transaction: when it
// returns OK the change is durable (committed and synced), so callers may
// acknowledge. Implementations are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "base/result.h"
#include "store/records.h"

namespace sealpost::audit {
struct Actor;
}

namespace sealpost {

class ApiClientStore {
 public:
  virtual ~ApiClientStore() = default;
  virtual Status Insert(const ApiClientRecord& client) = 0;
  virtual Result<std::optional<ApiClientRecord>> Find(const std::string& id) = 0;
  // The clients of `account` (empty: every account), oldest first, revoked ones too.
  virtual Result<std::vector<ApiClientRecord>> List(const std::string& account) = 0;
  // A new secret; the one it replaces stays valid until `previous_valid_until`. Without
  // a grace period (`previous_valid_until` not after `at`) the client's sessions and
  // access tokens end too. kNotFound for an unknown client, kFailedPrecondition for a
  // revoked one.
  virtual Status Rotate(const std::string& id, const std::string& secret_hash,
                        std::int64_t previous_valid_until, std::int64_t at) = 0;
  // Revokes the client (its tokens with it: they are checked against it). kNotFound for
  // an unknown client; revoking a revoked one changes nothing.
  virtual Status Revoke(const std::string& id, std::int64_t at) = 0;
  // Records a use (not synced on its own: a lost last-used time is no loss).
  virtual Status Touch(const std::string& id, std::int64_t at) = 0;

  virtual Status InsertToken(const AccessTokenRecord& token) = 0;
  virtual Result<std::optional<AccessTokenRecord>> FindToken(const std::string& hash) = 0;
  // Whether a token of `client_id` with that hash was there to revoke.
  virtual Result<bool> RevokeToken(const std::string& hash, const std::string& client_id,
                                   std::int64_t at) = 0;
  virtual Status InsertSession(const ApiSessionRecord& session) = 0;
  virtual Result<std::optional<ApiSessionRecord>> FindSession(const std::string& id) = 0;
  // Revokes a session of `client_id` (empty: of any client); whether there was one.
  virtual Result<bool> RevokeSession(const std::string& id, const std::string& client_id,
                                     std::int64_t at) = 0;
  // Revokes every session of the client; how many were live.
  virtual Result<std::int64_t> RevokeSessions(const std::string& client_id, std::int64_t at) = 0;
  // A signed request's session and its client, read together (one turn at the
  // database); nullopt when either is missing.
  struct SessionWithClient {
    ApiSessionRecord session;
    ApiClientRecord client;
  };
  virtual Result<std::optional<SessionWithClient>> FindSessionWithClient(
      const std::string& session_id) = 0;
  // Whether `nonce` is new for the session and `keep_until` (the signature's created
  // time and window: a replay carries the same); it is then kept until then. False: a
  // replay. On SQLite it costs no transaction of its own: it waits in memory (where
  // replays find it too) for WriteNonces, which writes all that wait in one. On
  // PostgreSQL (several nodes) it is a row at once, so that every node finds it.
  virtual Result<bool> RememberNonce(const std::string& session_id, const std::string& nonce,
                                     std::int64_t keep_until) = 0;
  // Commits the nonces that wait, without a sync of their own (the server calls it every
  // 50 ms, so another node sees them soon; a store writes them when it closes too). A
  // crash forgets at most the last 50 ms of them: api::Authenticator refuses signatures
  // created before it started, so those cannot be replayed after a restart.
  virtual Status WriteNonces() = 0;

  // Forgets tokens and sessions that expired before `now`, and nonces kept until then;
  // how many rows went.
  virtual Result<std::int64_t> PruneExpired(std::int64_t now) = 0;
};

// Webhook endpoints and their outbox (records.h). The outbox is filled by the event
// stores, in each event's transaction (an endpoint of the event's account that wants
// its type gets a delivery); this store reads it and records attempts.
class WebhookStore {
 public:
  virtual ~WebhookStore() = default;
  virtual Status Insert(const WebhookEndpointRecord& endpoint) = 0;
  virtual Result<std::optional<WebhookEndpointRecord>> Find(const std::string& id) = 0;
  // The endpoints of `account` (empty: every account), oldest first.
  virtual Result<std::vector<WebhookEndpointRecord>> List(const std::string& account) = 0;
  // Writes url, event_types, with_subject, description, notify and enabled (enabling
  // clears the reason it was disabled). kNotFound.
  virtual Status Update(const WebhookEndpointRecord& endpoint) = 0;
  virtual Status SetSecrets(const std::string& id, const std::string& sealed_secrets,
                            std::int64_t previous_valid_until) = 0;
  // The endpoint and its deliveries. kNotFound.
  virtual Status Delete(const std::string& id) = 0;

  // Pending deliveries due by `now`, of enabled endpoints, oldest due first.
  virtual Result<std::vector<WebhookDeliveryRecord>> Due(std::int64_t now, int limit) = 0;

  struct Outcome {
    WebhookAttemptRecord attempt;
    // delivered, pending (then next_attempt_at) or failed.
    std::string state;
    std::int64_t next_attempt_at = 0;
  };
  struct Disabling {
    std::string endpoint_id;
    std::string reason;
  };
  // The attempts' outcomes, the endpoints' last successes, and the endpoints disabled
  // (each with an audit record), in one transaction.
  virtual Status Record(const std::vector<Outcome>& outcomes,
                        const std::vector<Disabling>& disablings, std::int64_t now) = 0;

  // An endpoint's deliveries, newest first, created before `before_id`'s delivery
  // (empty: from the newest); `state` empty for every state.
  virtual Result<std::vector<WebhookDeliveryRecord>> Deliveries(const std::string& endpoint_id,
                                                               const std::string& state,
                                                               const std::string& before_id,
                                                               int limit) = 0;
  virtual Result<std::vector<WebhookAttemptRecord>> Attempts(const std::string& delivery_id) = 0;
  // The delivery goes again, now, with a fresh schedule. kNotFound (not the
  // endpoint's); kFailedPrecondition while it is pending.
  virtual Status Redeliver(const std::string& endpoint_id, const std::string& delivery_id,
                           std::int64_t now) = 0;
  // Whether an enabled endpoint of `account` wants subjects (so a message keeps one).
  virtual Result<bool> WantsSubjects(const std::string& account) = 0;
  // A message's kept subject, sealed (records.h MessageRecord::webhook_subject); "" when
  // none is kept (any more).
  virtual Result<std::string> SealedSubject(const std::string& message_id) = 0;
  // Finished deliveries older than `before`, with their attempts; how many went.
  virtual Result<std::int64_t> PruneFinished(std::int64_t before) = 0;
};

// Stretched answers (records.h, AnswerKeyRecord). Thread-safe.
class AnswerKeyStore {
 public:
  virtual ~AnswerKeyStore() = default;
  virtual Result<std::optional<AnswerKeyRecord>> Find(const std::string& tag) = 0;
  // Keeps `record` unless one with its tag is kept already (a racing first use):
  // either way, returns the one kept.
  virtual Result<AnswerKeyRecord> Keep(const AnswerKeyRecord& record) = 0;
};

class SigningKeyStore {
 public:
  virtual ~SigningKeyStore() = default;
  virtual Status Insert(const SigningKeyRecord& key) = 0;
  virtual Result<std::optional<SigningKeyRecord>> Find(const std::string& id) = 0;
  virtual Result<std::optional<SigningKeyRecord>> Newest() = 0;
};

class EventStore {
 public:
  virtual ~EventStore() = default;
  virtual Status Append(const EventRecord& event) = 0;
  virtual Result<std::vector<EventRecord>> ForMessage(const std::string& message_id) = 0;
};

// One new message with what is written with it (MessageStore::InsertAll).
struct NewMessage {
  const MessageRecord* message = nullptr;
  const std::vector<QueueEntry>* notices = nullptr;
  const std::vector<EventRecord>* events = nullptr;
  // The submitted message this one was made from, removed in the same transaction, so a
  // crash never processes a submission twice ("" for none).
  std::string consumed_inbound;
  // Who its events' audit records name (audit/pending.h), when not this thread's actor:
  // a batch holds messages of several senders.
  const audit::Actor* actor = nullptr;
  // Audit records written in its transaction after it: the records its way in had
  // pending when another thread commits it (a batch; audit::HandOver). Null for none.
  const std::vector<audit::AuditRecord>* records = nullptr;
};

// Messages, their recipients and the first queue entries are written together, so an
// accepted message always has its notices queued (or nothing exists at all).
class MessageStore {
 public:
  virtual ~MessageStore() = default;
  // Several messages in one transaction, all or none: the SMTP processor commits a batch
  // of submissions at once (the pages they share are written once). Durable unless each
  // one consumes a spooled submission (which is dispatched again if a crash undoes it).
  virtual Status InsertAll(const std::vector<NewMessage>& batch) = 0;
  Status InsertWithNotices(const MessageRecord& message, const std::vector<QueueEntry>& notices,
                           const std::vector<EventRecord>& events,
                           const std::string& consumed_inbound) {
    return InsertAll({{&message, &notices, &events, consumed_inbound}});
  }
  virtual Result<std::optional<MessageRecord>> Find(const std::string& id) = 0;
  // The messages `query` finds, with their recipients, newest first; at most its limit.
  virtual Result<std::vector<MessageRecord>> List(const MessageQuery& query) = 0;
  virtual Result<std::optional<RecipientRecord>> FindRecipient(const std::string& id) = 0;
  // Records one wrong answer or password; returns the new failure count. Locks the
  // recipient (status kLocked, locked_at) when the count reaches `lock_after`, and then
  // — the first time only — queues `lock_notice` (to the sender) in the same transaction.
  virtual Result<int> RecordFailure(const std::string& recipient_id, int lock_after,
                                    std::int64_t now,
                                    const std::optional<QueueEntry>& lock_notice = std::nullopt) = 0;
  virtual Status ResetFailures(const std::string& recipient_id) = 0;
  virtual Status SetStatus(const std::string& recipient_id, RecipientStatus status) = 0;
  // Records a view with its event; the first (the recipient was not yet "viewed") also
  // queues `receipt`, in the same transaction. Returns whether it was the first.
  virtual Result<bool> MarkViewed(const std::string& recipient_id, const EventRecord& event,
                                  const std::optional<QueueEntry>& receipt) = 0;
  // A new expiry, with its event. kNotFound; kFailedPrecondition once destroyed.
  virtual Status SetExpiry(const std::string& message_id, std::int64_t expires_at,
                           const EventRecord& event) = 0;
  // Destroys the message's keys (every recipient's wrapped key and answer hash) and
  // marks it destroyed — and retracted, with `retracted` — with its event, in one
  // transaction; its expiry becomes `now` at the latest; its queue entries not yet
  // sent (queued, deferred, standby) are superseded, content deleted. The caller
  // removes the blobs afterwards. kNotFound; kFailedPrecondition when already destroyed.
  virtual Status Destroy(const std::string& message_id, std::int64_t now, bool retracted,
                         const EventRecord& event) = 0;
  // A recipient deletes their copy: their wrapped key (and answer hash) destroyed,
  // status deleted, with its event, in one transaction. kFailedPrecondition when it is
  // already deleted or locked.
  virtual Status DeleteCopy(const std::string& recipient_id, const EventRecord& event) = 0;
  // Messages expired by `now` whose keys still exist, oldest expiry first.
  virtual Result<std::vector<std::string>> ExpiredUndestroyed(std::int64_t now, int limit) = 0;
  // A Message Center's contents for one account (issue 8): the messages of namespace
  // `namespace_name` sent to `address` whose copy the center holds (not deleted, locked,
  // expired or destroyed), and those `address` sent from the portal; newest first, at
  // most `limit`. Nothing of another namespace or address is ever read.
  virtual Result<std::vector<CenterItem>> CenterItems(const std::string& namespace_name,
                                                      const std::string& address, std::int64_t now,
                                                      int limit) = 0;
};

// Portal accounts of recipients (issue 7) and the links mailed to them.
class PortalAccountStore {
 public:
  virtual ~PortalAccountStore() = default;
  // A registration waiting for confirmation, beside any others for the address (none
  // replaces another). kAlreadyExists when the namespace has an account for it;
  // kResourceExhausted when `max_pending` live ones wait for it already.
  virtual Status AddRegistration(const PortalRegistrationRecord& registration,
                                 int max_pending) = 0;
  // A live registration by its link's hash, left in place (to show its form).
  virtual Result<std::optional<PortalRegistrationRecord>> FindRegistration(
      const std::string& token_hash, std::int64_t now) = 0;
  // Makes the live registration `token_hash` the confirmed account `account_id` and, in
  // the same transaction, drops every registration for its address (the link works
  // once). nullopt when unknown, used or expired; kAlreadyExists when the address has
  // an account by now.
  virtual Result<std::optional<PortalAccountRecord>> ConfirmRegistration(
      const std::string& token_hash, const std::string& account_id, std::int64_t now) = 0;
  virtual Result<std::optional<PortalAccountRecord>> Find(const std::string& id) = 0;
  // The namespace's account of `address` (case-insensitive); other namespaces' are
  // never seen.
  virtual Result<std::optional<PortalAccountRecord>> FindByAddress(const std::string& namespace_name,
                                                                   const std::string& address) = 0;
  virtual Status PutToken(const PortalTokenRecord& token) = 0;
  // A live token of that purpose, left in place (to show the form it leads to).
  virtual Result<std::optional<PortalTokenRecord>> FindToken(const std::string& hash,
                                                             const std::string& purpose,
                                                             std::int64_t now) = 0;
  // Takes a live token of that purpose: it is deleted in the same transaction, so it
  // works once. nullopt when unknown, used or expired.
  virtual Result<std::optional<PortalTokenRecord>> TakeToken(const std::string& hash,
                                                             const std::string& purpose,
                                                             std::int64_t now) = 0;
  // A new password; every reset token of the account is dropped with it.
  virtual Status SetPassword(const std::string& id, const std::string& password_hash) = 0;
  // Two-factor login on (a sealed secret and recovery code hashes) or off (empty).
  virtual Status SetTotp(const std::string& id, const std::string& sealed_totp,
                         const std::vector<std::string>& recovery_hashes) = 0;
  // Records `step` as used when it is newer than every step used before; false when it
  // is not (a replay). Atomic, so two logins cannot both use one code.
  virtual Result<bool> UseTotpStep(const std::string& id, std::int64_t step) = 0;
  // Removes one unused recovery code; false when it is not one.
  virtual Result<bool> UseRecoveryCode(const std::string& id, const std::string& hash) = 0;
  // A namespace's confirmed accounts, by address (recovery codes not read).
  virtual Result<std::vector<PortalAccountRecord>> ListConfirmed(
      const std::string& namespace_name) = 0;
  // An account brought in whole (issue 8: imported from the shared pool), with its
  // recovery code hashes; kAlreadyExists when its namespace has one for the address.
  virtual Status Import(const PortalAccountRecord& account) = 0;

  // Passkeys. kAlreadyExists when the credential id is kept already (by anyone);
  // kResourceExhausted when the account has `max_per_account` already.
  virtual Status AddPasskey(const PasskeyRecord& passkey, int max_per_account) = 0;
  virtual Result<std::vector<PasskeyRecord>> ListPasskeys(const std::string& account_id) = 0;
  virtual Result<std::optional<PasskeyRecord>> FindPasskey(const std::string& id) = 0;
  // Moves the counter from `seen` (what the sign-in was checked against) to `count`;
  // false when it is no longer `seen` (another sign-in with it came first). Atomic.
  virtual Result<bool> UsePasskey(const std::string& id, std::int64_t seen, std::int64_t count,
                                  std::int64_t at) = 0;
  // false when the account has no such passkey.
  virtual Result<bool> RemovePasskey(const std::string& account_id, const std::string& id) = 0;
};

// Portal sessions kept where every node finds them (issue 23: several nodes serve one
// portal). A row is keyed by the hash of the cookie's token and holds what the session
// carries sealed under a key derived from that token (portal/sessions.cc), which the
// server never keeps: the database alone opens none of them.
struct PortalSessionRecord {
  std::string token_hash;
  std::string kind;          // "message" (a recipient's copy opened) or "account" (signed in)
  std::string recipient_id;  // message sessions
  std::string account_id;    // the portal account it belongs to, if any
  std::string sealed;
  std::int64_t expires_at = 0;  // the idle limit, moved on by use
  std::int64_t ends_at = 0;     // the absolute limit
};

class PortalSessionStore {
 public:
  virtual ~PortalSessionStore() = default;
  virtual Status Put(const PortalSessionRecord& session) = 0;  // inserts or replaces
  // A session live at `now` (expires_at after it), or nullopt.
  virtual Result<std::optional<PortalSessionRecord>> Find(const std::string& token_hash,
                                                          std::int64_t now) = 0;
  // Moves a session's idle limit (never past its absolute one).
  virtual Status Touch(const std::string& token_hash, std::int64_t expires_at) = 0;
  virtual Status Remove(const std::string& token_hash) = 0;
  // Ends every session of the portal account, of either kind.
  virtual Status RemoveAccount(const std::string& account_id) = 0;
  // Sessions of `kind` live at `now`.
  virtual Result<std::int64_t> Count(const std::string& kind, std::int64_t now) = 0;
  // Forgets sessions that ended before `now`; how many.
  virtual Result<std::int64_t> PruneExpired(std::int64_t now) = 0;
};

// Secure web forms (issue 24) and the challenges their pages carried that were used.
class FormStore {
 public:
  virtual ~FormStore() = default;
  virtual Status Create(const FormRecord& form) = 0;  // kAlreadyExists: the name is taken
  virtual Result<std::optional<FormRecord>> Find(const std::string& name) = 0;
  // Every form, or an account's (by name).
  virtual Result<std::vector<FormRecord>> List(const std::string& account) = 0;
  virtual Status Update(const FormRecord& form) = 0;   // by id; kNotFound
  virtual Status Delete(const std::string& name) = 0;  // kNotFound
  // Marks a challenge used (until it expires); false when it was used already. Each
  // call also clears a few that expired before `now`.
  virtual Result<bool> UseChallenge(const std::string& id, std::int64_t expires_at,
                                    std::int64_t now) = 0;

  // What people sent (FormSubmissionRecord). Listed newest first, `limit` at most,
  // received before the cursor (`before_at`, `before_id`; 0 and "" for the newest).
  virtual Status AddSubmission(const FormSubmissionRecord& submission) = 0;
  virtual Result<std::optional<FormSubmissionRecord>> FindSubmission(const std::string& id) = 0;
  virtual Result<std::vector<FormSubmissionRecord>> ListSubmissions(const std::string& form_id,
                                                                    std::int64_t before_at,
                                                                    const std::string& before_id,
                                                                    std::size_t limit) = 0;
  virtual Status DeleteSubmission(const std::string& id) = 0;  // kNotFound
  // Those whose retention ended before `now`, oldest first, `limit` at most.
  virtual Result<std::vector<FormSubmissionRecord>> ExpiredSubmissions(std::int64_t now,
                                                                       std::size_t limit) = 0;

  // Secure requests (FormRequestRecord). A requester's newest first, `limit` at most.
  virtual Status AddRequest(const FormRequestRecord& request) = 0;
  virtual Result<std::optional<FormRequestRecord>> FindRequest(const std::string& id) = 0;
  virtual Result<std::optional<FormRequestRecord>> FindRequestByToken(
      const std::string& token_hash) = 0;
  virtual Result<std::vector<FormRequestRecord>> ListRequests(const std::string& requester,
                                                              std::size_t limit) = 0;
  // Marks a request answered by `submission_id`, once: false when it was already.
  virtual Result<bool> AnswerRequest(const std::string& id, const std::string& submission_id,
                                     std::int64_t at) = 0;
};

enum class OrgLevel { kAccount, kDomain, kUser };

class OrgStore {
 public:
  virtual ~OrgStore() = default;
  // kAlreadyExists when the name is taken; kNotFound when the parent is missing.
  virtual Status CreateAccount(const AccountRecord& account) = 0;
  virtual Status CreateDomain(const DomainRecord& domain) = 0;
  virtual Status CreateUser(const UserRecord& user) = 0;
  virtual Result<std::optional<AccountRecord>> FindAccount(const std::string& name) = 0;
  virtual Result<std::optional<DomainRecord>> FindDomain(const std::string& name) = 0;
  virtual Result<std::optional<UserRecord>> FindUser(const std::string& address) = 0;
  // The organisation, in name order: every account; the domains of `account` (empty:
  // all); the users of `domain`, else of `account` (both empty: all), their
  // smtp_password_hash "set" or empty, never the hash.
  virtual Result<std::vector<AccountRecord>> ListAccounts() = 0;
  virtual Result<std::vector<DomainRecord>> ListDomains(const std::string& account) = 0;
  virtual Result<std::vector<UserRecord>> ListUsers(const std::string& account,
                                                    const std::string& domain) = 0;
  // Deleting, each in one transaction; kNotFound when there is no such one. Messages are
  // the account's and stay (queued copies are still delivered, expiry and retention
  // still run, the audit trail keeps them); DKIM keys stay for the mail still queued.
  // A user: their SMTP login, console sign-in, personal address books and book links
  // go; the API clients bound to them are revoked, with their signed sessions and access
  // tokens, and so are the tokens the password grant gave them through any client.
  virtual Status DeleteUser(const std::string& address, std::int64_t now) = 0;
  // A domain: kFailedPrecondition while it has users. Its settings and books go.
  virtual Status DeleteDomain(const std::string& name) = 0;
  // An account: kFailedPrecondition while it has domains. Its settings, books and webhook
  // endpoints (with their deliveries) go; its API clients are revoked as a user's are.
  // Its name stays taken while a message carries it (CreateAccount: kAlreadyExists), so
  // a new account of that name never sees the old one's messages.
  virtual Status DeleteAccount(const std::string& name, std::int64_t now) = 0;
  // What the user may do in the web console (UserRecord::console_role; "" none).
  // kNotFound: no such user.
  virtual Status SetConsoleRole(const std::string& address, const std::string& role) = 0;
  // `hash`: an Argon2id PHC string; empty turns SMTP login off. kNotFound: no such user.
  virtual Status SetSmtpPassword(const std::string& address, const std::string& hash) = 0;
  // kNotFound when nothing has that name at that level.
  virtual Status SetSettings(OrgLevel level, const std::string& name,
                             const std::string& sealed_settings) = 0;
  virtual Status SetMxTls(const MxTlsRecord& record) = 0;
  virtual Result<std::optional<MxTlsRecord>> FindMxTls(const std::string& domain) = 0;
  // kNotFound when nothing is known of the domain.
  virtual Status ForgetMxTls(const std::string& domain) = 0;
  // Inserts or replaces the scope's identity of that kind.
  // Namespaces: created once (kAlreadyExists), then replaced whole by UpdateNamespace
  // (kNotFound). A host name already held by another namespace is kAlreadyExists.
  virtual Status CreateNamespace(const NamespaceRecord& ns) = 0;
  virtual Status UpdateNamespace(const NamespaceRecord& ns) = 0;
  virtual Result<std::optional<NamespaceRecord>> FindNamespace(const std::string& name) = 0;
  virtual Result<std::vector<NamespaceRecord>> ListNamespaces() = 0;
  // Stores `sealed_key` as the namespace's Message Center key unless it has one
  // already; returns the one it keeps (so two racing first uses agree). kNotFound.
  virtual Result<std::string> KeepNamespaceKey(const std::string& name,
                                               const std::string& sealed_key) = 0;
  // DKIM keys: any number per domain, one per selector (kAlreadyExists).
  virtual Status PutDkimKey(const DkimKeyRecord& key) = 0;
  // A domain's keys ("" for every domain's), by domain, algorithm, then age.
  virtual Result<std::vector<DkimKeyRecord>> DkimKeys(const std::string& domain) = 0;
  // kNotFound when the domain has no key of that selector.
  virtual Status DeleteDkimKey(const std::string& domain, const std::string& selector) = 0;
  // In one transaction: the domain's pending key `selector` becomes active and its
  // active keys of the same algorithm retire at `retire_at`. kNotFound when it has no
  // such pending key.
  virtual Status ActivateDkimKey(const std::string& domain, const std::string& selector,
                                 std::int64_t retire_at) = 0;
  virtual Status PutIdentity(const OrgIdentityRecord& identity) = 0;
  virtual Result<std::optional<OrgIdentityRecord>> FindIdentity(const std::string& scope,
                                                                const std::string& kind) = 0;
};

// The dashboard's counts (records.h: DashboardFacts) of `account`'s messages (every
// account's when empty) created since `since`; `now` decides what has expired.
class DashboardStore {
 public:
  virtual ~DashboardStore() = default;
  virtual Result<DashboardFacts> Facts(const std::string& account, std::int64_t since,
                                       std::int64_t now) = 0;
};

class AddressBookStore {
 public:
  virtual ~AddressBookStore() = default;
  virtual Status CreateBook(const AddressBookRecord& book) = 0;  // kAlreadyExists
  virtual Result<std::optional<AddressBookRecord>> FindBook(const std::string& owner_level,
                                                            const std::string& owner,
                                                            const std::string& name) = 0;
  virtual Result<std::optional<AddressBookEntryRecord>> FindEntry(const std::string& book_id,
                                                                  const std::string& address) = 0;
  virtual Result<std::vector<AddressBookEntryRecord>> ListEntries(const std::string& book_id) = 0;
  // A page of the book's entries in address order, after `after` ("" from the first),
  // without their sealed data; and how many entries the book has in all.
  struct EntryPage {
    std::int64_t total = 0;
    std::vector<AddressBookEntryRecord> entries;
  };
  virtual Result<EntryPage> PageEntries(const std::string& book_id, const std::string& after,
                                        int limit) = 0;
  // kNotFound when the book has no entry for the address.
  virtual Status RemoveEntry(const std::string& book_id, const std::string& address) = 0;
  // Inserts or replaces entries, all in one transaction.
  virtual Status PutEntries(const std::vector<AddressBookEntryRecord>& entries) = 0;
  // Replaces the user's link to the book; a user has at most one default and one
  // preferred book (setting a new one demotes the old to "subscribed").
  virtual Status LinkUser(const UserBookRecord& link) = 0;
  virtual Result<std::vector<UserBookRecord>> UserBooks(const std::string& user) = 0;
  // kNotFound when the user has no link to the book.
  virtual Status UnlinkUser(const std::string& user, const std::string& book_id) = 0;
};

// What removing a submission that is gone already says (kNotFound): another pass or node
// processed it.
inline constexpr const char* kAlreadyProcessed = "submission already processed";

// Messages received by SMTP, between their 250 and the policy engine.
class InboundStore {
 public:
  virtual ~InboundStore() = default;
  // All in one transaction: one sync for every message of the batch (group commit).
  virtual Status InsertBatch(const std::vector<InboundRecord>& records) = 0;
  // Waiting at `now` (next_attempt_at <= now), oldest first; never dead letters.
  virtual Result<std::vector<InboundRecord>> Due(std::int64_t now, int limit) = 0;
  // Takes up to `limit` of them for processing: in one transaction each is due next at
  // `lease_until`, so no other node (or pass) takes it meanwhile; one whose processor
  // died is due again then. Processing removes it (Complete, or the message's insert),
  // defers it or buries it.
  virtual Result<std::vector<InboundRecord>> Claim(std::int64_t now, int limit,
                                                   std::int64_t lease_until) = 0;
  virtual Status Defer(const std::string& id, std::int64_t next_attempt_at,
                       const std::string& error) = 0;
  // A submission tried too often: it becomes a dead letter (kept, never tried again
  // by itself) and the notices to its sender are queued, in one transaction.
  virtual Status Bury(const std::string& id, std::int64_t now, const std::string& error,
                      const std::vector<QueueEntry>& notices,
                      const std::vector<EventRecord>& events) = 0;
  // Dead letters, newest first (content included, still sealed).
  virtual Result<std::vector<InboundRecord>> DeadLetters(int limit) = 0;
  // A dead letter is tried again from now, its count of attempts started afresh.
  // kNotFound when `id` is no dead letter.
  virtual Status Revive(const std::string& id, std::int64_t now) = 0;
  // Ends a submission that produced no escrow message: its queue entries (plain copies,
  // bounce notices) and events are written and the submission removed, together.
  virtual Status Complete(const std::string& id, const std::vector<QueueEntry>& queue,
                          const std::vector<EventRecord>& events) = 0;
  virtual Result<std::int64_t> Count() = 0;
  // Submissions waiting to be processed (dead letters do not wait).
  virtual Result<std::int64_t> Waiting() = 0;
};

// Entries in one state that is not final, and when the oldest was queued (metrics).
struct QueueStateCount {
  QueueState state = QueueState::kQueued;
  std::int64_t entries = 0;
  std::int64_t oldest_created_at = 0;
};

class QueueStore {
 public:
  virtual ~QueueStore() = default;
  // Entries due at `now` (queued or deferred with next_attempt_at <= now, or in flight
  // with an expired lease), oldest first.
  virtual Result<std::vector<QueueEntry>> Due(std::int64_t now, int limit) = 0;
  // Takes up to `limit` due entries for delivery: in one transaction they become
  // in_flight with a lease until `lease_until`, so no other runner takes them.
  virtual Result<std::vector<QueueEntry>> Claim(std::int64_t now, int limit,
                                                std::int64_t lease_until) = 0;
  // Records attempts' results, queues new entries (DSNs) and appends events, in one
  // transaction. Each attempt counts; a final state (delivered, bounced, expired)
  // deletes the content, keeping the envelope, the state and the report. A delivered
  // entry of a recipient moves it on (queued → delivered, notice_queued →
  // notice_delivered) and records the event, in the same transaction.
  virtual Status Record(const std::vector<QueueUpdate>& updates,
                        const std::vector<QueueEntry>& new_entries,
                        const std::vector<EventRecord>& events) = 0;
  // Makes the content that final states deleted unrecoverable from the store's files
  // too (a delivered notice carries its link secret under a key the server holds).
  virtual Status ScrubDeleted() = 0;
  // Content blobs no entry holds a key to any more (every entry that referred to one
  // has ended), at most `limit`: the caller removes the blobs, then forgets them.
  virtual Result<std::vector<std::string>> SpentContent(int limit) = 0;
  // Entries waiting to leave at `now`: queued, in flight, or deferred and due.
  virtual Result<std::int64_t> Waiting(std::int64_t now) = 0;
  // Entries in each state that is not final (states with none are left out).
  virtual Result<std::vector<QueueStateCount>> CountByState() = 0;
  virtual Status ForgetContent(const std::vector<std::string>& blob_ids) = 0;
  // After a restart: what this node had in flight is due again now. Returns how many.
  virtual Result<int> ReleaseInFlight(std::int64_t now) = 0;
  virtual Result<std::optional<QueueEntry>> Find(const std::string& id) = 0;
  // Entries of one message, for its delivery reports.
  virtual Result<std::vector<QueueEntry>> ForMessage(const std::string& message_id) = 0;
  // For administrators: the newest `limit` entries, all or in one state.
  virtual Result<std::vector<QueueEntry>> List(std::optional<QueueState> state, int limit) = 0;
  // Due now, whatever its backoff said. kNotFound; kFailedPrecondition unless queued or
  // deferred.
  virtual Status RetryNow(const std::string& id, std::int64_t now) = 0;
  // Removes an entry that has not reached a final state, with its content, recording
  // `event` (if it belongs to a message) in the same transaction.
  virtual Status Delete(const std::string& id, const EventRecord& event) = 0;
};

// MTA-STS policies until they expire.
class MtaStsStore {
 public:
  virtual ~MtaStsStore() = default;
  virtual Status Put(const MtaStsPolicyRecord& policy) = 0;  // replaces the domain's
  // Unexpired policies, those expiring last first, at most `limit`; expired ones go.
  virtual Result<std::vector<MtaStsPolicyRecord>> Unexpired(std::int64_t now, int limit) = 0;
};

// TLS session tallies until they are reported (RFC 8460).
class TlsReportStore {
 public:
  virtual ~TlsReportStore() = default;
  // Adds the counts to what is kept for the same day, domain, policy, host and result.
  virtual Status AddSessions(const std::vector<TlsSessionCount>& counts) = 0;
  // Days with tallies, before `before_day` ("YYYY-MM-DD"), oldest first.
  virtual Result<std::vector<std::string>> DaysBefore(const std::string& before_day) = 0;
  // A day's tallies, removed in the same transaction: each is reported once. What they
  // came to is kept (Tallies) for thirteen months.
  virtual Result<std::vector<TlsSessionCount>> TakeDay(const std::string& day) = 0;
  // Days from `since_day` on, reported and still counted, newest day first, then by
  // domain.
  virtual Result<std::vector<TlsTally>> Tallies(const std::string& since_day) = 0;
};

// Keys kept sealed in the database, and what a master-key rotation needs: every sealed
// column read and rewritten by row (app/key_rotation.h names the columns), and the
// processes that seal, with the master key each seals with.
class KeyStore {
 public:
  virtual ~KeyStore() = default;
  virtual Result<std::optional<std::string>> FindSealedKey(const std::string& name) = 0;
  // Keeps `sealed` under `name` unless a key is kept there already (a racing first
  // use): either way, returns the one kept.
  virtual Result<std::string> KeepSealedKey(const std::string& name, const std::string& sealed) = 0;

  // Rows of `column` holding a value, after `after_row`, in row order, at most `limit`.
  virtual Result<std::vector<SealedCell>> SealedCells(const SealedColumn& column,
                                                      std::int64_t after_row, int limit) = 0;
  virtual Result<std::int64_t> CountSealed(const SealedColumn& column) = 0;
  // Writes each new value where the old one is still in place, in one transaction;
  // returns how many were written (a row changed or gone meanwhile is left).
  virtual Result<std::int64_t> ReplaceSealed(const SealedColumn& column,
                                             const std::vector<SealedReplacement>& changes) = 0;

  virtual Status PutHolder(const KeyHolderRecord& holder) = 0;  // replaces the holder's
  virtual Status RemoveHolder(const std::string& holder) = 0;
  virtual Result<std::vector<KeyHolderRecord>> Holders() = 0;
};

// The audit trail (issue 21). Records go in with the change they record: Expect puts
// them on this thread's next transaction (Database's before-commit hook writes them in
// it); Append writes one in a transaction of its own (what changes nothing: a refused
// sign-in, a message read).
// A search of the trail: every field set must match (`action` ending ".*" matches the
// family: "message.*"); newest first, `limit` at a time, from before `before_seq` (the
// last seq of the page before; 0 for the newest).
struct AuditQuery {
  std::int64_t from = 0;  // at >= from
  std::int64_t to = 0;    // at < to; 0: no end
  std::string actor, account, message_id, recipient, action, result;
  std::int64_t before_seq = 0;
  int limit = 100;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  // Writes `record` (its seq and hashes filled in) in a transaction of its own.
  virtual Status Append(audit::AuditRecord record) = 0;
  // The same, without waiting for the disk (synced with the next durable commit): for
  // what changes nothing, such as a refused sign-in, so that a flood of them costs no
  // sync each. A power failure may lose the last of these, never a change's record.
  virtual Status Note(audit::AuditRecord record) = 0;
  virtual Result<std::vector<audit::AuditRecord>> Search(const AuditQuery& query) = 0;
  // How many records match (`before_seq` and `limit` aside): for an export's progress.
  virtual Result<std::int64_t> Count(const AuditQuery& query) = 0;
  // The newest record written before `at`, or 0.
  virtual Result<std::int64_t> LastBefore(std::int64_t at) = 0;
  // Retention: keeps `cut` (a checkpoint signed at the last record to go) as the point
  // the chain now verifies from, and removes every record up to it and the checkpoints
  // before it, in one transaction (with this thread's pending records: the prune's own);
  // returns how many records went.
  virtual Result<std::int64_t> Prune(const audit::Checkpoint& cut) = 0;
  // How far the trail has been forwarded to `target` (the last seq given it; 0: none).
  virtual Result<std::int64_t> ForwardedThrough(const std::string& target) = 0;
  virtual Status SetForwardedThrough(const std::string& target, std::int64_t seq) = 0;
  // Oldest first, after `after_seq`, at most `limit`.
  virtual Result<std::vector<audit::AuditRecord>> Read(std::int64_t after_seq, int limit) = 0;
  // Newest first, before `before_seq` (0: from the newest), at most `limit`.
  virtual Result<std::vector<audit::AuditRecord>> Newest(std::int64_t before_seq, int limit) = 0;
  // The last record's seq and hash; {0, genesis} when there is none.
  virtual Result<std::pair<std::int64_t, std::string>> Head() = 0;
  virtual Status PutCheckpoint(const audit::Checkpoint& checkpoint) = 0;
  virtual Result<std::vector<audit::Checkpoint>> Checkpoints() = 0;
};

}  // namespace sealpost
