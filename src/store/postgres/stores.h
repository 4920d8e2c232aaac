// The stores with a PostgreSQL implementation so far (issue 23). Each passes the same
// conformance tests as its SQLite twin (store/conformance_test.cc).
#pragma once

#include <memory>

#include "store/blob_store.h"
#include "store/postgres/database.h"
#include "store/stores.h"

namespace sealpost::pg {

std::unique_ptr<AddressBookStore> NewAddressBookStore(Database& db);
std::unique_ptr<FormStore> NewFormStore(Database& db);
std::unique_ptr<TlsReportStore> NewTlsReportStore(Database& db);
std::unique_ptr<MtaStsStore> NewMtaStsStore(Database& db);
// Blobs in the database, in chunks (store/postgres/blob_store.cc says why).
std::unique_ptr<BlobStore> NewBlobStore(Database& db);

}  // namespace sealpost::pg
