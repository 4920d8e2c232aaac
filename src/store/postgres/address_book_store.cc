// Address books in PostgreSQL: store/sql/address_book_store.h over pg::Backend.
#include "store/sql/address_book_store.h"

#include "store/postgres/backend.h"
#include "store/postgres/stores.h"

namespace sealpost::pg {

std::unique_ptr<AddressBookStore> NewAddressBookStore(Database& db) {
  return std::make_unique<sql::books::Store<Backend>>(db);
}

}  // namespace sealpost::pg
