// A complaint from a mailbox provider's feedback loop: an Abuse Reporting Format report
// (RFC 5965), multipart/report; report-type=feedback-report, whose second part is the
// machine-readable report (Feedback-Type, Original-Rcpt-To, ...) and whose third is the
// message complained about, whole (message/rfc822) or its header section only
// (text/rfc822-headers). What sealpost needs of it: the kind of complaint and the
// List-Unsubscribe links of the original message, which name the campaign and the
// contact (MAC-bound: campaigns/campaigns.h). Never the original's body.
//
// Security exposure: high — reports come from outside. GMime parses; the caller bounds
// the size (the SMTP session's limit), and this looks at a bounded number of parts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealpost {

struct FeedbackReport {
  std::string feedback_type;                   // lower case: "abuse", "fraud", "not-spam", ...
  std::string original_rcpt_to;                // as reported; may be empty (providers redact it)
  std::vector<std::string> unsubscribe_links;  // the original's List-Unsubscribe URIs
};

// kInvalidArgument for a message that is no feedback report or has no Feedback-Type.
Result<FeedbackReport> ParseFeedbackReport(std::string_view raw);

}  // namespace sealpost
