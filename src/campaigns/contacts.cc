#include "campaigns/contacts.h"

#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <set>

#include "audit/pending.h"
#include "base/csv.h"
#include "base/secret.h"
#include "base/text.h"
#include "crypto/key_ring.h"
#include "crypto/random.h"
#include "mime/address.h"

namespace sealpost::campaigns {
namespace json = boost::json;

namespace {

constexpr std::size_t kWalkBatch = 1000;
const std::set<std::string> kSuppressionReasons = {"unsubscribed", "bounced", "complained",
                                                   "added"};

Error Invalid(std::string message, std::string field) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}

// The address as contacts are kept and suppressions matched: lower case, checked.
Result<std::string> ContactAddress(std::string_view text) {
  const std::string address = AsciiLower(TrimWhitespace(text));
  std::string why = AddressProblem(address);
  if (!why.empty()) return Invalid("not an email address: " + why, "address");
  return address;
}

Status NameProblem(const std::string& name, const char* what) {
  if (name.empty() || name.size() > kMaxNameChars) {
    return Invalid(std::string("a ") + what + "'s name has 1 to " + std::to_string(kMaxNameChars) +
                       " characters",
                   "name");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return Invalid(std::string("a ") + what + "'s name has no control characters", "name");
    }
  }
  return OkStatus();
}

Status ValueProblem(const std::string& name, const AttributeValue& v) {
  if (v.kind == AttributeValue::Kind::kString && v.text.size() > kMaxAttributeChars) {
    return Invalid("the value of " + name + " is longer than " +
                       std::to_string(kMaxAttributeChars) + " characters",
                   "attributes." + name);
  }
  return OkStatus();
}

// A header cell as an attribute's name: "Last Visit" → "last_visit".
std::string HeaderName(std::string_view cell) {
  std::string name = AsciiLower(TrimWhitespace(cell));
  for (char& c : name) {
    if (c == ' ' || c == '-') c = '_';
  }
  return name;
}

}  // namespace

std::string AttributesAad(const std::string& contact_id) { return "contact|" + contact_id; }

Result<Attributes> ParseAttributes(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return Invalid("attributes are one JSON object of names and values", "attributes");
  }
  const json::object& o = v.as_object();
  if (o.size() > kMaxAttributes) {
    return Invalid("a contact has at most " + std::to_string(kMaxAttributes) + " attributes",
                   "attributes");
  }
  Attributes out;
  for (const auto& [key, value] : o) {
    const std::string name(key);
    if (!IsAttributeName(name)) {
      return Invalid(
          "an attribute's name is a lower-case letter, then letters, digits or '_' "
          "(64 at most)",
          "attributes." + name.substr(0, 64));
    }
    AttributeValue a;
    if (value.is_string()) {
      a.text = std::string(value.as_string());
    } else if (value.is_number()) {
      a.kind = AttributeValue::Kind::kNumber;
      a.number = value.to_number<double>();
      if (!std::isfinite(a.number)) return Invalid("not a number", "attributes." + name);
    } else if (value.is_bool()) {
      a.kind = AttributeValue::Kind::kBool;
      a.flag = value.as_bool();
    } else if (value.is_null()) {
      continue;  // removes it, when merging
    } else {
      return Invalid("an attribute is text, a number, true or false", "attributes." + name);
    }
    auto s = ValueProblem(name, a);
    if (!s.ok()) return std::move(s).error();
    out.emplace(name, std::move(a));
  }
  return out;
}

std::string AttributesJson(const Attributes& attributes) {
  json::object o;
  for (const auto& [name, v] : attributes) {
    switch (v.kind) {
      case AttributeValue::Kind::kString:
        o[name] = v.text;
        break;
      case AttributeValue::Kind::kNumber:
        if (std::floor(v.number) == v.number && std::fabs(v.number) < 9e15) {
          o[name] = static_cast<std::int64_t>(v.number);
        } else {
          o[name] = v.number;
        }
        break;
      case AttributeValue::Kind::kBool:
        o[name] = v.flag;
        break;
    }
  }
  return json::serialize(o);
}

Result<std::string> ContactBook::Seal(const std::string& contact_id,
                                      const Attributes& attributes) const {
  std::string text = AttributesJson(attributes);
  auto sealed = key_.Seal(text, AttributesAad(contact_id));
  WipeMemory(text.data(), text.size());
  return sealed;
}

ContactFacts FactsOf(const ContactBook::Contact& c) {
  ContactFacts f;
  f.address = c.record.address;
  f.attributes = &c.attributes;
  f.added_at = c.record.created_at;
  f.last_sent = c.record.last_sent;
  f.last_opened = c.record.last_opened;
  f.last_clicked = c.record.last_clicked;
  return f;
}

Result<ContactBook::Contact> ContactBook::Opened(ContactRecord record) const {
  Contact c;
  c.record = std::move(record);
  auto attributes = Open(c.record);
  if (!attributes.ok()) return std::move(attributes).error();
  c.attributes = std::move(*attributes);
  return c;
}

Result<Attributes> ContactBook::Open(const ContactRecord& contact) const {
  auto text = key_.Open(contact.sealed_attributes, AttributesAad(contact.id));
  if (!text.ok()) return std::move(text).error();
  auto attributes = ParseAttributes(*text);
  WipeMemory(text->data(), text->size());
  if (!attributes.ok()) {
    return MakeError(ErrorCode::kIntegrity, "a contact's attributes could not be read");
  }
  return attributes;
}

Status ContactBook::CreateList(const std::string& account, const std::string& name,
                               const std::string& description) {
  auto s = NameProblem(name, "list");
  if (!s.ok()) return s;
  if (description.size() > 1000)
    return Invalid("a description has 1000 characters at most", "description");
  audit::DetailPending(json::serialize(json::object{{"list", name}}));
  return store_.CreateList({NewId(), account, name, description, clock_.NowUnix(), 0});
}

Result<std::vector<ContactListRecord>> ContactBook::Lists(const std::string& account) {
  return store_.Lists(account);
}

Result<ContactListRecord> ContactBook::ListNamed(const std::string& account,
                                                 const std::string& name) {
  auto list = store_.FindList(account, name);
  if (!list.ok()) return std::move(list).error();
  if (!*list)
    return MakeError(ErrorCode::kNotFound, "the account has no list called " + name, "list");
  return std::move(**list);
}

Result<ImportReport> ContactBook::ImportCsv(
    const std::string& account, const std::string& list_name, std::string_view csv,
    const std::string& consent_source,
    const std::function<void(std::size_t, std::size_t)>& progress) {
  std::optional<ContactListRecord> list;
  if (!list_name.empty()) {
    auto found = ListNamed(account, list_name);
    if (!found.ok()) return std::move(found).error();
    list = std::move(*found);
    if (consent_source.empty() || consent_source.size() > kMaxConsentSourceChars) {
      return Invalid("say how these contacts consented to the list (1 to " +
                         std::to_string(kMaxConsentSourceChars) + " characters)",
                     "consent");
    }
  }
  CsvLimits limits;
  limits.max_records = kMaxImportRows + 1;
  auto records = ParseCsv(csv, limits);
  ImportReport report;
  if (records.empty()) {
    report.problems.push_back({1, "the file is empty; expected a header with an email column"});
    return report;
  }
  // The header: which column is the address, and each other column's attribute.
  const CsvRecord& header = records.front();
  std::size_t address_column = header.fields.size();
  std::vector<std::string> names(header.fields.size());
  std::set<std::string> seen_names;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    const std::string name = HeaderName(header.fields[i]);
    if ((name == "email" || name == "address") && address_column == header.fields.size()) {
      address_column = i;
      continue;
    }
    if (!IsAttributeName(name)) {
      report.problems.push_back(
          {header.line, "column " + std::to_string(i + 1) +
                            " is not an attribute's name (a letter, then letters, digits "
                            "or '_', 64 at most)"});
      return report;
    }
    if (!seen_names.insert(name).second) {
      report.problems.push_back(
          {header.line, "column " + std::to_string(i + 1) + " (" + name + ") is named twice"});
      return report;
    }
    names[i] = name;
  }
  if (address_column == header.fields.size()) {
    report.problems.push_back({header.line, "the header has no email column"});
    return report;
  }
  if (seen_names.size() > kMaxAttributes) {
    report.problems.push_back(
        {header.line, "at most " + std::to_string(kMaxAttributes) + " attribute columns"});
    return report;
  }

  // The rows, checked; each good one's address and the attributes it sets.
  struct Row {
    std::string address;
    Attributes set;
  };
  std::vector<Row> rows;
  std::map<std::string, std::size_t> lines;  // address → line
  for (std::size_t i = 1; i < records.size(); ++i) {
    const CsvRecord& r = records[i];
    if (progress && (i % 1000 == 0 || i + 1 == records.size())) progress(i, records.size() - 1);
    if (!r.error.empty()) {
      report.problems.push_back({r.line, r.error});
      continue;
    }
    if (r.fields.size() != header.fields.size()) {
      report.problems.push_back({r.line, "expected " + std::to_string(header.fields.size()) +
                                             " fields, found " + std::to_string(r.fields.size())});
      continue;
    }
    auto address = ContactAddress(r.fields[address_column]);
    if (!address.ok()) {
      report.problems.push_back({r.line, address.error().message});
      continue;
    }
    Row row{*address, {}};
    std::string why;
    for (std::size_t c = 0; c < r.fields.size() && why.empty(); ++c) {
      if (c == address_column) continue;
      std::string_view cell = TrimWhitespace(r.fields[c]);
      if (cell.empty()) continue;  // leaves the value there
      if (cell.size() > kMaxAttributeChars) {
        why = names[c] + " is longer than " + std::to_string(kMaxAttributeChars) + " characters";
        break;
      }
      AttributeValue v;
      v.text = std::string(cell);
      row.set.emplace(names[c], std::move(v));
    }
    if (!why.empty()) {
      report.problems.push_back({r.line, why});
      continue;
    }
    auto [it, fresh] = lines.emplace(row.address, r.line);
    if (!fresh) {
      report.problems.push_back(
          {r.line, "the address is already on line " + std::to_string(it->second)});
      continue;
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) return report;

  // Merged into the contacts there, sealed, kept together.
  std::vector<std::string> addresses;
  addresses.reserve(rows.size());
  for (const Row& row : rows) addresses.push_back(row.address);
  auto existing = store_.FindContacts(account, addresses);
  if (!existing.ok()) return std::move(existing).error();
  const std::int64_t now = clock_.NowUnix();
  std::vector<ContactStore::Put> puts;
  puts.reserve(rows.size());
  for (Row& row : rows) {
    ContactStore::Put put;
    auto there = existing->find(row.address);
    Attributes attributes;
    if (there != existing->end()) {
      auto opened = Open(there->second);
      if (!opened.ok()) return std::move(opened).error();
      attributes = std::move(*opened);
      put.contact = there->second;
      ++report.updated;
    } else {
      put.contact.id = NewId();
      put.contact.account = account;
      put.contact.address = row.address;
      put.contact.created_at = now;
      ++report.added;
    }
    for (auto& [name, value] : row.set) attributes[name] = std::move(value);
    if (attributes.size() > kMaxAttributes) {
      return Invalid(
          "a contact would have more than " + std::to_string(kMaxAttributes) + " attributes",
          "attributes");
    }
    auto sealed = Seal(put.contact.id, attributes);
    if (!sealed.ok()) return std::move(sealed).error();
    put.contact.sealed_attributes = std::move(*sealed);
    put.contact.updated_at = now;
    if (list) {
      put.subscribe.push_back(list->id);
      put.consented_at = now;
      put.consent_source = consent_source;
    }
    puts.push_back(std::move(put));
  }
  // What the import did, on record with it: counts and the columns, never a value.
  json::array columns;
  for (const auto& name : seen_names) columns.emplace_back(name);
  audit::DetailPending(json::serialize(json::object{{"added", report.added},
                                                    {"updated", report.updated},
                                                    {"refused", report.problems.size()},
                                                    {"list", list_name},
                                                    {"attributes", std::move(columns)}}));
  auto kept = store_.PutContacts(puts);
  if (!kept.ok()) return std::move(kept).error();
  return report;
}

Result<ContactBook::Contact> ContactBook::Put(const std::string& account,
                                              const std::string& address_text,
                                              std::string_view attributes_json, bool merge,
                                              const std::vector<std::string>& list_names,
                                              const std::string& consent_source) {
  auto address = ContactAddress(address_text);
  if (!address.ok()) return std::move(address).error();
  std::set<std::string> removed;
  Attributes given;
  if (!attributes_json.empty()) {
    auto parsed = ParseAttributes(attributes_json);
    if (!parsed.ok()) return std::move(parsed).error();
    given = std::move(*parsed);
    // A null removes the attribute when merging: find which were null.
    json::error_code ec;
    auto v = json::parse(attributes_json, ec);
    for (const auto& [key, value] : v.as_object()) {
      if (value.is_null()) removed.insert(std::string(key));
    }
  }
  std::vector<ContactListRecord> lists;
  for (const auto& name : list_names) {
    auto list = ListNamed(account, name);
    if (!list.ok()) return std::move(list).error();
    lists.push_back(std::move(*list));
  }
  if (!lists.empty() &&
      (consent_source.empty() || consent_source.size() > kMaxConsentSourceChars)) {
    return Invalid("say how the contact consented to the list (1 to " +
                       std::to_string(kMaxConsentSourceChars) + " characters)",
                   "consent");
  }
  auto existing = store_.FindContact(account, *address);
  if (!existing.ok()) return std::move(existing).error();
  const std::int64_t now = clock_.NowUnix();
  ContactStore::Put put;
  Attributes attributes;
  std::set<std::string> changed;  // names, for the record
  if (*existing) {
    auto opened = Open(**existing);
    if (!opened.ok()) return std::move(opened).error();
    put.contact = **existing;
    if (merge) attributes = *opened;
    for (const auto& [name, _] : *opened) {
      if (!given.count(name) && (!merge || removed.count(name))) changed.insert(name);
    }
    for (const auto& name : removed) attributes.erase(name);
  } else {
    put.contact.id = NewId();
    put.contact.account = account;
    put.contact.address = *address;
    put.contact.created_at = now;
  }
  for (auto& [name, value] : given) {
    changed.insert(name);
    attributes[name] = value;
  }
  if (attributes.size() > kMaxAttributes) {
    return Invalid("a contact has at most " + std::to_string(kMaxAttributes) + " attributes",
                   "attributes");
  }
  auto sealed = Seal(put.contact.id, attributes);
  if (!sealed.ok()) return std::move(sealed).error();
  put.contact.sealed_attributes = std::move(*sealed);
  put.contact.updated_at = now;
  json::array list_array;
  for (const auto& l : lists) {
    put.subscribe.push_back(l.id);
    list_array.emplace_back(l.name);
  }
  put.consented_at = now;
  put.consent_source = consent_source;
  json::array changed_array;
  for (const auto& name : changed) changed_array.emplace_back(name);
  audit::DetailPending(json::serialize(json::object{{"contact", *address},
                                                    {"new", !existing->has_value()},
                                                    {"attributes", std::move(changed_array)},
                                                    {"lists", std::move(list_array)}}));
  auto kept = store_.PutContacts({put});
  if (!kept.ok()) return std::move(kept).error();
  auto found = Find(account, *address);
  if (!found.ok()) return std::move(found).error();
  if (!*found) return MakeError(ErrorCode::kInternal, "a contact just kept is not there");
  return std::move(**found);
}

Result<std::optional<ContactBook::Contact>> ContactBook::Find(const std::string& account,
                                                              const std::string& address_text) {
  auto address = ContactAddress(address_text);
  if (!address.ok()) return std::move(address).error();
  auto record = store_.FindContact(account, *address);
  if (!record.ok()) return std::move(record).error();
  std::optional<Contact> out;
  if (*record) {
    Contact c;
    c.record = std::move(**record);
    auto attributes = Open(c.record);
    if (!attributes.ok()) return std::move(attributes).error();
    c.attributes = std::move(*attributes);
    auto memberships = store_.Memberships(c.record.id);
    if (!memberships.ok()) return std::move(memberships).error();
    auto lists = store_.Lists(account);
    if (!lists.ok()) return std::move(lists).error();
    for (auto& m : *memberships) {
      for (const auto& l : *lists) {
        if (l.id == m.list_id) c.lists.emplace_back(l.name, std::move(m));
      }
    }
    out = std::move(c);
  }
  auto suppressed = store_.FindSuppression(account, *address);
  if (!suppressed.ok()) return std::move(suppressed).error();
  if (out) out->suppressed = std::move(*suppressed);
  return out;
}

Status ContactBook::Delete(const std::string& account, const std::string& address_text) {
  auto address = ContactAddress(address_text);
  if (!address.ok()) return std::move(address).error();
  audit::DetailPending(json::serialize(json::object{{"contact", *address}}));
  return store_.DeleteContact(account, *address);
}

Status ContactBook::Unsubscribe(const std::string& account, const std::string& list_name,
                                const std::string& address_text) {
  auto address = ContactAddress(address_text);
  if (!address.ok()) return std::move(address).error();
  auto list = ListNamed(account, list_name);
  if (!list.ok()) return std::move(list).error();
  auto contact = store_.FindContact(account, *address);
  if (!contact.ok()) return std::move(contact).error();
  if (!*contact) return MakeError(ErrorCode::kNotFound, "no such contact");
  audit::DetailPending(json::serialize(json::object{{"contact", *address}, {"list", list_name}}));
  return store_.Unsubscribe(list->id, (*contact)->id, clock_.NowUnix());
}

Status ContactBook::Suppress(const std::string& account, const std::string& address_text,
                             const std::string& reason, const std::string& detail) {
  auto address = ContactAddress(address_text);
  if (!address.ok()) return std::move(address).error();
  if (!kSuppressionReasons.count(reason)) {
    return Invalid("the reason is unsubscribed, bounced, complained or added", "reason");
  }
  if (detail.size() > 500) return Invalid("the detail has 500 characters at most", "detail");
  audit::DetailPending(json::serialize(json::object{{"address", *address}, {"reason", reason}}));
  return store_.Suppress({account, *address, reason, clock_.NowUnix(), detail});
}

Status ContactBook::Unsuppress(const std::string& account, const std::string& address_text) {
  auto address = ContactAddress(address_text);
  if (!address.ok()) return std::move(address).error();
  audit::DetailPending(json::serialize(json::object{{"address", *address}}));
  return store_.Unsuppress(account, *address);
}

Result<bool> ContactBook::MayWriteTo(const std::string& account, const std::string& address_text) {
  auto address = ContactAddress(address_text);
  if (!address.ok()) return std::move(address).error();
  auto suppressed = store_.FindSuppression(account, *address);
  if (!suppressed.ok()) return std::move(suppressed).error();
  return !suppressed->has_value();
}

Status ContactBook::PutSegment(const std::string& account, const std::string& name,
                               const std::string& list_name, const std::string& condition) {
  auto s = NameProblem(name, "segment");
  if (!s.ok()) return s;
  auto parsed = Condition::Parse(condition);
  if (!parsed.ok()) return std::move(parsed).error();
  auto list = ListNamed(account, list_name);
  if (!list.ok()) return std::move(list).error();
  auto before = store_.FindSegment(account, name);
  if (!before.ok()) return std::move(before).error();
  const std::int64_t now = clock_.NowUnix();
  json::object details{{"segment", name},
                       {"after", {{"list", list_name}, {"condition", condition}}}};
  if (*before) details["before"] = {{"condition", (*before)->condition}};
  audit::DetailPending(json::serialize(details));
  return store_.PutSegment({*before ? (*before)->id : NewId(), account, name, list->id, condition,
                            *before ? (*before)->created_at : now, now});
}

Result<SegmentRecord> ContactBook::Segment(const std::string& account,
                                           const std::string& segment_name) {
  auto segment = store_.FindSegment(account, segment_name);
  if (!segment.ok()) return std::move(segment).error();
  if (!*segment) {
    return MakeError(ErrorCode::kNotFound, "the account has no segment called " + segment_name,
                     "segment");
  }
  return std::move(**segment);
}

Status ContactBook::Walk(const SegmentRecord& segment, const std::string& after_id,
                         const std::function<bool(Contact&, bool, bool)>& visit) {
  auto condition = Condition::Parse(segment.condition);
  if (!condition.ok()) return std::move(condition).error();
  const std::int64_t now = clock_.NowUnix();
  std::string after = after_id;
  for (;;) {
    auto batch = store_.Subscribed(segment.list_id, after, kWalkBatch);
    if (!batch.ok()) return std::move(batch).error();
    for (auto& member : *batch) {
      auto opened = Opened(std::move(member.contact));
      if (!opened.ok()) return std::move(opened).error();
      Contact& c = *opened;
      const bool matched = condition->Matches(FactsOf(c), now);
      after = c.record.id;
      if (!visit(c, matched, member.suppressed)) return OkStatus();
    }
    if (batch->size() < kWalkBatch) return OkStatus();
  }
}

Result<ContactBook::SegmentCount> ContactBook::Count(const std::string& account,
                                                     const std::string& segment_name) {
  auto segment = Segment(account, segment_name);
  if (!segment.ok()) return std::move(segment).error();
  return CountOf(*segment);
}

Result<ContactBook::SegmentCount> ContactBook::CountCondition(const std::string& account,
                                                              const std::string& list_name,
                                                              const std::string& condition) {
  auto list = ListNamed(account, list_name);
  if (!list.ok()) return std::move(list).error();
  SegmentRecord unsaved;
  unsaved.account = account;
  unsaved.list_id = list->id;
  unsaved.condition = condition;
  return CountOf(unsaved);
}

Result<ContactBook::SegmentCount> ContactBook::CountOf(const SegmentRecord& segment) {
  SegmentCount count;
  auto s = Walk(segment, "", [&](Contact&, bool matched, bool suppressed) {
    ++count.members;
    if (matched) {
      ++count.matched;
      if (suppressed) ++count.suppressed;
    }
    return true;
  });
  if (!s.ok()) return std::move(s).error();
  return count;
}

Result<std::vector<ContactBook::Contact>> ContactBook::Reach(const std::string& account,
                                                             const std::string& segment_name,
                                                             const std::string& after_id,
                                                             std::size_t limit) {
  auto segment = Segment(account, segment_name);
  if (!segment.ok()) return std::move(segment).error();
  return Reach(*segment, after_id, limit);
}

Result<std::vector<ContactBook::Contact>> ContactBook::Reach(const SegmentRecord& segment,
                                                             const std::string& after_id,
                                                             std::size_t limit,
                                                             std::string* walked_to) {
  std::vector<Contact> out;
  if (limit == 0) return out;
  if (walked_to) *walked_to = after_id;
  auto s = Walk(segment, after_id, [&](Contact& c, bool matched, bool suppressed) {
    if (walked_to) *walked_to = c.record.id;
    if (matched && !suppressed) out.push_back(std::move(c));
    return out.size() < limit;
  });
  if (!s.ok()) return std::move(s).error();
  return out;
}

}  // namespace sealpost::campaigns
