#include "store/records.h"

namespace sealpost {

const char* RecipientStatusName(RecipientStatus s) {
  switch (s) {
    case RecipientStatus::kNoticeQueued: return "notice_queued";
    case RecipientStatus::kNoticeDelivered: return "notice_delivered";
    case RecipientStatus::kViewed: return "viewed";
    case RecipientStatus::kLocked: return "locked";
    case RecipientStatus::kQueued: return "queued";
    case RecipientStatus::kDelivered: return "delivered";
    case RecipientStatus::kStandby: return "standby";
    case RecipientStatus::kReplanned: return "replanned";
    case RecipientStatus::kSuperseded: return "superseded";
    case RecipientStatus::kDeleted: return "deleted";
    case RecipientStatus::kBounced: return "bounced";
  }
  return "unknown";
}

std::optional<RecipientStatus> ParseRecipientStatus(const std::string& s) {
  for (auto st : {RecipientStatus::kNoticeQueued, RecipientStatus::kNoticeDelivered,
                  RecipientStatus::kViewed, RecipientStatus::kLocked, RecipientStatus::kQueued,
                  RecipientStatus::kDelivered, RecipientStatus::kStandby,
                  RecipientStatus::kReplanned, RecipientStatus::kSuperseded,
                  RecipientStatus::kDeleted, RecipientStatus::kBounced}) {
    if (s == RecipientStatusName(st)) return st;
  }
  return std::nullopt;
}

const char* QueueStateName(QueueState s) {
  switch (s) {
    case QueueState::kQueued: return "queued";
    case QueueState::kDelivered: return "delivered";
    case QueueState::kDeferred: return "deferred";
    case QueueState::kBounced: return "bounced";
    case QueueState::kInFlight: return "in_flight";
    case QueueState::kExpired: return "expired";
    case QueueState::kStandby: return "standby";
    case QueueState::kReplanned: return "replanned";
    case QueueState::kSuperseded: return "superseded";
  }
  return "unknown";
}

bool IsFinal(QueueState s) {
  return s == QueueState::kDelivered || s == QueueState::kBounced || s == QueueState::kExpired ||
         s == QueueState::kReplanned || s == QueueState::kSuperseded;
}

std::optional<QueueState> ParseQueueState(const std::string& s) {
  for (auto st : {QueueState::kQueued, QueueState::kInFlight, QueueState::kDelivered,
                  QueueState::kDeferred, QueueState::kBounced, QueueState::kExpired,
                  QueueState::kStandby, QueueState::kReplanned, QueueState::kSuperseded}) {
    if (s == QueueStateName(st)) return st;
  }
  return std::nullopt;
}

ContentBits ContentBitsFromColumn(std::int64_t value) {
  // Anything else (a column written by a later version, say) is read as not known:
  // the queue then looks at the content itself.
  if (value == static_cast<std::int64_t>(ContentBits::kSevenBit)) return ContentBits::kSevenBit;
  if (value == static_cast<std::int64_t>(ContentBits::kEightBit)) return ContentBits::kEightBit;
  return ContentBits::kUnknown;
}

}  // namespace sealpost
