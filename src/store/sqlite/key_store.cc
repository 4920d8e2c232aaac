// The KeyStore in SQLite: store/sql/key_store.h over sqlite::Backend.
#include "store/sql/key_store.h"

#include "store/sqlite/backend.h"
#include "store/sqlite/stores.h"

namespace sealpost::sqlite {

std::unique_ptr<KeyStore> NewKeyStore(Database& db) {
  return std::make_unique<sql::keys::Store<Backend>>(db);
}

}  // namespace sealpost::sqlite
