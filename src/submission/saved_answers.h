// The sender's "save to my address book": after a message is committed, its question
// and answer are kept in the sender's default book for its escrow recipients, so the
// next message to them asks nothing. Shared by every way in that can ask (the API, the
// console).
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace sealpost {
struct SubmitResult;
}
namespace sealpost::policy {
class RecipientPlanner;
}

namespace sealpost::submission {

struct Submission;

// Keeps `m`'s question and answer for `sent`'s escrow recipients, on record in the
// audit trail as this thread's actor (audit::ActingAs) did it — the count, never the
// answer. Returns the book's name. Blocking (database): off the event loop. A failure
// here must not undo the message, which is already committed.
Result<std::string> SaveSendersAnswers(const policy::RecipientPlanner& planner, const Submission& m,
                                       const SubmitResult& sent, std::int64_t now);

}  // namespace sealpost::submission
