// Campaigns in PostgreSQL: store/sql/campaign_store.h over pg::Backend.
#include "store/sql/campaign_store.h"

#include "store/postgres/backend.h"
#include "store/postgres/stores.h"

namespace sealpost::pg {

std::unique_ptr<CampaignStore> NewCampaignStore(Database& db) {
  return std::make_unique<sql::campaigns::Store<Backend>>(db);
}

}  // namespace sealpost::pg
