// Address books in SQLite: store/sql/address_book_store.h over sqlite::Backend.
#include "store/sql/address_book_store.h"

#include "store/sqlite/backend.h"
#include "store/sqlite/stores.h"

namespace sealpost::sqlite {

std::unique_ptr<AddressBookStore> NewAddressBookStore(Database& db) {
  return std::make_unique<sql::books::Store<Backend>>(db);
}

}  // namespace sealpost::sqlite
