#include "app/audit_checkpoints.h"

#include <algorithm>

#include "audit/pending.h"

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

Result<std::int64_t> AuditCheckpointer::PruneIfDue(std::int64_t retention_seconds) {
  const std::int64_t now = clock_.NowUnix();
  if (last_prune_at_ != 0 && now - last_prune_at_ < 86400) return 0;
  last_prune_at_ = now;
  return PruneAuditTrail(store_, signer_, clock_, retention_seconds);
}

Result<std::int64_t> PruneAuditTrail(AuditStore& store, const SigningIdentity& signer,
                                     const Clock& clock, std::int64_t retention_seconds,
                                     std::int64_t max_per_pass) {
  const std::int64_t now = clock.NowUnix();
  auto last = store.LastBefore(now - retention_seconds);
  if (!last.ok()) return std::move(last).error();
  std::int64_t removed = 0;
  for (;;) {
    auto first = store.Read(0, 1);
    if (!first.ok()) return std::move(first).error();
    if (first->empty() || (*first)[0].seq > *last) return removed;
    const std::int64_t cut = std::min(*last, (*first)[0].seq + max_per_pass - 1);
    auto at_cut = store.Read(cut - 1, 1);
    if (!at_cut.ok()) return std::move(at_cut).error();
    if (at_cut->empty() || (*at_cut)[0].seq != cut) {
      return MakeError(ErrorCode::kIntegrity,
                       "audit record " + std::to_string(cut) + " is missing: not pruned");
    }
    auto checkpoint = audit::SignCheckpoint(signer.secret_key, signer.key_id, cut, now,
                                            (*at_cut)[0].hash);
    if (!checkpoint.ok()) return std::move(checkpoint).error();
    audit::AuditRecord record;
    record.at = now;
    record.actor_kind = "system";
    record.actor = "sealpost";
    record.action = "audit.pruned";
    record.subject = std::to_string(cut);
    record.result = "ok";
    record.details = R"({"through":)" + std::to_string(cut) + R"(,"older_than":")" +
                     FormatRfc3339(now - retention_seconds) + "\"}";
    audit::PendingRecord pending(std::move(record));  // goes in with the prune
    auto gone = store.Prune(*checkpoint);
    if (!gone.ok()) return std::move(gone).error();
    removed += *gone;
  }
}

Result<std::optional<audit::Checkpoint>> PrunedStart(AuditStore& store) {
  auto first = store.Read(0, 1);
  if (!first.ok()) return std::move(first).error();
  if (first->empty() || (*first)[0].seq == 1) return std::optional<audit::Checkpoint>();
  const std::int64_t cut = (*first)[0].seq - 1;
  auto checkpoints = store.Checkpoints();
  if (!checkpoints.ok()) return std::move(checkpoints).error();
  std::optional<audit::Checkpoint> start;
  for (const auto& c : *checkpoints) {
    if (c.seq == cut) start = c;
  }
  AuditQuery prunes;
  prunes.action = "audit.pruned";
  prunes.limit = 1;
  prunes.actor = "sealpost";
  auto pruned = store.Search(prunes);
  if (!pruned.ok()) return std::move(pruned).error();
  // The newest prune must be the one that cut here (an older one cut before it).
  if (!start || pruned->empty() || (*pruned)[0].subject != std::to_string(cut)) {
    return MakeError(ErrorCode::kIntegrity,
                     "the audit trail does not verify: records 1 to " + std::to_string(cut) +
                         " are missing (removed) and no prune is on record for them");
  }
  return start;
}

}  // namespace sealpost
