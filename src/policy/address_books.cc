#include "policy/address_books.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <optional>

#include "audit/pending.h"
#include "base/csv.h"
#include "base/encoding.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "mime/address.h"
#include "pki/openpgp.h"
#include "pki/smime.h"

namespace sealpost::policy {

std::string KeyFileStem(std::string_view address) {
  std::string out;
  for (char ch : address) {
    if (ch == '/') {
      out += "%2F";
    } else if (ch == '%') {
      out += "%25";
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::optional<std::string> KeyFileAddress(std::string_view file_name) {
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const std::string extension = AsciiLower(file_name.substr(dot));
  static constexpr std::string_view kExtensions[] = {".asc", ".gpg", ".pgp", ".pem",
                                                     ".crt", ".cer", ".der"};
  if (std::find(std::begin(kExtensions), std::end(kExtensions), extension) ==
      std::end(kExtensions)) {
    return std::nullopt;
  }
  const std::string_view name = file_name.substr(0, dot);
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name.compare(i, 3, "%2F") == 0 || name.compare(i, 3, "%2f") == 0) {
      out.push_back('/');
      i += 2;
    } else if (name.compare(i, 3, "%25") == 0) {
      out.push_back('%');
      i += 2;
    } else {
      out.push_back(name[i]);
    }
  }
  return out;
}
namespace json = boost::json;
std::string EntryAad(const std::string& book_id, std::string_view address) {
  return "sealpost/address-book/v1|" + book_id + "|" + AsciiLower(address);
}

namespace {

constexpr std::size_t kMaxText = 500;

bool OneLine(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// Why an entry cannot be stored; empty when it can.
std::string QuestionEntryProblem(const std::string& address, const std::string& question,
                                 const std::string& answer) {
  std::string why = AddressProblem(address);
  if (!why.empty()) return "\"" + SanitizeForLog(address, 80) + "\" is not a valid address: it " + why;
  if (question.empty() || question.size() > kMaxText || !OneLine(question)) {
    return "the question must be 1 to 500 characters on one line";
  }
  if (answer.empty() || answer.size() > kMaxText || !OneLine(answer)) {
    return "the answer must be 1 to 500 characters on one line";
  }
  return {};
}

// An entry's data (a JSON object) sealed under the metadata key, bound to book and address.
Status PutSealedEntry(AddressBookStore& store, const PurposeKey& key, const std::string& book_id,
                      const std::string& address, const std::string& kind,
                      const json::object& data, std::int64_t now) {
  std::string text = json::serialize(data);
  auto sealed = key.Seal(text, EntryAad(book_id, address));
  WipeMemory(text.data(), text.size());
  if (!sealed.ok()) return std::move(sealed).error();
  return store.PutEntries({{book_id, address, kind, std::move(*sealed), now}});
}

// The book's entry for `address`, opened, when it is of one of `kinds`; kNotFound
// (naming `what`) otherwise.
Result<std::pair<std::string, json::object>> OpenEntry(AddressBookStore& store, const PurposeKey& key,
                                                       const AddressBookRecord& book,
                                                       const std::string& address,
                                                       std::initializer_list<std::string_view> kinds,
                                                       const std::string& what) {
  auto entry = store.FindEntry(book.id, address);
  if (!entry.ok()) return std::move(entry).error();
  const bool wanted = entry->has_value() &&
                      std::find(kinds.begin(), kinds.end(), (*entry)->kind) != kinds.end();
  if (!wanted) {
    return MakeError(ErrorCode::kNotFound, "no " + what + " for " + address + " in " + book.owner_level +
                                               ":" + book.owner + ":" + book.name);
  }
  auto data = key.Open((*entry)->sealed_data, EntryAad(book.id, address));
  if (!data.ok()) return std::move(data).error();
  boost::system::error_code ec;
  json::value v = json::parse(*data, ec);
  WipeMemory(data->data(), data->size());
  if (ec || !v.is_object()) return MakeError(ErrorCode::kIntegrity, "address-book entry is malformed");
  return std::pair{(*entry)->kind, std::move(v.get_object())};
}

// A key entry: whether it is OpenPGP (else S/MIME) and its bytes as stored (the
// transferable public key, or the certificate's DER).
Result<std::pair<bool, std::string>> OpenKeyEntry(AddressBookStore& store, const PurposeKey& key,
                                                  const AddressBookRecord& book,
                                                  const std::string& address) {
  auto opened = OpenEntry(store, key, book, address, {"pgp", "smime"}, "key");
  if (!opened.ok()) return std::move(opened).error();
  const bool pgp = opened->first == "pgp";
  const json::value* b64 = opened->second.if_contains(pgp ? "key" : "certificate");
  std::optional<std::string> bytes;
  if (b64 && b64->is_string()) bytes = Base64Decode(b64->get_string());
  if (!bytes) return MakeError(ErrorCode::kIntegrity, "address-book entry is malformed");
  return std::make_pair(pgp, std::move(*bytes));
}

// What the audit trail says of the book's entry for `address`: null when there is none;
// a question's words (never its answer); a key's or certificate's fingerprint.
Result<json::value> EntryDetail(AddressBookStore& store, const PurposeKey& key,
                                const AddressBookRecord& book, const std::string& address) {
  auto found = store.FindEntry(book.id, address);
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value()) return json::value(nullptr);
  auto opened = OpenEntry(store, key, book, address, {"question", "pgp", "smime"}, "entry");
  if (!opened.ok()) return std::move(opened).error();
  json::object out{{"kind", opened->first}};
  const char* field = opened->first == "question" ? "question" : "fingerprint";
  if (const json::value* v = opened->second.if_contains(field)) out[field] = *v;
  if (json::value* answer = opened->second.if_contains("answer"); answer && answer->is_string()) {
    WipeMemory(answer->get_string().data(), answer->get_string().size());
  }
  return json::value(std::move(out));
}

// Puts this change of the entry on the pending audit record: before and after.
Status DetailEntryChange(AddressBookStore& store, const PurposeKey& key,
                         const AddressBookRecord& book, const std::string& address,
                         json::value after) {
  auto before = EntryDetail(store, key, book, address);
  if (!before.ok()) return std::move(before).error();
  audit::DetailPending(json::serialize(json::object{
      {"entry", address}, {"before", std::move(*before)}, {"after", std::move(after)}}));
  return OkStatus();
}

}  // namespace

Result<BookRef> ParseBookRef(std::string_view text) {
  auto first = text.find(':');
  auto last = text.rfind(':');
  if (first == std::string_view::npos || first == last) {
    return MakeError(ErrorCode::kInvalidArgument, "must be level:owner:name", "book");
  }
  BookRef ref{std::string(text.substr(0, first)), std::string(text.substr(first + 1, last - first - 1)),
              std::string(text.substr(last + 1))};
  if (ref.level != "account" && ref.level != "domain" && ref.level != "user") {
    return MakeError(ErrorCode::kInvalidArgument, "level must be account, domain or user", "book");
  }
  if (ref.owner.empty() || ref.name.empty() || ref.name.size() > 100 || !OneLine(ref.name)) {
    return MakeError(ErrorCode::kInvalidArgument, "needs an owner and a name", "book");
  }
  return ref;
}

Result<AddressBookRecord> AddressBookDirectory::Book(const BookRef& ref) {
  auto book = store_.FindBook(ref.level, ref.owner, ref.name);
  if (!book.ok()) return std::move(book).error();
  if (!book->has_value()) return MakeError(ErrorCode::kNotFound, "no address book " + ref.ToString());
  return std::move(**book);
}

Status AddressBookDirectory::CreateBook(const BookRef& ref) {
  return store_.CreateBook({NewId(), ref.level, ref.owner, ref.name, clock_.NowUnix()});
}

Status AddressBookDirectory::Link(const std::string& user, const BookRef& ref, const std::string& role) {
  if (role != "default" && role != "subscribed" && role != "preferred") {
    return MakeError(ErrorCode::kInvalidArgument, "must be default, subscribed or preferred", "role");
  }
  auto book = Book(ref);
  if (!book.ok()) return std::move(book).error();
  UserBookRecord link;
  link.user = user;
  link.book_id = book->id;
  link.role = role;
  return store_.LinkUser(link);
}

Status AddressBookDirectory::Unlink(const std::string& user, const BookRef& ref) {
  auto book = Book(ref);
  if (!book.ok()) return std::move(book).error();
  return store_.UnlinkUser(user, book->id);
}

Result<std::vector<std::pair<std::string, std::string>>> AddressBookDirectory::Links(
    const std::string& user) {
  auto links = store_.UserBooks(user);
  if (!links.ok()) return std::move(links).error();
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& link : *links) {
    out.emplace_back(BookRef{link.book_level, link.book_owner, link.book_name}.ToString(),
                     link.role);
  }
  return out;
}

Result<BookOrder> AddressBookDirectory::OrderFor(const std::string& user) {
  auto links = store_.UserBooks(user);
  if (!links.ok()) return std::move(links).error();
  BookOrder order;
  for (const auto& link : *links) {
    std::string ref = BookRef{link.book_level, link.book_owner, link.book_name}.ToString();
    if (link.role == "preferred") order.preferred = ref;
    else if (link.role == "default") order.default_book = ref;
    else order.subscribed.push_back(ref);
  }
  return order;
}

Result<ImportReport> AddressBookDirectory::ImportQuestionsCsv(
    const BookRef& ref, std::string_view csv,
    const std::function<void(std::size_t, std::size_t)>& progress) {
  auto book = Book(ref);
  if (!book.ok()) return std::move(book).error();
  auto records = ParseCsv(csv);
  ImportReport report;
  if (records.empty()) {
    report.problems.push_back({1, "the file is empty; expected the header address,question,answer"});
    return report;
  }
  const auto& header = records.front();
  if (header.fields.size() != 3 || AsciiLower(TrimWhitespace(header.fields[0])) != "address" ||
      AsciiLower(TrimWhitespace(header.fields[1])) != "question" ||
      AsciiLower(TrimWhitespace(header.fields[2])) != "answer") {
    report.problems.push_back({header.line, "the first line must be the header address,question,answer"});
    return report;
  }
  std::vector<AddressBookEntryRecord> entries;
  std::map<std::string, std::size_t> seen;  // address → line
  const std::int64_t now = clock_.NowUnix();
  for (std::size_t i = 1; i < records.size(); ++i) {
    const CsvRecord& r = records[i];
    if (progress && (i % 1000 == 0 || i + 1 == records.size())) progress(i, records.size() - 1);
    if (!r.error.empty()) {
      report.problems.push_back({r.line, r.error});
      continue;
    }
    if (r.fields.size() != 3) {
      report.problems.push_back({r.line, "expected 3 fields (address,question,answer), found " +
                                             std::to_string(r.fields.size())});
      continue;
    }
    const std::string address(TrimWhitespace(r.fields[0]));
    const std::string question(TrimWhitespace(r.fields[1]));
    const std::string answer(TrimWhitespace(r.fields[2]));
    std::string why = QuestionEntryProblem(address, question, answer);
    if (!why.empty()) {
      report.problems.push_back({r.line, why});
      continue;
    }
    auto [it, fresh] = seen.emplace(AsciiLower(address), r.line);
    if (!fresh) {
      report.problems.push_back({r.line, address + " is already on line " + std::to_string(it->second)});
      continue;
    }
    std::string data = json::serialize(json::object{{"question", question}, {"answer", answer}});
    auto sealed = key_.Seal(data, EntryAad(book->id, address));
    WipeMemory(data.data(), data.size());
    if (!sealed.ok()) return std::move(sealed).error();
    entries.push_back({book->id, address, "question", std::move(*sealed), now});
  }
  if (!entries.empty()) {
    // What the import did, on record with it (whoever imports; counts, never answers).
    audit::DetailPending(json::serialize(
        json::object{{"imported", entries.size()}, {"refused", report.problems.size()}}));
    auto status = store_.PutEntries(entries);
    if (!status.ok()) return std::move(status).error();
  }
  report.imported = entries.size();
  return report;
}

Status AddressBookDirectory::AddQuestion(const BookRef& ref, const std::string& address,
                                         const QuestionAnswer& qa) {
  const std::string question(TrimWhitespace(qa.question));
  const std::string answer(TrimWhitespace(qa.answer));
  std::string why = QuestionEntryProblem(address, question, answer);
  if (!why.empty()) return MakeError(ErrorCode::kInvalidArgument, why, "entry");
  return PutQuestion(ref, address, {question, answer});
}

Status AddressBookDirectory::PutQuestion(const BookRef& ref, const std::string& address,
                                         const QuestionAnswer& qa) {
  auto book = Book(ref);
  if (!book.ok()) return std::move(book).error();
  auto detailed = DetailEntryChange(store_, key_, *book, address,
                                    json::object{{"kind", "question"}, {"question", qa.question}});
  if (!detailed.ok()) return detailed;
  return PutSealedEntry(store_, key_, book->id, address, "question",
                        {{"question", qa.question}, {"answer", qa.answer}}, clock_.NowUnix());
}

Status AddressBookDirectory::Remove(const BookRef& ref, const std::string& address) {
  auto book = Book(ref);
  if (!book.ok()) return std::move(book).error();
  auto detailed = DetailEntryChange(store_, key_, *book, address, json::value(nullptr));
  if (!detailed.ok()) return detailed;
  return store_.RemoveEntry(book->id, address);
}

namespace {

bool LooksOpenPgp(std::string_view data) {
  // Armored, or a binary packet (the tag byte has its high bit set).
  return data.find("-----BEGIN PGP ") != std::string_view::npos ||
         (!data.empty() && (static_cast<unsigned char>(data[0]) & 0x80) != 0);
}

bool LooksX509(std::string_view data) {
  return data.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos ||
         (!data.empty() && static_cast<unsigned char>(data[0]) == 0x30);  // DER SEQUENCE
}

}  // namespace

Result<AddressBookDirectory::CheckedKey> AddressBookDirectory::CheckKey(
    const AddressBookRecord& book, const std::string& address, std::string_view data,
    std::int64_t now) const {
  std::string why = AddressProblem(address);
  if (!why.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "is not a valid address: it " + why, "address");
  }
  json::object entry;
  CheckedKey out;
  if (LooksOpenPgp(data)) {
    auto key = pki::ReadPgpPublicKey(data, address, now);
    if (!key.ok()) return std::move(key).error();
    out.kind = "pgp";
    out.fingerprint = key->fingerprint;
    entry = {{"key", Base64Encode(key->transferable_key)}, {"fingerprint", key->fingerprint}};
    out.description =
        "OpenPGP key " + key->fingerprint + " (" + key->algorithm + "), " +
        (key->expires_at ? "expires " + FormatRfc3339(key->expires_at) : "does not expire");
  } else if (LooksX509(data)) {
    auto cert = pki::ReadSmimeCertificate(data, address, now);
    if (!cert.ok()) return std::move(cert).error();
    out.kind = "smime";
    out.fingerprint = cert->fingerprint;
    entry = {{"certificate", Base64Encode(cert->der)}, {"fingerprint", cert->fingerprint}};
    out.description = "S/MIME certificate " + cert->subject + " (" + cert->key_type +
                      "), expires " + FormatRfc3339(cert->not_after) +
                      (cert->gcm ? ", AES-256-GCM" : ", AES-256-CBC");
  } else {
    return MakeError(ErrorCode::kInvalidArgument,
                     "is neither an OpenPGP public key nor an X.509 certificate (PEM or DER)", "key");
  }
  std::string text = json::serialize(entry);
  auto sealed = key_.Seal(text, EntryAad(book.id, address));
  WipeMemory(text.data(), text.size());
  if (!sealed.ok()) return std::move(sealed).error();
  out.entry = {book.id, address, out.kind, std::move(*sealed), now};
  return out;
}

Result<std::string> AddressBookDirectory::AddKey(const BookRef& ref, const std::string& address,
                                                 std::string_view data) {
  auto book = Book(ref);
  if (!book.ok()) return std::move(book).error();
  auto checked = CheckKey(*book, address, data, clock_.NowUnix());
  if (!checked.ok()) return std::move(checked).error();
  auto detailed = DetailEntryChange(
      store_, key_, *book, address,
      json::object{{"kind", checked->kind}, {"fingerprint", checked->fingerprint}});
  if (!detailed.ok()) return std::move(detailed).error();
  auto status = store_.PutEntries({std::move(checked->entry)});
  if (!status.ok()) return std::move(status).error();
  return std::move(checked->description);
}

Result<AddressBookDirectory::KeyData> AddressBookDirectory::Key(const std::string& book_ref,
                                                                const std::string& address) {
  auto ref = ParseBookRef(book_ref);
  if (!ref.ok()) return std::move(ref).error();
  auto book = Book(*ref);
  if (!book.ok()) return std::move(book).error();
  auto stored = OpenKeyEntry(store_, key_, *book, address);
  if (!stored.ok()) return std::move(stored).error();
  const bool pgp = stored->first;
  const std::string& bytes = stored->second;
  const std::int64_t now = clock_.NowUnix();
  if (auto known = judged_.Find(bytes, address, now)) {
    return KeyData{known->kind, std::move(known->data), known->gcm};
  }
  KeyJudgements::Judged judged;
  if (pgp) {
    auto key = pki::ReadPgpPublicKey(bytes, address, now);
    if (!key.ok()) {
      return MakeError(ErrorCode::kFailedPrecondition, "OpenPGP key " + key.error().message);
    }
    judged = {AddressBookEntry::Kind::kPgpKey, std::move(key->transferable_key), false,
              key->expires_at};
  } else {
    auto cert = pki::ReadSmimeCertificate(bytes, address, now);
    if (!cert.ok()) {
      return MakeError(ErrorCode::kFailedPrecondition, "S/MIME certificate " + cert.error().message);
    }
    judged = {AddressBookEntry::Kind::kSmimeCertificate, std::move(cert->der), cert->gcm,
              cert->not_after};
  }
  judged_.Keep(bytes, address, now, judged);
  return KeyData{judged.kind, std::move(judged.data), judged.gcm};
}

std::string KeyJudgements::Index(std::string_view bytes, const std::string& address) {
  return Sha256(bytes) + AsciiLower(address);
}

std::optional<KeyJudgements::Judged> KeyJudgements::Find(std::string_view bytes,
                                                         const std::string& address,
                                                         std::int64_t now) const {
  const std::string index = Index(bytes, address);
  std::lock_guard lock(mu_);
  auto it = entries_.find(index);
  if (it == entries_.end()) return std::nullopt;
  const Entry& e = it->second;
  if (now < e.judged_at || now - e.judged_at >= max_age_seconds_ ||
      (e.judged.valid_until != 0 && now >= e.judged.valid_until)) {
    return std::nullopt;
  }
  return e.judged;
}

void KeyJudgements::Keep(std::string_view bytes, const std::string& address, std::int64_t now,
                         Judged judged) {
  std::string index = Index(bytes, address);
  std::lock_guard lock(mu_);
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_[std::move(index)] = Entry{std::move(judged), now};
}

Result<std::vector<AddressBookDirectory::Listing>> AddressBookDirectory::List(const BookRef& ref) {
  auto book = Book(ref);
  if (!book.ok()) return std::move(book).error();
  auto entries = store_.ListEntries(book->id);
  if (!entries.ok()) return std::move(entries).error();
  std::vector<Listing> out;
  for (const auto& e : *entries) out.push_back({e.address, e.kind});
  return out;
}

Result<AddressBookDirectory::ListingPage> AddressBookDirectory::Page(const BookRef& ref,
                                                                     const std::string& after,
                                                                     int limit) {
  auto book = Book(ref);
  if (!book.ok()) return std::move(book).error();
  auto page = store_.PageEntries(book->id, after, limit);
  if (!page.ok()) return std::move(page).error();
  ListingPage out;
  out.total = page->total;
  for (const auto& e : page->entries) out.entries.push_back({e.address, e.kind});
  return out;
}

Result<ImportReport> AddressBookDirectory::ImportKeys(
    const BookRef& ref, const std::vector<std::pair<std::string, std::string>>& keys,
    const std::function<void(std::size_t done, std::size_t total)>& progress) {
  auto book = Book(ref);
  if (!book.ok()) return std::move(book).error();
  const std::int64_t now = clock_.NowUnix();
  ImportReport report;
  std::vector<AddressBookEntryRecord> entries;
  json::array imported;  // what the record says: each address and its fingerprint
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto checked = CheckKey(*book, keys[i].first, keys[i].second, now);
    if (checked.ok()) {
      imported.push_back(json::object{{"entry", keys[i].first},
                                      {"kind", checked->kind},
                                      {"fingerprint", checked->fingerprint}});
      entries.push_back(std::move(checked->entry));
    } else if (checked.error().code == ErrorCode::kInvalidArgument ||
               checked.error().code == ErrorCode::kFailedPrecondition) {
      report.problems.push_back({i + 1, keys[i].first + ": " + checked.error().message});
    } else {
      return std::move(checked).error();
    }
    if (progress) progress(i + 1, keys.size());
  }
  if (!entries.empty()) {
    // All of them in one transaction, with their record.
    audit::DetailPending(json::serialize(
        json::object{{"imported", std::move(imported)}, {"refused", report.problems.size()}}));
    auto status = store_.PutEntries(entries);
    if (!status.ok()) return std::move(status).error();
  }
  report.imported = entries.size();
  return report;
}

Result<std::vector<AddressBookDirectory::ExportedKey>> AddressBookDirectory::ExportKeys(
    const BookRef& ref) {
  auto book = Book(ref);
  if (!book.ok()) return std::move(book).error();
  auto entries = store_.ListEntries(book->id);
  if (!entries.ok()) return std::move(entries).error();
  std::vector<ExportedKey> out;
  for (const auto& e : *entries) {
    if (e.kind != "pgp" && e.kind != "smime") continue;
    auto stored = OpenKeyEntry(store_, key_, *book, e.address);
    if (!stored.ok()) return std::move(stored).error();
    if (stored->first) {
      auto armored = pki::ArmorPgpPublicKey(stored->second);
      if (!armored.ok()) return std::move(armored).error();
      out.push_back({e.address, "pgp", std::move(*armored)});
    } else {
      out.push_back({e.address, "smime", pki::CertificatePem(stored->second)});
    }
  }
  return out;
}

Result<std::string> AddressBookDirectory::ExportQuestionsCsv(const BookRef& ref) {
  auto book = Book(ref);
  if (!book.ok()) return std::move(book).error();
  auto entries = store_.ListEntries(book->id);
  if (!entries.ok()) return std::move(entries).error();
  std::string out = "address,question,answer\r\n";
  for (const auto& e : *entries) {
    if (e.kind != "question") continue;
    auto qa = Question(ref.ToString(), e.address);
    if (!qa.ok()) return std::move(qa).error();
    out += CsvField(e.address) + "," + CsvField(qa->question) + "," + CsvField(qa->answer) + "\r\n";
  }
  return out;
}

Result<AddressBookDirectory::OwnBook> AddressBookDirectory::OwnBookOf(const std::string& user) {
  auto order = OrderFor(user);
  if (!order.ok()) return std::move(order).error();
  // Where the next message's search will look: the preferred book; else the default
  // book, which is searched only while no book is subscribed; else (subscribed books, no
  // preferred one) the user's own book, to be linked as preferred.
  const std::string* chosen = order->preferred ? &*order->preferred
                              : order->subscribed.empty() && !order->default_book.empty()
                                  ? &order->default_book
                                  : nullptr;
  if (!chosen) return OwnBook{{"user", user, "default"}, false};
  auto parsed = ParseBookRef(*chosen);
  if (!parsed.ok()) return std::move(parsed).error();
  return OwnBook{std::move(*parsed), true};
}

Result<std::string> AddressBookDirectory::SaveToDefaultBook(
    const std::string& user, const std::vector<std::string>& addresses, const QuestionAnswer& qa) {
  auto own = OwnBookOf(user);
  if (!own.ok()) return std::move(own).error();
  const BookRef& ref = own->ref;
  if (!own->linked) {
    auto order = OrderFor(user);
    if (!order.ok()) return std::move(order).error();
    auto existing = store_.FindBook(ref.level, ref.owner, ref.name);
    if (!existing.ok()) return std::move(existing).error();
    if (!existing->has_value()) {
      auto status = CreateBook(ref);
      if (!status.ok()) return std::move(status).error();
    }
    auto status = Link(user, ref, order->subscribed.empty() ? "default" : "preferred");
    if (!status.ok()) return std::move(status).error();
  }
  for (const auto& address : addresses) {
    auto status = PutQuestion(ref, address, qa);
    if (!status.ok()) return std::move(status).error();
  }
  return ref.ToString();
}

Result<QuestionAnswer> AddressBookDirectory::Question(const std::string& book_ref,
                                                      const std::string& address) {
  auto ref = ParseBookRef(book_ref);
  if (!ref.ok()) return std::move(ref).error();
  auto book = Book(*ref);
  if (!book.ok()) return std::move(book).error();
  auto opened = OpenEntry(store_, key_, *book, address, {"question"}, "question");
  if (!opened.ok()) return std::move(opened).error();
  const json::value* q = opened->second.if_contains("question");
  const json::value* a = opened->second.if_contains("answer");
  if (!q || !a || !q->is_string() || !a->is_string()) {
    return MakeError(ErrorCode::kIntegrity, "address-book entry is malformed");
  }
  QuestionAnswer qa{std::string(q->get_string()), std::string(a->get_string())};
  json::string& answer = opened->second["answer"].as_string();
  WipeMemory(answer.data(), answer.size());  // the copy in `qa` is the caller's to keep
  return qa;
}

std::optional<AddressBookEntry> StoredAddressBooks::Find(std::string_view book,
                                                         std::string_view address) const {
  auto ref = ParseBookRef(book);
  if (!ref.ok()) return std::nullopt;
  auto record = store_.FindBook(ref->level, ref->owner, ref->name);
  if (!record.ok() || !record->has_value()) return std::nullopt;
  auto entry = store_.FindEntry((*record)->id, std::string(address));
  if (!entry.ok() || !entry->has_value()) return std::nullopt;
  AddressBookEntry out;
  out.entry_id = (*record)->id + "/" + (*entry)->address;
  if ((*entry)->kind == "pgp") out.kind = AddressBookEntry::Kind::kPgpKey;
  else if ((*entry)->kind == "smime") out.kind = AddressBookEntry::Kind::kSmimeCertificate;
  else out.kind = AddressBookEntry::Kind::kQuestion;
  return out;
}

}  // namespace sealpost::policy
