// The server's keys and stores, opened from its configuration in one way that `serve`
// and every `admin` command share: the master key's derived keys (both generations
// while a rotation is under way, app/key_rotation.h) with the lookup key, the database with a
// store over it for each kind of record, and the blob store. The database is SQLite (a
// file: one node) or PostgreSQL (`[storage] database = "postgresql://..."`: any number of
// nodes sharing it, with the blobs in it too; issue 23).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "crypto/key_ring.h"
#include "store/blob_store.h"
#include "store/postgres/database.h"
#include "store/sqlite/database.h"
#include "store/stores.h"

namespace sealpost {

struct Config;
class ContactStore;
class CampaignStore;
class LimitEventStore;

struct Stores {
  explicit Stores(KeyRing k);
  ~Stores();

  KeyRing keys;
  // The stores below work over one of these.
  std::unique_ptr<sqlite::Database> db;  // SQLite, or null
  std::unique_ptr<pg::Database> pg;      // PostgreSQL, or null
  std::unique_ptr<OrgStore> org;
  std::unique_ptr<ApiClientStore> api_clients;
  std::unique_ptr<SigningKeyStore> signing_keys;
  std::unique_ptr<MessageStore> messages;
  std::unique_ptr<EventStore> events;
  std::unique_ptr<QueueStore> queue;
  std::unique_ptr<InboundStore> inbound;  // SMTP submissions not yet processed
  std::unique_ptr<AddressBookStore> address_books;
  std::unique_ptr<PortalAccountStore> portal_accounts;
  std::unique_ptr<PortalSessionStore> portal_sessions;  // used when several nodes serve
  std::unique_ptr<AnswerKeyStore> answer_keys;
  std::unique_ptr<MtaStsStore> mta_sts;
  std::unique_ptr<TlsReportStore> tls_reports;
  std::unique_ptr<WebhookStore> webhooks;  // endpoints and their outbox
  std::unique_ptr<FormStore> forms;
  std::unique_ptr<ContactStore> contacts;     // store/contact_store.h
  std::unique_ptr<CampaignStore> campaigns;   // store/campaign_store.h
  std::unique_ptr<DashboardStore> dashboard;  // the console's counts
  std::unique_ptr<KeyStore> key_store;        // sealed keys, and who seals with which master key
  std::unique_ptr<AuditStore> audit;          // made first: every transaction writes its records
  std::unique_ptr<BlobStore> blobs;
  // What each node's guards and rate limits counted (app/limit_exchange.h): PostgreSQL
  // only, null on SQLite (one node).
  std::unique_ptr<LimitEventStore> limit_events;
};

// Reads the master key(s), opens (and migrates) the database and the blob directory,
// and unseals the lookup key.
Result<std::unique_ptr<Stores>> OpenStores(const Config& config);

// This node's name among nodes sharing a database: its host and its configuration's
// directory (two nodes on one host have two directories).
std::string NodeName(const Config& config);

// Whether `database` (the configuration's) names a PostgreSQL database: a libpq URI.
bool IsPostgresUri(const std::string& database);

// A worker's pass that must run on one node at a time (the expiry sweep, TLS reports,
// audit checkpoints, webhooks, campaigns): on PostgreSQL it runs holding the job's
// advisory lock, and a node that finds another holding it skips the pass (returns false);
// a node that dies lets the lock go with its connection. On SQLite (one node) it just runs.
std::function<bool()> OnOneNode(Stores& stores, std::string job, std::function<bool()> pass);

// Commits this thread's pending audit records (audit/pending.h) in a transaction of
// their own: for what is recorded without changing anything in a store.
Status CommitPendingAudit(Stores& stores);

}  // namespace sealpost
