// Campaigns in SQLite: store/sql/campaign_store.h over sqlite::Backend.
#include "store/sql/campaign_store.h"

#include "store/sqlite/backend.h"
#include "store/sqlite/stores.h"

namespace sealpost::sqlite {

std::unique_ptr<CampaignStore> NewCampaignStore(Database& db) {
  return std::make_unique<sql::campaigns::Store<Backend>>(db);
}

}  // namespace sealpost::sqlite
