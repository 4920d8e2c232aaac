// Contacts in SQLite: store/sql/contact_store.h over sqlite::Backend.
#include "store/sql/contact_store.h"

#include "store/sqlite/backend.h"
#include "store/sqlite/stores.h"

namespace sealpost::sqlite {

std::unique_ptr<ContactStore> NewContactStore(Database& db) {
  return std::make_unique<sql::contacts::Store<Backend>>(db);
}

}  // namespace sealpost::sqlite
