// DeliveryTarget: where the outbound queue hands a message to leave sealpost. The SMTP
// client (issue 4) is one; the dev outbox, which files each message as an .eml, is
// another. A target returns OK only once the message is safely handed over.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"

namespace sealpost {

struct OutboundMessage {
  std::string queue_id;
  std::string mail_from;
  std::string rcpt_to;
  std::string content;  // RFC 5322, CRLF
};

class DeliveryTarget {
 public:
  virtual ~DeliveryTarget() = default;
  virtual Status Deliver(const OutboundMessage& message) = 0;
};

// Files each message as `<dir>/<unix time>-<queue id>.eml` (written to a temporary
// name, synced, then renamed), with the envelope in X-Sealpost-Envelope-* headers.
Result<std::unique_ptr<DeliveryTarget>> NewOutboxTarget(const std::string& dir);

}  // namespace sealpost
