#include "policy/selection.h"

#include "base/text.h"
#include "mime/address.h"

namespace sealpost::policy {
namespace {

std::string From(Level level) { return std::string(" (") + LevelName(level) + ")"; }

const char* KindName(AddressBookEntry::Kind kind) {
  switch (kind) {
    case AddressBookEntry::Kind::kPgpKey: return "PGP key";
    case AddressBookEntry::Kind::kSmimeCertificate: return "S/MIME certificate";
    case AddressBookEntry::Kind::kQuestion: return "question";
  }
  return "?";
}

// Step 1; returns true when TLS-only applies.
bool TlsOnly(std::string_view recipient, const SelectionContext& c, Decision& d) {
  const auto& s = c.settings;
  if (!s.tls_only.value) {
    d.trace.push_back("tls-only off" + From(s.tls_only.from));
    return false;
  }
  if (c.choices.tls_only_opt_out) {
    d.trace.push_back("tls-only skipped: the message opted out");
    return false;
  }
  if (IsExcludedFromTls(s.tls_exclusions.value, recipient)) {
    d.trace.push_back("tls-only skipped: recipient excluded by the administrator" +
                      From(s.tls_exclusions.from));
    return false;
  }
  const std::string domain = DomainOfAddress(recipient);
  auto known = c.tls.Lookup(domain, c.choices.deadline);
  if (!known) {
    d.trace.push_back("tls-only skipped: TLS support of " + domain + " not known");
    return false;
  }
  if (!known->starttls) {
    d.trace.push_back("tls-only skipped: " + known->host + " offers no STARTTLS");
    return false;
  }
  if (!c.available.tls_only) {
    d.trace.push_back("tls-only would apply (" + known->host +
                      " offers STARTTLS) but is not available here: re-planned");
    return false;
  }
  d.trace.push_back("tls-only: " + known->host + " offers STARTTLS");
  return true;
}

// Step 2; returns true when an address-book entry (or the message's question) decides.
bool AddressBook(std::string_view recipient, const SelectionContext& c, Decision& d) {
  std::vector<std::string> order;
  if (c.books.preferred) order.push_back(*c.books.preferred);
  for (const auto& b : c.books.subscribed) order.push_back(b);
  // As the reference orders them: the default book only when none is subscribed.
  if (c.books.subscribed.empty() && !c.books.default_book.empty()) {
    order.push_back(c.books.default_book);
  }
  std::string searched;
  for (const auto& book : order) {
    auto entry = c.address_books.Find(book, recipient);
    if (!entry) {
      searched += (searched.empty() ? "" : ", ") + book;
      continue;
    }
    const bool usable = entry->kind == AddressBookEntry::Kind::kQuestion ||
                        (entry->kind == AddressBookEntry::Kind::kPgpKey && c.available.pgp) ||
                        (entry->kind == AddressBookEntry::Kind::kSmimeCertificate && c.available.smime);
    if (!usable) {
      d.trace.push_back(std::string("address book ") + book + ": " + KindName(entry->kind) +
                        " not usable here: re-planned");
      searched += (searched.empty() ? "" : ", ") + book;
      continue;
    }
    d.book = book;
    d.entry_id = entry->entry_id;
    if (entry->kind == AddressBookEntry::Kind::kQuestion && c.choices.question) {
      d.trace.push_back("address book " + book + " has a question, but the message gives its own");
      d.method = Method::kEscrowQuestion;
      d.question = c.choices.question;
      return true;
    }
    d.trace.push_back(std::string("address book ") + book + ": " + KindName(entry->kind));
    switch (entry->kind) {
      case AddressBookEntry::Kind::kPgpKey: d.method = Method::kPgp; break;
      case AddressBookEntry::Kind::kSmimeCertificate: d.method = Method::kSmime; break;
      case AddressBookEntry::Kind::kQuestion: d.method = Method::kEscrowQuestion; break;
    }
    return true;
  }
  d.trace.push_back(order.empty() ? "no address books" : "no address-book entry in " + searched);
  if (c.choices.question) {
    d.trace.push_back("question given with the message");
    d.method = Method::kEscrowQuestion;
    d.question = c.choices.question;
    return true;
  }
  return false;
}

}  // namespace

const char* MethodName(Method method) {
  switch (method) {
    case Method::kStandard: return "standard";
    case Method::kTlsOnly: return "tls-only";
    case Method::kPgp: return "pgp";
    case Method::kSmime: return "smime";
    case Method::kEscrowQuestion: return "escrow/question";
    case Method::kEscrowLogin: return "escrow/login";
    case Method::kAskSender: return "ask-sender";
    case Method::kSendPlain: return "send-plain";
    case Method::kBounce: return "bounce";
  }
  return "?";
}

std::string Decision::Explain() const {
  std::string out;
  for (const auto& step : trace) out += (out.empty() ? "" : "; ") + step;
  return out + " → " + MethodName(method);
}

Decision SelectMethod(std::string_view recipient, const SelectionContext& c) {
  Decision d;
  const auto& s = c.settings;
  if (!c.encryption_required) {
    if (c.available.standard) {
      d.trace.push_back("no content rule matched" + From(s.content_rules.from));
      d.method = Method::kStandard;
      return d;
    }
    d.trace.push_back("no content rule matched" + From(s.content_rules.from) +
                      " but standard delivery is not available here: re-planned");
  }
  if (TlsOnly(recipient, c, d)) {
    d.method = Method::kTlsOnly;
    return d;
  }
  if (AddressBook(recipient, c, d)) return d;
  if (s.verification.value == VerificationMode::kLogin) {
    if (c.available.escrow_login) {
      d.trace.push_back("escrow login mode enabled" + From(s.verification.from));
      d.method = Method::kEscrowLogin;
      return d;
    }
    d.trace.push_back("escrow login mode enabled" + From(s.verification.from) +
                      " but portal accounts are not available here: re-planned");
  }
  if (c.available.escrow_login && c.portal.HasAccount(s.namespace_name.value.value_or(""), recipient)) {
    d.trace.push_back("recipient has a portal account");
    d.method = Method::kEscrowLogin;
    return d;
  }
  if (s.default_question.value) {
    d.trace.push_back("default question" + From(s.default_question.from));
    d.method = Method::kEscrowQuestion;
    d.question = s.default_question.value;
    return d;
  }
  if (c.choices.interactive) {
    d.trace.push_back("no question available: asking the sender");
    d.method = Method::kAskSender;
    return d;
  }
  d.trace.push_back(std::string("no way to encrypt: failure action ") +
                    FailureActionName(s.failure_action.value) + From(s.failure_action.from));
  d.method = s.failure_action.value == FailureAction::kSendPlain ? Method::kSendPlain
                                                                  : Method::kBounce;
  return d;
}

}  // namespace sealpost::policy
