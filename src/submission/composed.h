// For ways in that take a message as fields and files rather than as RFC 5322 (the
// API, the console), with the files streamed into an escrow draft.
//
// The message itself, as recipients who get it themselves receive it (TLS-only,
// standard, encrypted to their key), for ways in that take a message as fields and
// files rather than as RFC 5322 (the API, the console): laid out on the first open (its
// Message-ID and boundaries then fixed), each open streaming the draft's attachments in
// as base64 lines. Never whole in memory. Blind copies are named in no header field.
#pragma once

#include "base/byte_stream.h"

namespace sealpost {
class Draft;
}

namespace sealpost::submission {

struct Submission;

// `m` and `draft` must outlive every open, and the draft must not be sealed before the
// last (Dispatch::message says when the dispatcher opens it).
OpenSource ComposedFrom(const Submission& m, const Draft& draft);

// Content rules read text files too: the draft's text/* attachments, read back (I/O),
// added to what the planner reads of `m` within `*budget` (see AddRuleText). A file that
// cannot be read fails the submission rather than let it go unencrypted past a rule it
// would have matched.
Status AddDraftRuleTexts(const Draft& draft, Submission& m, std::size_t* budget);

}  // namespace sealpost::submission
