#include "app/open_stores.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "app/config.h"
#include "app/key_rotation.h"
#include "store/campaign_store.h"
#include "store/contact_store.h"
#include "store/limit_events.h"
#include "store/postgres/schema.h"
#include "store/postgres/stores.h"
#include "store/sqlite/stores.h"

namespace sealpost {

Stores::Stores(KeyRing k) : keys(std::move(k)) {}
Stores::~Stores() = default;

namespace {

// Each backend's store makers, so that both open the same set in the same order.
template <typename Db>
struct Makers {
  std::unique_ptr<AuditStore> (*audit)(Db&);
  std::unique_ptr<OrgStore> (*org)(Db&);
  std::unique_ptr<ApiClientStore> (*api_clients)(Db&);
  std::unique_ptr<WebhookStore> (*webhooks)(Db&);
  std::unique_ptr<FormStore> (*forms)(Db&);
  std::unique_ptr<ContactStore> (*contacts)(Db&);
  std::unique_ptr<CampaignStore> (*campaigns)(Db&);
  std::unique_ptr<DashboardStore> (*dashboard)(Db&);
  std::unique_ptr<SigningKeyStore> (*signing_keys)(Db&);
  std::unique_ptr<MessageStore> (*messages)(Db&);
  std::unique_ptr<EventStore> (*events)(Db&);
  std::unique_ptr<QueueStore> (*queue)(Db&);
  std::unique_ptr<InboundStore> (*inbound)(Db&);
  std::unique_ptr<AddressBookStore> (*address_books)(Db&);
  std::unique_ptr<PortalAccountStore> (*portal_accounts)(Db&);
  std::unique_ptr<PortalSessionStore> (*portal_sessions)(Db&);
  std::unique_ptr<AnswerKeyStore> (*answer_keys)(Db&);
  std::unique_ptr<MtaStsStore> (*mta_sts)(Db&);
  std::unique_ptr<TlsReportStore> (*tls_reports)(Db&);
  std::unique_ptr<KeyStore> (*key_store)(Db&);
};

#define SEALPOST_MAKERS(ns)                                                                 \
  {                                                                                         \
    ns::NewAuditStore, ns::NewOrgStore, ns::NewApiClientStore, ns::NewWebhookStore,         \
        ns::NewFormStore, ns::NewContactStore, ns::NewCampaignStore, ns::NewDashboardStore, \
        ns::NewSigningKeyStore, ns::NewMessageStore, ns::NewEventStore, ns::NewQueueStore,  \
        ns::NewInboundStore, ns::NewAddressBookStore, ns::NewPortalAccountStore,            \
        ns::NewPortalSessionStore, ns::NewAnswerKeyStore, ns::NewMtaStsStore,               \
        ns::NewTlsReportStore, ns::NewKeyStore                                              \
  }
const Makers<sqlite::Database> sqlite_stores = SEALPOST_MAKERS(sqlite);
const Makers<pg::Database> pg_stores = SEALPOST_MAKERS(pg);
#undef SEALPOST_MAKERS

template <typename Db>
void OpenOn(Stores& s, Db& d, const Makers<Db>& m) {
  s.audit = m.audit(d);  // first: it hooks every transaction
  s.org = m.org(d);
  s.api_clients = m.api_clients(d);
  s.webhooks = m.webhooks(d);
  s.forms = m.forms(d);
  s.contacts = m.contacts(d);
  s.campaigns = m.campaigns(d);
  s.dashboard = m.dashboard(d);
  s.signing_keys = m.signing_keys(d);
  s.messages = m.messages(d);
  s.events = m.events(d);
  s.queue = m.queue(d);
  s.inbound = m.inbound(d);
  s.address_books = m.address_books(d);
  s.portal_accounts = m.portal_accounts(d);
  s.portal_sessions = m.portal_sessions(d);
  s.answer_keys = m.answer_keys(d);
  s.mta_sts = m.mta_sts(d);
  s.tls_reports = m.tls_reports(d);
  s.key_store = m.key_store(d);
}

}  // namespace

Result<std::unique_ptr<Stores>> OpenStores(const Config& config) {
  auto masters = LoadMasterKeys(config.Resolve(config.master_key));
  if (!masters.ok()) return std::move(masters).error();
  auto keys = KeyRing::Derive(*masters);
  if (!keys.ok()) return std::move(keys).error();
  auto s = std::make_unique<Stores>(std::move(*keys));
  if (IsPostgresUri(config.database)) {
    pg::Database::Options options;
    options.conninfo = config.database;
    options.pool_size = config.database_connections;
    auto db = pg::Database::Open(options, pg::Migrations());
    if (!db.ok()) return std::move(db).error();
    s->pg = std::move(*db);
    OpenOn(*s, *s->pg, pg_stores);
    // The entries this node takes are marked as its own: when it starts again it
    // releases those, and leaves the other nodes' alone.
    s->queue = pg::NewQueueStore(*s->pg, NodeName(config));
    s->blobs = pg::NewBlobStore(*s->pg);  // every node reads what any node wrote
    s->limit_events = pg::NewLimitEventStore(*s->pg);
  } else {
    auto db = sqlite::Database::Open(config.Resolve(config.database));
    if (!db.ok()) return std::move(db).error();
    s->db = std::move(*db);
    OpenOn(*s, *s->db, sqlite_stores);
    auto blobs = NewFileBlobStore(config.Resolve(config.blobs));
    if (!blobs.ok()) return std::move(blobs).error();
    s->blobs = std::move(*blobs);
  }
  if (auto lookup = LoadLookupKey(*s->key_store, s->keys, masters->front()); !lookup.ok()) {
    return std::move(lookup).error();
  }
  return s;
}

std::string NodeName(const Config& config) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + ":" + config.dir;
}

bool IsPostgresUri(const std::string& database) {
  return database.rfind("postgresql://", 0) == 0 || database.rfind("postgres://", 0) == 0;
}

std::function<bool()> OnOneNode(Stores& stores, std::string job, std::function<bool()> pass) {
  if (!stores.pg) return pass;
  return [&stores, job = std::move(job), pass = std::move(pass)] {
    auto lock = stores.pg->TryJobLock(job);
    if (!lock.ok()) {
      spdlog::error("{}: cannot take the job's lock: {}", job, lock.error().ToString());
      return false;
    }
    if (!*lock) return false;  // another node is at it
    return pass();
  };
}

Status CommitPendingAudit(Stores& stores) {
  // The empty transaction's before-commit hook writes the pending records.
  if (stores.pg) return stores.pg->Transaction([](pg::Connection&) { return OkStatus(); });
  return stores.db->Transaction([](sqlite::Connection&) { return OkStatus(); });
}

}  // namespace sealpost
