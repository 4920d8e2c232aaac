// The dashboard's counts in PostgreSQL: store/sql/dashboard_store.h over pg::Backend.
#include "store/sql/dashboard_store.h"

#include "store/postgres/backend.h"
#include "store/postgres/stores.h"

namespace sealpost::pg {

std::unique_ptr<DashboardStore> NewDashboardStore(Database& db) {
  return std::make_unique<sql::dashboard::Store<Backend>>(db);
}

}  // namespace sealpost::pg
