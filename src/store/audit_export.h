// The audit trail exported as it is read: a response body that pages through the
// records matching a query, newest first, 1,000 at a time, as JSON Lines or CSV — so an
// export of millions of records takes constant memory. Shared by the API's and the
// console's export.
#pragma once

#include <functional>
#include <string>

#include "base/result.h"
#include "store/stores.h"

namespace sealpost {

// A producer for http::Response::producer. `store` must outlive it.
std::function<Result<bool>(std::string& chunk)> AuditExportProducer(AuditStore& store,
                                                                    AuditQuery query, bool csv);

}  // namespace sealpost
