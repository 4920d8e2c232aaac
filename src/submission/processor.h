// SubmissionProcessor: turns a committed SMTP submission into what an API message
// becomes. It opens the spooled message, takes it apart (mime/submitted.h), reads the
// per-message X-Sealpost-* choices, asks the policy engine per recipient with the
// sender's settings (non-interactive: no one can be asked for a question, so the
// failure action applies), and commits the outcome — escrow message and notices, plain
// copies (X-Sealpost-* fields stripped), a notice to the sender naming whoever got
// nothing — in the same transaction that removes the submission. A crash at any point
// either leaves the submission to be processed again or has it done; never half.
//
// Blocking (Argon2id, fsync): runs on its own thread. Thread-safety: Notify() and
// Stop() may be called from any thread.
#pragma once

#include <functional>

#include "api/recipient_planner.h"
#include "base/clock.h"
#include "base/worker.h"
#include "escrow/escrow_service.h"
#include "policy/org_directory.h"
#include "store/stores.h"

namespace sealpost::policy {
class SigningIdentities;
}

namespace sealpost::submission {

struct ProcessorSettings {
  std::string organisation = "sealpost";
  std::string notice_from = "notices@localhost";
  api::RequestLimits limits;
  // Tries before a submission that cannot be processed becomes a dead letter (its
  // sender told, the administrator shown it in `admin queue`): 30 s doubling to an
  // hour between them, so ten tries take about three hours.
  int max_attempts = 10;
};

class SubmissionProcessor {
 public:
  SubmissionProcessor(ProcessorSettings settings, InboundStore& inbound, EscrowService& escrow,
                      const api::RecipientPlanner& planner, policy::OrgDirectory& directory,
                      policy::SigningIdentities& identities, const SecretBytes& queue_key, const Clock& clock,
                      std::function<void()> notify_queue);
  ~SubmissionProcessor();

  void Start();
  void Stop();
  void Notify();
  // Processes the submissions due now; returns how many were finished. For tests.
  int RunOnce();

 private:
  Status Process(const InboundRecord& record);
  void Bury(const InboundRecord& record, std::int64_t now, const Error& error);

  ProcessorSettings settings_;
  InboundStore& inbound_;
  policy::SigningIdentities& identities_;
  EscrowService& escrow_;
  const api::RecipientPlanner& planner_;
  policy::OrgDirectory& directory_;
  const SecretBytes& queue_key_;
  const Clock& clock_;
  std::function<void()> notify_queue_;
  PollingWorker worker_;  // last: its thread uses everything above
};

}  // namespace sealpost::submission
