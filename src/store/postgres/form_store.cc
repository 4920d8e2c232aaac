// Secure web forms in PostgreSQL: store/sql/form_store.h over pg::Backend.
#include "store/sql/form_store.h"

#include "store/postgres/backend.h"
#include "store/postgres/stores.h"

namespace sealpost::pg {

std::unique_ptr<FormStore> NewFormStore(Database& db) {
  return std::make_unique<sql::forms::Store<Backend>>(db);
}

}  // namespace sealpost::pg
