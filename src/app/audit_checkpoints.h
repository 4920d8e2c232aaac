// The server seals the audit trail's head with a signed checkpoint (audit/chain.h) at
// most once an interval, and only when records came since the last one, so that
// `audit verify` finds a tail cut off later back to that point.
// Thread-safety: one thread (the server's PollingWorker).
#pragma once

#include <cstdint>

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

 private:
  AuditStore& store_;
  const SigningIdentity& signer_;
  const Clock& clock_;
  const std::int64_t interval_;
  bool loaded_ = false;  // the newest checkpoint read from the store
  std::int64_t last_seq_ = 0, last_at_ = 0;
};

}  // namespace sealpost
