// SubmissionProcessor: SMTP's way in, second half. It opens a committed (spooled)
// submission, takes it apart (mime/submitted.h), reads the per-message X-Sealpost-*
// choices into a Submission, asks the policy engine per recipient with the sender's
// settings (non-interactive: no one can be asked for a question, so the failure action
// applies), and hands the plan to the Dispatcher, which commits the outcome in the same
// transaction that removes the submission — a pass's submissions in one transaction
// together (each alone should that fail). A crash at any point either leaves the
// submission to be processed again or has it done; never half. The message keeps the
// id the client was given in the 250.
//
// Blocking (Argon2id, fsync): runs on its own thread. Thread-safety: Notify() and
// Stop() may be called from any thread.
#pragma once

#include <functional>
#include <optional>

#include "base/clock.h"
#include "base/worker.h"
#include "crypto/key_ring.h"
#include "escrow/escrow_service.h"
#include "policy/org_directory.h"
#include "policy/recipient_planner.h"
#include "store/stores.h"
#include "submission/dispatcher.h"

namespace sealpost::submission {

struct ProcessorSettings {
  std::string organisation = "sealpost";
  std::string notice_from = "notices@localhost";
  RequestLimits limits;
  // Tries before a submission that cannot be processed becomes a dead letter (its
  // sender told, the administrator shown it in `admin queue`): 30 s doubling to an
  // hour between them, so ten tries take about three hours.
  int max_attempts = 10;
  // The feedback address (issue 25): a message to it is a mailbox provider's complaint,
  // handed to `feedback` (campaigns::Engagement::Complaint) and delivered to no one; its
  // other recipients, if any, get it as usual. A report that is not one, or is about no
  // message of ours, is dropped with a log line; any other error tries it again.
  std::string feedback_address;
  std::function<Status(std::string_view report)> feedback;
};

class SubmissionProcessor {
 public:
  // `blobs`: where the spool wrote large content.
  SubmissionProcessor(ProcessorSettings settings, InboundStore& inbound, BlobStore& blobs,
                      EscrowService& escrow,
                      const policy::RecipientPlanner& planner, const Dispatcher& dispatcher,
                      policy::OrgDirectory& directory, const PurposeKey& queue_key,
                      const Clock& clock, std::function<void()> notify_queue);
  ~SubmissionProcessor();

  void Start();
  void Stop();
  void Notify();
  // For /readyz: the processor's thread runs and is not stuck in a pass.
  Status Alive() const { return worker_.Alive(std::chrono::minutes(5)); }
  // Processes the submissions due now; returns how many were finished. For tests.
  int RunOnce();

 private:
  // Everything but the commit; nothing (and no error) when the submission was finished
  // without a message (a complaint to the feedback address alone).
  Result<std::optional<PreparedDispatch>> Prepare(const InboundRecord& record);
  void Bury(const InboundRecord& record, std::int64_t now, const Error& error);

  ProcessorSettings settings_;
  InboundStore& inbound_;
  BlobStore& blobs_;
  EscrowService& escrow_;
  const policy::RecipientPlanner& planner_;
  const Dispatcher& dispatcher_;
  policy::OrgDirectory& directory_;
  const PurposeKey& queue_key_;
  const Clock& clock_;
  std::function<void()> notify_queue_;
  PollingWorker worker_;  // last: its thread uses everything above
};

}  // namespace sealpost::submission
