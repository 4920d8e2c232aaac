// Contacts in PostgreSQL: store/sql/contact_store.h over pg::Backend.
#include "store/sql/contact_store.h"

#include "store/postgres/backend.h"
#include "store/postgres/stores.h"

namespace sealpost::pg {

std::unique_ptr<ContactStore> NewContactStore(Database& db) {
  return std::make_unique<sql::contacts::Store<Backend>>(db);
}

}  // namespace sealpost::pg
