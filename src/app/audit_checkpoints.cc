#include "app/audit_checkpoints.h"

namespace sealpost {

Result<std::int64_t> AuditCheckpointer::RunOnce() {
  if (!loaded_) {
    auto checkpoints = store_.Checkpoints();
    if (!checkpoints.ok()) return std::move(checkpoints).error();
    if (!checkpoints->empty()) {
      last_seq_ = checkpoints->back().seq;
      last_at_ = checkpoints->back().at;
    }
    loaded_ = true;
  }
  const std::int64_t now = clock_.NowUnix();
  if (last_at_ != 0 && now - last_at_ < interval_) return 0;
  auto head = store_.Head();
  if (!head.ok()) return std::move(head).error();
  if (head->first <= last_seq_) return 0;  // nothing new to seal
  auto checkpoint =
      audit::SignCheckpoint(signer_.secret_key, signer_.key_id, head->first, now, head->second);
  if (!checkpoint.ok()) return std::move(checkpoint).error();
  if (auto put = store_.PutCheckpoint(*checkpoint); !put.ok()) return std::move(put).error();
  last_seq_ = head->first;
  last_at_ = now;
  return head->first;
}

}  // namespace sealpost
