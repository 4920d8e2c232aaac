// Address books as the policy engine and the administrator use them. A book is named
// "level:owner:name" — "user:dr@clinic.example:personal", "account:Springfield:shared".
// Users link books as their default, subscribed or preferred ones; the engine searches
// preferred → subscribed → default. Entries' data is sealed under the metadata key.
// Thread-safety: as thread-safe as the AddressBookStore it uses.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/key_ring.h"
#include "policy/selection.h"
#include "store/stores.h"

namespace sealpost::policy {

struct BookRef {
  std::string level;  // account | domain | user
  std::string owner;
  std::string name;
  std::string ToString() const { return level + ":" + owner + ":" + name; }
};
Result<BookRef> ParseBookRef(std::string_view text);
// The AAD that binds a sealed entry to its book and address.
std::string EntryAad(const std::string& book_id, std::string_view address);

// Key files are named by their recipient's address ("pat@example.net.asc"): the few
// characters an address may hold that a file name may not ('/') or that would be
// ambiguous ('%') are percent-encoded. The stem for an address, and the address a file
// name gives (nullopt unless it ends .asc, .gpg, .pgp, .pem, .crt, .cer or .der).
std::string KeyFileStem(std::string_view address);
std::optional<std::string> KeyFileAddress(std::string_view file_name);

struct ImportProblem {
  std::size_t line = 0;
  std::string reason;
};

struct ImportReport {
  std::size_t imported = 0;
  std::vector<ImportProblem> problems;  // rows refused; the good rows were imported
};

// What reading a stored key or certificate judged of it, kept so that planning does not
// parse and check the same key for every message (~1 ms for OpenPGP). Kept by the SHA-256
// of its bytes and the address: a newer import (a revocation, say) is other bytes. A
// judgement holds for at most `max_age_seconds`, never past the key's own end (expiry,
// notAfter), and never for a clock set before it was made; refusals are not kept (a key
// not yet valid may become so). Bounded: full, it starts afresh.
// Thread-safety: every method may be called from any thread.
class KeyJudgements {
 public:
  struct Judged {
    AddressBookEntry::Kind kind = AddressBookEntry::Kind::kPgpKey;
    std::string data;  // OpenPGP transferable public key, or X.509 DER
    bool gcm = false;
    std::int64_t valid_until = 0;  // 0: no end of its own
  };
  explicit KeyJudgements(std::int64_t max_age_seconds = 3600, std::size_t max_entries = 1000)
      : max_age_seconds_(max_age_seconds), max_entries_(max_entries) {}

  std::optional<Judged> Find(std::string_view bytes, const std::string& address,
                             std::int64_t now) const;
  void Keep(std::string_view bytes, const std::string& address, std::int64_t now, Judged judged);

 private:
  struct Entry {
    Judged judged;
    std::int64_t judged_at = 0;
  };
  static std::string Index(std::string_view bytes, const std::string& address);

  const std::int64_t max_age_seconds_;
  const std::size_t max_entries_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

class AddressBookDirectory {
 public:
  AddressBookDirectory(AddressBookStore& store, const PurposeKey& metadata_key, const Clock& clock)
      : store_(store), key_(metadata_key), clock_(clock) {}

  Status CreateBook(const BookRef& ref);
  Status Link(const std::string& user, const BookRef& ref, const std::string& role);
  // kNotFound when there is no such book or the user has no link to it.
  Status Unlink(const std::string& user, const BookRef& ref);
  // The user's books ("level:owner:name") with their roles, in the order linked.
  Result<std::vector<std::pair<std::string, std::string>>> Links(const std::string& user);
  // The engine's search order for a user's books.
  Result<BookOrder> OrderFor(const std::string& user);

  // CSV with the header "address,question,answer". Every bad row is reported by line
  // and reason; the good ones are imported together, in one transaction. `progress`
  // (may be empty) is told how many rows of how many have been checked.
  Result<ImportReport> ImportQuestionsCsv(
      const BookRef& ref, std::string_view csv,
      const std::function<void(std::size_t done, std::size_t total)>& progress = {});

  // One entry, checked exactly as an imported row is.
  Status AddQuestion(const BookRef& ref, const std::string& address, const QuestionAnswer& qa);
  // Each change of an entry puts what it was and what it becomes on the thread's pending
  // audit record (audit/pending.h): a question's words, a key's fingerprint, never an
  // answer; an import of keys, each address and fingerprint it took.
  Status PutQuestion(const BookRef& ref, const std::string& address, const QuestionAnswer& qa);
  Status Remove(const BookRef& ref, const std::string& address);

  // A recipient's OpenPGP public key or S/MIME certificate (told apart by what it is),
  // checked as the pki module reads them: a key for another address, expired, revoked
  // or unable to encrypt is refused with the reason. Returns a one-line description.
  Result<std::string> AddKey(const BookRef& ref, const std::string& address, std::string_view data);

  // The key or certificate of a book's entry, judged again now: one that has expired
  // (or was revoked by a newer import) since it was stored is kFailedPrecondition, with
  // the reason.
  struct KeyData {
    AddressBookEntry::Kind kind = AddressBookEntry::Kind::kPgpKey;
    std::string data;  // OpenPGP transferable public key, or X.509 DER
    bool gcm = false;  // S/MIME: the certificate lists AES-256-GCM
  };
  Result<KeyData> Key(const std::string& book_ref, const std::string& address);

  // Several keys and certificates at once, (address, data) each, every one checked as
  // AddKey checks it: each bad one is reported by its position (1-based, as `line`) and
  // reason, the good ones are imported. `progress` as for questions.
  Result<ImportReport> ImportKeys(
      const BookRef& ref, const std::vector<std::pair<std::string, std::string>>& keys,
      const std::function<void(std::size_t done, std::size_t total)>& progress = {});
  // The book's keys and certificates as stored (OpenPGP armored, X.509 as PEM), with no
  // judgement of whether they are still valid: what ImportKeys or AddKey read back.
  struct ExportedKey {
    std::string address;
    std::string kind;  // "pgp" or "smime"
    std::string data;
  };
  Result<std::vector<ExportedKey>> ExportKeys(const BookRef& ref);

  struct Listing {
    std::string address;
    std::string kind;
  };
  Result<std::vector<Listing>> List(const BookRef& ref);
  // A page of it, in address order after `after`, and how many entries it has in all:
  // what a person can look through (a book may hold a hundred thousand).
  struct ListingPage {
    std::int64_t total = 0;
    std::vector<Listing> entries;
  };
  Result<ListingPage> Page(const BookRef& ref, const std::string& after, int limit);
  // The book's questions and answers as CSV (address,question,answer), the format
  // ImportQuestionsCsv reads. Answers are in clear: the caller decides where it goes.
  Result<std::string> ExportQuestionsCsv(const BookRef& ref);
  // The book a user's own questions go in (see SaveToDefaultBook), whether or not it is
  // made yet: `linked` when it is one of their books already.
  struct OwnBook {
    BookRef ref;
    bool linked = false;
  };
  Result<OwnBook> OwnBookOf(const std::string& user);
  // Keeps `qa` for each address in the book the next message's search looks at first
  // for the user: their preferred book; else their default book while none is
  // subscribed; else "user:<user>:default", created if need be and linked as their
  // default (nothing subscribed) or preferred book. Returns the book's name.
  Result<std::string> SaveToDefaultBook(const std::string& user,
                                        const std::vector<std::string>& addresses,
                                        const QuestionAnswer& qa);

  // The question and answer of a book's entry, for sealing.
  Result<QuestionAnswer> Question(const std::string& book_ref, const std::string& address);

 private:
  Result<AddressBookRecord> Book(const BookRef& ref);
  // A key or certificate for `address`, read and judged, sealed into its entry.
  struct CheckedKey {
    AddressBookEntryRecord entry;
    std::string kind;  // "pgp" or "smime"
    std::string fingerprint;
    std::string description;
  };
  Result<CheckedKey> CheckKey(const AddressBookRecord& book, const std::string& address,
                              std::string_view data, std::int64_t now) const;

  AddressBookStore& store_;
  const PurposeKey& key_;
  const Clock& clock_;
  KeyJudgements judged_;
};

// The engine's view of stored books; book names in BookOrder are BookRef strings.
class StoredAddressBooks final : public AddressBooks {
 public:
  explicit StoredAddressBooks(AddressBookStore& store) : store_(store) {}
  std::optional<AddressBookEntry> Find(std::string_view book, std::string_view address) const override;

 private:
  AddressBookStore& store_;
};

}  // namespace sealpost::policy
