// Delivery status notifications (RFC 3464, RFC 3461): the message that tells a sender
// their mail could not be delivered. It is sent from the null sender, so it can never
// cause another one. It returns the original's header fields only, never its body: a
// queued message may be an escrow notice, whose body holds the key to the message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace sealpost::delivery {

struct DsnRecipient {
  std::string address;
  std::string original_recipient;  // ORCPT as given ("rfc822;x@example.net"); may be empty
  bool expired = false;            // gave up retrying (4.4.7) rather than refused
  std::string smtp_reply;          // the remote server's final reply, when there was one
  std::string reason;              // otherwise why (DNS, connection); for people
  std::string remote_mta;          // the host that gave the reply
  std::int64_t last_attempt = 0;
};

struct DsnInput {
  std::string reporting_mta;   // our host name
  std::string organisation;
  std::string to;              // the original envelope sender
  std::string envelope_id;     // ENVID, when the submission gave one
  std::int64_t arrival = 0;
  std::int64_t now = 0;
  std::vector<DsnRecipient> recipients;
  std::string original;        // the original message; only its header is returned
};

// The DSN as RFC 5322 text with CRLF line ends. kInvalidArgument when an address or
// name would break a header line.
Result<std::string> BuildDsn(const DsnInput& input);

// The RFC 3463 status code in a reply ("550 5.1.1 ..." → "5.1.1"), or one made from
// the reply code ("5.0.0", "4.0.0") when it names none.
std::string StatusOfReply(const std::string& reply);

}  // namespace sealpost::delivery
