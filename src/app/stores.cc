#include "app/stores.h"

#include "app/config.h"
#include "app/key_rotation.h"
#include "store/campaign_store.h"
#include "store/contact_store.h"
#include "store/sqlite/stores.h"

namespace sealpost {

Stores::Stores(KeyRing k) : keys(std::move(k)) {}
Stores::~Stores() = default;

Result<std::unique_ptr<Stores>> OpenStores(const Config& config) {
  auto masters = LoadMasterKeys(config.Resolve(config.master_key));
  if (!masters.ok()) return std::move(masters).error();
  auto keys = KeyRing::Derive(*masters);
  if (!keys.ok()) return std::move(keys).error();
  auto s = std::make_unique<Stores>(std::move(*keys));
  auto db = sqlite::Database::Open(config.Resolve(config.database));
  if (!db.ok()) return std::move(db).error();
  s->db = std::move(*db);
  sqlite::Database& d = *s->db;
  s->audit = sqlite::NewAuditStore(d);
  s->org = sqlite::NewOrgStore(d);
  s->api_clients = sqlite::NewApiClientStore(d);
  s->webhooks = sqlite::NewWebhookStore(d);
  s->forms = sqlite::NewFormStore(d);
  s->contacts = sqlite::NewContactStore(d);
  s->campaigns = sqlite::NewCampaignStore(d);
  s->dashboard = sqlite::NewDashboardStore(d);
  s->signing_keys = sqlite::NewSigningKeyStore(d);
  s->messages = sqlite::NewMessageStore(d);
  s->events = sqlite::NewEventStore(d);
  s->queue = sqlite::NewQueueStore(d);
  s->inbound = sqlite::NewInboundStore(d);
  s->address_books = sqlite::NewAddressBookStore(d);
  s->portal_accounts = sqlite::NewPortalAccountStore(d);
  s->answer_keys = sqlite::NewAnswerKeyStore(d);
  s->mta_sts = sqlite::NewMtaStsStore(d);
  s->tls_reports = sqlite::NewTlsReportStore(d);
  s->key_store = sqlite::NewKeyStore(d);
  if (auto lookup = LoadLookupKey(*s->key_store, s->keys, masters->front()); !lookup.ok()) {
    return std::move(lookup).error();
  }
  auto blobs = NewFileBlobStore(config.Resolve(config.blobs));
  if (!blobs.ok()) return std::move(blobs).error();
  s->blobs = std::move(*blobs);
  return s;
}

}  // namespace sealpost
