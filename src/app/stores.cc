#include "app/stores.h"

#include "app/config.h"
#include "store/sqlite/stores.h"

namespace sealpost {

Result<std::unique_ptr<Stores>> OpenStores(const Config& config) {
  auto master = LoadMasterKeyFile(config.Resolve(config.master_key));
  if (!master.ok()) return std::move(master).error();
  auto keys = KeyRing::Derive(*master);
  if (!keys.ok()) return std::move(keys).error();
  auto s = std::make_unique<Stores>(std::move(*keys));
  auto db = sqlite::Database::Open(config.Resolve(config.database));
  if (!db.ok()) return std::move(db).error();
  s->db = std::move(*db);
  sqlite::Database& d = *s->db;
  s->org = sqlite::NewOrgStore(d);
  s->api_keys = sqlite::NewApiKeyStore(d);
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
  auto blobs = NewFileBlobStore(config.Resolve(config.blobs));
  if (!blobs.ok()) return std::move(blobs).error();
  s->blobs = std::move(*blobs);
  return s;
}

}  // namespace sealpost
