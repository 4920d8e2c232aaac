// Audit records that go in with the change they record (issue 21: "no change without its
// record"). A PendingRecord puts a record on this thread; the next transaction the
// thread commits writes it, in that transaction (the store's before-commit hook takes
// it with TakePending). Code that changes something through a store on this thread,
// within the scope, is thereby recorded; code that changes nothing leaves it untaken.
// Thread-safety: per thread by design.
#pragma once

#include <cstdint>
#include <vector>

#include "audit/chain.h"

namespace sealpost::audit {

class PendingRecord {
 public:
  explicit PendingRecord(AuditRecord record);
  ~PendingRecord();  // an untaken record is dropped
  PendingRecord(const PendingRecord&) = delete;
  PendingRecord& operator=(const PendingRecord&) = delete;

  // Whether a transaction wrote it.
  bool taken() const;

 private:
  std::uint64_t token_;
};

// This thread's pending records, removed: for the transaction about to commit.
std::vector<AuditRecord> TakePending();

}  // namespace sealpost::audit
