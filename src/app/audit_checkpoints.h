// The server seals the audit trail's head with a signed checkpoint (audit/chain.h) at
// most once an interval, and only when records came since the last one, so that
// `audit verify` finds a tail cut off later back to that point.
// Thread-safety: one thread (the server's PollingWorker).
#pragma once

#include <cstdint>
#include <optional>

#include "base/clock.h"
#include "base/result.h"
#include "escrow/sealer.h"
#include "store/stores.h"

namespace sealpost {

class AuditCheckpointer {
 public:
  AuditCheckpointer(AuditStore& store, const SigningIdentity& signer, const Clock& clock,
                    std::int64_t interval_seconds = 3600)
      : store_(store), signer_(signer), clock_(clock), interval_(interval_seconds) {}

  // Signs a checkpoint when one is due: the record it sealed, or 0 when none was due.
  Result<std::int64_t> RunOnce();
  // Once a day (the first time at once): removes the records older than the retention
  // period (PruneAuditTrail). How many went.
  Result<std::int64_t> PruneIfDue(std::int64_t retention_seconds);

 private:
  AuditStore& store_;
  const SigningIdentity& signer_;
  const Clock& clock_;
  const std::int64_t interval_;
  bool loaded_ = false;  // the newest checkpoint read from the store
  std::int64_t last_seq_ = 0, last_at_ = 0;
  std::int64_t last_prune_at_ = 0;  // 0: not yet
};

// Retention (issue 21): removes the records older than `retention_seconds`, the oldest
// `max_per_pass` at a time, each pass in one transaction that signs a checkpoint at its
// last record (where the chain verifies from afterwards) and writes an `audit.pruned`
// record naming it. Returns how many records went.
Result<std::int64_t> PruneAuditTrail(AuditStore& store, const SigningIdentity& signer,
                                     const Clock& clock, std::int64_t retention_seconds,
                                     std::int64_t max_per_pass = 100000);

// Where a pruned chain verifies from: the checkpoint at the record before the first
// one kept, provided the chain holds an `audit.pruned` record naming it; nullopt for a
// chain kept whole. kIntegrity when records are missing from the start without a prune.
Result<std::optional<audit::Checkpoint>> PrunedStart(AuditStore& store);

}  // namespace sealpost
