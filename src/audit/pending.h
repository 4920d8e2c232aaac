// Audit records that go in with the change they record (issue 21: "no change without its
// record"). A PendingRecord puts a record on this thread; the next transaction the
// thread commits writes it, in that transaction (the store's before-commit hook takes
// it with TakePending). Code that changes something through a store on this thread,
// within the scope, is thereby recorded; code that changes nothing leaves it untaken.
// Thread-safety: per thread by design.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
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

// Gives this thread's pending records `details` (JSON): what a handler learns once its
// record is on the thread and before its change, such as the value it replaces.
void DetailPending(const std::string& details);

// This thread's pending records, removed: for the transaction about to commit.
std::vector<AuditRecord> TakePending();

// This thread's pending records, handed to a transaction another thread commits (a batch
// of messages, submission/group_commit.h): taken off the thread as TakePending does, so
// no transaction of this thread writes them too. Restore puts them back as they were
// (their PendingRecord not taken) when that transaction did not commit.
class HandOver {
 public:
  HandOver();
  HandOver(const HandOver&) = delete;
  HandOver& operator=(const HandOver&) = delete;

  const std::vector<AuditRecord>& records() const { return records_; }
  // On the thread that made it, while its PendingRecords are in scope.
  void Restore();

 private:
  std::vector<std::uint64_t> tokens_;
  std::vector<AuditRecord> records_;
};

// Who is acting on this thread, for records written without one in hand (the message
// events a store mirrors into the trail): an API key, a portal account, an
// administrator. Set around the work done for them, on the thread that does it.
struct Actor {
  std::string kind;  // as AuditRecord::actor_kind
  std::string id;
  std::string client_address;
  std::string account;
};

class ActingAs {
 public:
  explicit ActingAs(Actor actor);
  // Nobody: what is written in its scope names no actor of this thread.
  explicit ActingAs(std::nullopt_t);
  ~ActingAs();  // the actor before it acts again
  ActingAs(const ActingAs&) = delete;
  ActingAs& operator=(const ActingAs&) = delete;

 private:
  std::optional<Actor> previous_;
};

// This thread's actor, or null.
const Actor* CurrentActor();
// Names this thread's actor on `record`: kind and id, and the client address and
// account where the record has none yet. False (nothing set) when nobody acts here.
bool NameCurrentActor(AuditRecord& record);

}  // namespace sealpost::audit
