// The dashboard's counts in SQLite: store/sql/dashboard_store.h over sqlite::Backend.
#include "store/sql/dashboard_store.h"

#include "store/sqlite/backend.h"
#include "store/sqlite/stores.h"

namespace sealpost::sqlite {

std::unique_ptr<DashboardStore> NewDashboardStore(Database& db) {
  return std::make_unique<sql::dashboard::Store<Backend>>(db);
}

}  // namespace sealpost::sqlite
