#include "delivery/queue_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "crypto/primitives.h"

namespace sealpost {
namespace {
constexpr int kBatch = 32;
constexpr std::int64_t kMaxBackoff = 3600;
}  // namespace

QueueRunner::QueueRunner(QueueStore& queue, DeliveryTarget& target, const SecretBytes& queue_key,
                         const Clock& clock, DeliveredFn on_delivered)
    : queue_(queue), target_(target), queue_key_(queue_key), clock_(clock),
      on_delivered_(std::move(on_delivered)),
      worker_([this] { return RunOnce() == kBatch; }, std::chrono::seconds(1)) {}

QueueRunner::~QueueRunner() { Stop(); }

void QueueRunner::Start() { worker_.Start(); }
void QueueRunner::Stop() { worker_.Stop(); }
void QueueRunner::Notify() { worker_.Notify(); }

int QueueRunner::RunOnce() {
  const std::int64_t now = clock_.NowUnix();
  auto due = queue_.Due(now, kBatch);
  if (!due.ok()) {
    spdlog::error("queue: cannot read due entries: {}", due.error().ToString());
    return 0;
  }
  int delivered = 0;
  for (const QueueEntry& entry : *due) {
    auto content = BoxOpen(queue_key_, entry.sealed_content, QueueContentAad(entry.id));
    Status status = content.ok() ? target_.Deliver({entry.id, entry.mail_from, entry.rcpt_to,
                                                    *content})
                                 : Status(content.error());
    if (content.ok()) WipeMemory(content->data(), content->size());
    if (status.ok()) {
      auto marked = queue_.MarkDelivered(entry.id, now);
      if (!marked.ok()) {
        spdlog::error("queue {}: delivered but not recorded: {}", entry.id,
                      marked.error().ToString());
        continue;
      }
      spdlog::info("queue {}: delivered message={} recipient={}", entry.id, entry.message_id,
                   entry.recipient_id);
      if (on_delivered_) on_delivered_(entry);
      ++delivered;
    } else {
      std::int64_t backoff = std::min<std::int64_t>(kMaxBackoff, 60LL << std::min(entry.attempts, 6));
      spdlog::warn("queue {}: deferred for {}s: {}", entry.id, backoff, status.error().ToString());
      (void)queue_.MarkDeferred(entry.id, now + backoff, status.error().ToString());
    }
  }
  return static_cast<int>(due->size());
}

}  // namespace sealpost
