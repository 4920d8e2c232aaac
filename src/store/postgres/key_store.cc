// The KeyStore in PostgreSQL: store/sql/key_store.h over pg::Backend.
#include "store/sql/key_store.h"

#include "store/postgres/backend.h"
#include "store/postgres/stores.h"

namespace sealpost::pg {

std::unique_ptr<KeyStore> NewKeyStore(Database& db) {
  return std::make_unique<sql::keys::Store<Backend>>(db);
}

}  // namespace sealpost::pg
