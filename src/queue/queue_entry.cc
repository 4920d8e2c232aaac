#include "queue/queue_entry.h"

#include "crypto/primitives.h"
#include "crypto/random.h"

namespace sealpost {

Result<QueueEntry> SealQueueEntry(const SecretBytes& queue_key, const std::string& mail_from,
                                  const std::string& rcpt_to, std::string_view mail,
                                  std::int64_t now) {
  QueueEntry q;
  q.id = NewId();
  q.mail_from = mail_from;
  q.rcpt_to = rcpt_to;
  auto boxed = BoxSeal(queue_key, mail, QueueContentAad(q.id));
  if (!boxed.ok()) return std::move(boxed).error();
  q.sealed_content = std::move(*boxed);
  q.state = QueueState::kQueued;
  q.next_attempt_at = now;
  q.created_at = now;
  return q;
}

}  // namespace sealpost
