// DeliveryTarget: where the outbound queue hands mail to leave sealpost. The SMTP
// client is one (delivery/smtp_target.h); the dev outbox, which files each message as an
// .eml, is another. One OutboundMessage is one transaction: one sender, one content,
// one or more recipients of the same domain; the result says what became of each.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "queue/queue_entry.h"

namespace sealpost {

struct OutboundRecipient {
  std::string queue_id;
  std::string address;
};

struct OutboundMessage {
  std::string mail_from;  // empty: the null sender (DSNs)
  std::vector<OutboundRecipient> recipients;
  // RFC 5322, CRLF: `prefix` (header fields added as it leaves: DKIM-Signature), then
  // `content`, read piece by piece (queue/queue_entry.h). Many transactions may share one
  // content; each reads it itself.
  std::string prefix;
  std::shared_ptr<const QueueContent> content;
  std::uint64_t size = 0;  // of prefix and content together
  bool eight_bit = false;  // whether any byte has the high bit set (BODY=8BITMIME)
  // TLS-only: over TLS 1.2 or later or not at all (the outcome is then kNoTls).
  bool tls_required = false;
};

// What happened to one recipient: the delivery report of PRODUCT.md §5.
struct DeliveryReport {
  enum class Outcome {
    kDelivered,
    kDeferred,  // try again later (4xx, no connection, DNS failure)
    kBounced,   // permanent (5xx, null MX, no such domain)
    kNoTls,     // TLS required, and no mail server of the domain offered it: nothing sent
  };
  Outcome outcome = Outcome::kDeferred;
  std::string reply;           // the final SMTP reply, or why there was none
  std::string mx_host;         // the host that gave the reply, if any
  std::string mx_address;
  std::string tls_version;     // "TLSv1.3"; empty: in clear (or not sent)
  std::string tls_cipher;
  std::string authentication;  // how the server was authenticated: "none" (for now)
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;
};

struct RecipientResult {
  std::string queue_id;
  DeliveryReport report;
};

class DeliveryTarget {
 public:
  using Done = std::function<void(std::vector<RecipientResult>)>;
  virtual ~DeliveryTarget() = default;
  // Starts delivering; `done` is called once, on any thread, with one result per
  // recipient, after which the target no longer refers to `message`.
  virtual void Deliver(OutboundMessage message, Done done) = 0;
  // The caller has handed over every message of one pass. A target that holds work back
  // to do it together finishes it now (the outbox makes a pass's files durable at once);
  // until then it may keep results back.
  virtual void EndOfPass() {}
};

// Files each message as `<dir>/<unix time>-<queue id>.eml`, with the envelope in
// X-Sealpost-Envelope-* headers; one file per recipient. Each is written to a temporary
// name as Deliver is called; EndOfPass syncs them all with one syncfs, renames them and
// syncs the directory, then answers.
Result<std::unique_ptr<DeliveryTarget>> NewOutboxTarget(const std::string& dir);

}  // namespace sealpost
