// How mail enters the outbound queue: a new entry with its content boxed under the
// queue key, bound to the entry's id (so contents cannot be swapped between entries).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"
#include "store/records.h"

namespace sealpost {

// A new queue entry for `mail`, due at `now`.
Result<QueueEntry> SealQueueEntry(const SecretBytes& queue_key, const std::string& mail_from,
                                  const std::string& rcpt_to, std::string_view mail,
                                  std::int64_t now);

}  // namespace sealpost
