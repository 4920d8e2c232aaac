// Secure web forms in SQLite: store/sql/form_store.h over sqlite::Backend.
#include "store/sql/form_store.h"

#include "store/sqlite/backend.h"
#include "store/sqlite/stores.h"

namespace sealpost::sqlite {

std::unique_ptr<FormStore> NewFormStore(Database& db) {
  return std::make_unique<sql::forms::Store<Backend>>(db);
}

}  // namespace sealpost::sqlite
