// Per-recipient method selection (PRODUCT.md §1): for each recipient, the first step
// that applies wins:
//   0. content rules exist and none matched → standard delivery (no encryption needed)
//   1. TLS-only: on for the sender, the recipient's servers offer STARTTLS, the
//      recipient is not excluded, the message did not opt out
//   2. address-book data: books searched preferred → subscribed → default; the first
//      entry with encryption data (PGP key, S/MIME certificate, question) decides; a
//      question given with the message replaces an address-book question
//   2b. a question given with the message
//   3. escrow with portal login, when that mode is on for the sender
//   4. escrow with portal login, when the recipient already has a portal account
//   5. escrow with the default question (account, domain or user)
//   6. ask the sender (interactive clients only)
//   7. the failure action: send without encryption, or bounce a notice to the sender
// Every decision carries a trace of each step considered and why it did or did not
// apply. SelectMethod is a pure function: what it knows of the world comes through the
// read-only interfaces below, which callers fill from storage and DNS.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/settings.h"

namespace sealpost::policy {

enum class Method {
  kStandard,        // no encryption required by content rules; opportunistic TLS
  kTlsOnly,
  kPgp,
  kSmime,
  kEscrowQuestion,
  kEscrowLogin,
  kAskSender,
  kSendPlain,       // failure action
  kBounce,          // failure action
};
const char* MethodName(Method method);

struct AddressBookEntry {
  enum class Kind { kPgpKey, kSmimeCertificate, kQuestion };
  Kind kind = Kind::kQuestion;
  std::string entry_id;
};

class AddressBooks {
 public:
  virtual ~AddressBooks() = default;
  // The book's entry for `address` (compared case-insensitively in the domain).
  virtual std::optional<AddressBookEntry> Find(std::string_view book,
                                               std::string_view address) const = 0;
};

class PortalRegistry {
 public:
  virtual ~PortalRegistry() = default;
  // A confirmed account for `address` in the pool of `namespace_name` ("" shared).
  virtual bool HasAccount(std::string_view namespace_name, std::string_view address) const = 0;
};

struct TlsCapability {
  bool starttls = false;
  std::string host;  // the MX host the knowledge is about
};

// When planning must be done by: a sender may be waiting. Learning a domain's TLS (a
// probe of its servers) stops there; the domain is then not known.
using PlanDeadline = std::chrono::steady_clock::time_point;

class TlsKnowledge {
 public:
  virtual ~TlsKnowledge() = default;
  // nullopt: nothing known about the domain's servers (yet, or by `deadline`).
  virtual std::optional<TlsCapability> Lookup(std::string_view domain,
                                              PlanDeadline deadline) const = 0;
};

struct BookOrder {
  std::optional<std::string> preferred;
  std::vector<std::string> subscribed;
  std::string default_book;
};

struct MessageChoices {
  bool tls_only_opt_out = false;
  std::optional<QuestionAnswer> question;
  bool interactive = false;  // the sender can be asked (API, web compose); SMTP cannot
  PlanDeadline deadline = PlanDeadline::max();
};

struct Decision {
  Method method = Method::kBounce;
  std::string book;      // address-book methods: where the entry was found
  std::string entry_id;
  std::optional<QuestionAnswer> question;  // kEscrowQuestion: the one to use
  std::vector<std::string> trace;

  // "tls-only off (default); no address-book entry in personal; ... → escrow/question"
  std::string Explain() const;
};

// Which methods can be carried out. A step whose method is not available is passed
// over ("re-planned") with a note in the trace — as when TLS cannot be had at delivery
// time — and the walk goes on to the next step.
struct Availability {
  bool standard = true;  // plain delivery with opportunistic TLS (content rules unmatched)
  bool tls_only = true;
  bool pgp = true;
  bool smime = true;
  bool escrow_login = true;
};

struct SelectionContext {
  const EffectiveSettings& settings;
  const BookOrder& books;
  const MessageChoices& choices;
  bool encryption_required = true;  // false: content rules exist and none matched
  const AddressBooks& address_books;
  const PortalRegistry& portal;
  const TlsKnowledge& tls;
  Availability available{};
};

Decision SelectMethod(std::string_view recipient, const SelectionContext& context);

}  // namespace sealpost::policy
