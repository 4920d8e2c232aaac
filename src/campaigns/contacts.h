// An account's contacts as the CLI, the API and the console keep them (issue 25): one
// way to add and change a contact (attributes checked and sealed under the metadata
// key, never logged, each change's names — never values — on the audit record), lists
// with each member's consent (when, and how it was given), the suppression list, and
// segments: a list narrowed by a condition (campaigns/segment.h), counted and walked
// without anyone suppressed or unsubscribed. Blocking (store).
// Thread-safety: as the ContactStore it uses.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "campaigns/segment.h"
#include "store/contact_store.h"

namespace sealpost {
class PurposeKey;
}  // namespace sealpost

namespace sealpost::campaigns {

inline constexpr std::size_t kMaxAttributes = 100;       // per contact
inline constexpr std::size_t kMaxAttributeChars = 1000;  // per value
inline constexpr std::size_t kMaxConsentSourceChars = 200;
inline constexpr std::size_t kMaxNameChars = 100;  // lists and segments
inline constexpr std::size_t kMaxImportRows = 1000000;

// The AAD that binds a contact's sealed attributes to the contact.
std::string AttributesAad(const std::string& contact_id);

// A contact's attributes as JSON: one flat object of strings, numbers, true/false (a
// null removes the attribute when merging). kInvalidArgument naming the attribute.
Result<Attributes> ParseAttributes(std::string_view json);
std::string AttributesJson(const Attributes& attributes);

struct ImportReport {
  std::size_t added = 0;    // new contacts
  std::size_t updated = 0;  // contacts there already, their attributes merged
  struct Problem {
    std::size_t line = 0;
    std::string reason;  // never a value from the file
  };
  std::vector<Problem> problems;  // rows refused; the good rows were imported
};

class ContactBook {
 public:
  ContactBook(ContactStore& store, const PurposeKey& metadata_key, const Clock& clock)
      : store_(store), key_(metadata_key), clock_(clock) {}

  Status CreateList(const std::string& account, const std::string& name,
                    const std::string& description);
  Result<std::vector<ContactListRecord>> Lists(const std::string& account);

  // CSV with a header: one column "email" (or "address"), the others attributes (their
  // names lower-cased, spaces as '_'). Each bad row is reported by line and reason; the
  // good ones are added or merged (an empty cell leaves the value there) in one
  // transaction, and subscribed to `list` (if not empty) with `consent_source`.
  // `progress` (may be empty) is told how many rows of how many have been checked.
  Result<ImportReport> ImportCsv(
      const std::string& account, const std::string& list, std::string_view csv,
      const std::string& consent_source,
      const std::function<void(std::size_t done, std::size_t total)>& progress = {});

  struct Contact {
    ContactRecord record;  // sealed_attributes as stored
    Attributes attributes;
    std::vector<std::pair<std::string, ListMemberRecord>> lists;  // list name, membership
    std::optional<SuppressionRecord> suppressed;
  };
  // One contact added or changed: `attributes` replace theirs (`merge`: only those
  // named change; a null removes one), and they join `lists` with the consent given.
  Result<Contact> Put(const std::string& account, const std::string& address,
                      std::string_view attributes_json, bool merge,
                      const std::vector<std::string>& lists, const std::string& consent_source);
  Result<std::optional<Contact>> Find(const std::string& account, const std::string& address);
  // A contact's record (attributes sealed), by id.
  Result<std::optional<ContactRecord>> FindById(const std::string& id) {
    return store_.FindContactById(id);
  }
  Status Delete(const std::string& account, const std::string& address);

  Status Unsubscribe(const std::string& account, const std::string& list,
                     const std::string& address);
  Status Suppress(const std::string& account, const std::string& address, const std::string& reason,
                  const std::string& detail);
  Status Unsuppress(const std::string& account, const std::string& address);
  // The suppression list in address order after `after`, `limit` at most.
  Result<std::vector<SuppressionRecord>> Suppressions(const std::string& account,
                                                      const std::string& after, std::size_t limit) {
    return store_.Suppressions(account, after, limit);
  }
  // Whether a campaign may write to the address: false when suppressed.
  Result<bool> MayWriteTo(const std::string& account, const std::string& address);

  // A segment: the list's consenting members that the condition matches.
  Status PutSegment(const std::string& account, const std::string& name, const std::string& list,
                    const std::string& condition);
  struct SegmentCount {
    std::int64_t members = 0;     // on the list, consented, not left
    std::int64_t matched = 0;     // of those, the condition's
    std::int64_t suppressed = 0;  // of those, suppressed: not written to
  };
  Result<SegmentCount> Count(const std::string& account, const std::string& segment);
  // The same for a condition not saved (the console's preview as it is written).
  Result<SegmentCount> CountCondition(const std::string& account, const std::string& list,
                                      const std::string& condition);
  // Each contact the segment reaches now (matched, not suppressed), in id order from
  // after `after_id`, `limit` at most; with their opened attributes.
  Result<std::vector<Contact>> Reach(const std::string& account, const std::string& segment,
                                     const std::string& after_id, std::size_t limit);
  // The same for a segment in hand (a campaign's, by id). `walked_to` (may be null) is
  // told the last contact id looked at, matched or not.
  Result<std::vector<Contact>> Reach(const SegmentRecord& segment, const std::string& after_id,
                                     std::size_t limit, std::string* walked_to = nullptr);
  Result<SegmentRecord> Segment(const std::string& account, const std::string& name);
  Result<std::vector<SegmentRecord>> Segments(const std::string& account) {
    return store_.Segments(account);
  }

  Result<Attributes> Open(const ContactRecord& contact) const;
  // A contact's record, its attributes opened: what conditions and templates read.
  Result<Contact> Opened(ContactRecord record) const;

 private:
  Result<ContactListRecord> ListNamed(const std::string& account, const std::string& name);
  Result<std::string> Seal(const std::string& contact_id, const Attributes& attributes) const;
  Result<SegmentCount> CountOf(const SegmentRecord& segment);
  // Walks the segment's members, opened, in batches; `visit` returns false to stop.
  Status Walk(const SegmentRecord& segment, const std::string& after_id,
              const std::function<bool(Contact&, bool matched, bool suppressed)>& visit);

  ContactStore& store_;
  const PurposeKey& key_;
  const Clock& clock_;
};

// What a condition or a template may ask of an opened contact (views into it).
ContactFacts FactsOf(const ContactBook::Contact& contact);

}  // namespace sealpost::campaigns
