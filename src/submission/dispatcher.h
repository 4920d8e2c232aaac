// Dispatcher: the one road from an accepted submission to what it becomes. Given the
// submission, its recipient plan (policy/recipient_planner.h) and its content, it
// records the message with every recipient (escrow, TLS-only, standard, PGP, S/MIME,
// sent plain, bounced), seals the escrow copy, queues each notice and copy, tells the
// sender about recipients the failure action bounced (one notice; a TLS-only copy's
// "tell the sender" fallback waits in standby), and commits all of it with its events
// in one transaction: the commit point. Every way in (the API, SMTP, and the portal's
// to come) hands its submission here; none carries out a plan itself.
//
// Blocking (Argon2id, encryption, fsync): call it off the event loop. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_stream.h"
#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/key_ring.h"
#include "escrow/escrow_service.h"
#include "policy/recipient_planner.h"
#include "queue/queue_entry.h"
#include "submission/submission.h"

namespace sealpost {
class AnswerKeys;
class BlobStore;
template <class T>
class GroupCommit;
}
namespace sealpost::policy {
class SigningIdentities;
}
namespace sealpost::pki {
class PgpEncryptor;
}

namespace sealpost::submission {

struct DispatchSettings {
  std::string organisation = "sealpost";  // names the server in notices to the sender
  std::string notice_from;
  // Whether an account's webhooks want subjects (then each message keeps its subject,
  // sealed); null: none does.
  std::function<bool(const std::string& account)> webhooks_want_subjects;
};

// One submission, planned, as a way in hands it over.
struct Dispatch {
  const Submission* submission = nullptr;
  policy::RecipientPlan plan;
  std::string account;  // the organisation account the sender belongs to
  std::string client_address;
  // Holds the escrow copy's attachments (already streamed in, or added by the way in)
  // and names the message. Consumed.
  std::unique_ptr<Draft> draft;
  // Opens the message as it leaves for recipients who get it themselves (TLS-only,
  // standard, sent plain, encrypted to their key): RFC 5322, no X-Sealpost-* field, the
  // same bytes at every open. Opened only when the plan has such recipients — once for
  // those who share it, once or twice per encrypted copy — and never after `draft` is
  // sealed (it may read the draft's attachments back). Read a piece at a time: a large
  // message is never whole in memory.
  OpenSource message;
  // What `message` opens, already written once into a sealed blob (SMTP's spool, when
  // nothing had to be taken out of it): the copies that carry the message as it is
  // refer to that blob instead of a new one. A dispatch that fails leaves it alone (it
  // stays its setter's); one that succeeds hands it to the queue's entries, in the
  // transaction that consumes the spooled submission it came with.
  std::optional<SpooledContent> spooled_message;
  // How notices to the sender name the message, e.g. "(queued as … on …)"; empty:
  // "(sent on <now>)".
  std::string reference;
  // SMTP: the spooled submission this completes, removed in the same transaction.
  std::string consumed_inbound;
  // RFC 3461 parameters by lower-cased recipient address (SMTP), set on what reaches them.
  std::map<std::string, std::string> dsn_by_address;
  // The way in's own events (e.g. "submitted"; a reply's "replied" on the message it
  // answers), recorded first.
  std::vector<EventRecord> events;
  // Written in the portal: the writer keeps a copy for their Message Center.
  bool sent_from_portal = false;
};

// A dispatch carried out but for its commit (Dispatcher::Prepare): copies written, the
// message sealed, nothing in the database yet. Destroyed uncommitted, it removes every
// blob it wrote.
class PreparedDispatch {
 public:
  PreparedDispatch(PreparedDispatch&&) = default;
  PreparedDispatch& operator=(PreparedDispatch&&) = delete;
  ~PreparedDispatch();

 private:
  friend class Dispatcher;
  PreparedDispatch(BlobStore& blobs, PreparedSubmit submit)
      : blobs_(&blobs), submit_(std::move(submit)) {}
  BlobStore* blobs_;
  PreparedSubmit submit_;
  std::vector<std::string> spooled_;  // content blobs written for its copies
  bool committed_ = false;
  std::string counts_;  // what the plan made of its recipients, for the log
};

class Dispatcher {
 public:
  // `answer_keys`: answers the server keeps (address books, default questions) are
  // stretched once there; null: every message stretches its own.
  // `blobs`: where content kept once for many queue entries is written.
  Dispatcher(DispatchSettings settings, EscrowService& escrow,
             policy::SigningIdentities& identities, BlobStore& blobs,
             const PurposeKey& queue_key, const Clock& clock, const AnswerKeys* answer_keys);
  ~Dispatcher();

  // Carries out `d.plan`. The plan must be complete: no recipient left needing a
  // question, nothing refused (a way in answers those itself first).
  Result<SubmitResult> Send(Dispatch d) const;
  // Send in three steps, for a way in that commits several at once (SMTP's processor:
  // the pages a batch of messages shares in the database are written once): everything
  // but the commit; the commit of a batch in one transaction, all or none (after it
  // returns OK they survive a crash; after an error each may be committed alone); then,
  // for each committed one, what Send answers.
  Result<PreparedDispatch> Prepare(Dispatch d) const;
  Status Commit(const std::vector<PreparedDispatch*>& batch) const;
  SubmitResult Finish(PreparedDispatch& committed) const;

 private:
  DispatchSettings settings_;
  EscrowService& escrow_;
  policy::SigningIdentities& identities_;
  BlobStore& blobs_;
  const PurposeKey& queue_key_;
  const Clock& clock_;
  const AnswerKeys* answer_keys_;
  // OpenPGP contexts with recipients' keys already read, kept between messages.
  std::unique_ptr<pki::PgpEncryptor> pgp_;
  // Send's commits: those that arrive together share one transaction.
  std::unique_ptr<GroupCommit<PreparedDispatch>> together_;
};

}  // namespace sealpost::submission
