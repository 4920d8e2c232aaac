// RecipientPlanner: how one message goes to each of its recipients, whichever way it
// came in. It reads the sender's effective settings, applies their content rules, and
// asks the policy engine per recipient (with the sender's address books and what is
// known of recipient domains), filling in questions from address books. It decides;
// the submission Dispatcher carries the plan out. Blocking (database reads): call it
// off the event loop. Thread-safe if its directories and views are.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/address_books.h"
#include "policy/org_directory.h"

namespace sealpost::policy {

// A message's body as content rules read it (views into the submission).
struct PlanBody {
  std::string_view text;
  std::string_view html;
  std::vector<std::string_view> attachment_texts;  // text/* attachments
};

// What the planner reads of a message (views into the submission; see
// submission::PlanInputOf).
struct PlanInput {
  std::string_view from;
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::vector<std::string> bcc;
  std::string_view subject;
  std::string_view text;
  std::string_view html;
  std::vector<std::string_view> attachment_texts;  // text/* attachments, for content rules
  // When set, the body is read through it, and only if a content rule is to be matched
  // (text, html and attachment_texts above are then not read): an SMTP submission's body
  // is taken apart only when something needs it.
  std::function<PlanBody()> read_body;
  std::optional<QuestionAnswer> question;          // the sender's own, for this message
  std::optional<int> expires_in_days;
  bool tls_only_opt_out = false;
  // The sender can be asked for a question (API); otherwise (SMTP) the failure action
  // decides for recipients no step of the order could place.
  bool interactive = true;
  // What must never cross the network in clear, whatever the sender's settings and
  // content rules say (a secure form's submission: the public's data on its way to
  // staff): no TLS-only or standard copy, and where the walk finds no method — the
  // failure action, or asking a sender there is none of — escrow by portal login.
  bool never_in_clear = false;
  // Planning is over by then (a TLS probe stops; the domain is not known): the API
  // and the portal give a sender-facing bound, SMTP's background processing a longer one.
  PlanDeadline deadline = PlanDeadline::max();
};

// A recipient who reads the message in the portal: by question or by signing in.
struct EscrowRecipient {
  std::string address;
  std::string kind;  // "to", "cc" or "bcc"
  bool login = false;
  std::string question;
  std::string answer;  // as the sender or the book gave it
  std::string trace;
  bool standby = false;  // the fallback of this address's TLS-only copy
  // Where the server keeps this answer ("book|<book>|<address>", "default|<sender>"),
  // so that it is stretched once there for every message; "" for a message's own answer.
  std::string kept_as;
};

// A recipient the failure action applies to (non-interactive senders only), or, as a
// standby, the sender is told about when TLS-only mail cannot get TLS.
struct FailedRecipient {
  std::string address;
  std::string kind;
  std::string trace;  // why no secure method was found
  bool standby = false;
};

// A recipient whose copy is the message itself, delivered over the network: TLS-only
// (TLS 1.2 or later enforced at delivery; a standby fallback is planned for it in the
// other lists) or standard (content rules did not call for encryption; opportunistic TLS).
struct DirectRecipient {
  std::string address;
  std::string kind;
  std::string method;  // "tls-only" or "standard"
  std::string trace;
  bool tls_required() const { return method == "tls-only"; }
};

// A recipient whose mail is encrypted end to end with a key from an address book.
struct EncryptedRecipient {
  std::string address;
  std::string kind;    // "to", "cc" or "bcc"
  std::string method;  // "pgp" or "smime"
  std::string key;     // OpenPGP transferable public key, or certificate DER; judged usable now
  bool gcm = false;    // S/MIME: AES-256-GCM (AuthEnvelopedData)
  std::string trace;
  bool standby = false;  // the fallback of this address's TLS-only copy
};

// Every TLS-only recipient in `direct` has exactly one standby entry (standby = true)
// in one of the other lists: what is sent instead
// if TLS cannot be had at delivery time — never the message in clear.
struct RecipientPlan {
  std::vector<DirectRecipient> direct;            // TLS-only and standard copies
  std::vector<EscrowRecipient> recipients;        // in order, duplicates dropped
  std::vector<EncryptedRecipient> encrypted;      // PGP/MIME or S/MIME
  std::vector<std::string> need_question;         // the sender must give a question
  std::optional<std::string> refused;             // no way to send securely (why)
  std::vector<FailedRecipient> send_plain;        // failure action: send without encryption
  std::vector<FailedRecipient> bounce;            // failure action: tell the sender
  int expiry_days = 30;
  std::string notice_subject;                     // the sender's fixed subject, if set
  std::string namespace_name;                     // the sender's namespace ("" shared)
  std::string organisation;                       // its display name, for the notices
};

class RecipientPlanner {
 public:
  // `direct_delivery`: mail leaves over the network (delivery mode smtp), so TLS-only
  // and standard delivery can be carried out; the dev outbox cannot check TLS.
  // `portal`: who has a portal account (escrow by login, order step 4).
  RecipientPlanner(OrgDirectory& directory, AddressBookDirectory& books,
                   const AddressBooks& book_view, const TlsKnowledge& tls,
                   const PortalRegistry& portal, int server_default_expiry_days,
                   bool direct_delivery = false)
      : directory_(directory), books_(books), book_view_(book_view), tls_(tls), portal_(portal),
        server_default_expiry_days_(server_default_expiry_days),
        direct_delivery_(direct_delivery) {}

  Result<RecipientPlan> Plan(const PlanInput& message) const;

  // A message written in the portal (a recipient's reply, or a new message from the
  // Message Center) goes to someone of the organisation who wrote to the writer: by
  // portal login, in the conversation's namespace, for the server's default expiry.
  // The writer has no settings of their own to consult.
  RecipientPlan PlanFromPortal(std::string_view to, std::string_view namespace_name,
                               bool reply) const;

  // After the message is accepted: keep `qa` for these recipients in the sender's
  // default address book. Returns the book's name.
  Result<std::string> SaveAnswers(std::string_view from, const QuestionAnswer& qa,
                                  const std::vector<std::string>& addresses) const;

 private:
  OrgDirectory& directory_;
  AddressBookDirectory& books_;
  const AddressBooks& book_view_;
  const TlsKnowledge& tls_;
  const PortalRegistry& portal_;
  int server_default_expiry_days_;
  bool direct_delivery_;
};

}  // namespace sealpost::policy
