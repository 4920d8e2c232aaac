// Ids that tie log lines together: one per HTTP request (echoed to the client as
// X-Request-Id) and one per SMTP session. Random, so they say nothing about volume or
// order; not secrets.
#pragma once

#include <string>

namespace sealpost {

// 16 hex digits.
std::string NewLogId();

}  // namespace sealpost
