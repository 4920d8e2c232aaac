// Contacts, their lists and consent, the suppression list and saved segments (issue 25),
// per account. A contact's attributes may be health data: they are kept sealed under
// the metadata key (campaigns/contacts.h seals and opens them); the address is kept in
// clear, as address books keep it, to find a contact and to honour suppressions.
// Kept apart from store/stores.h so that only the campaigns and the stores' makers
// include it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace sealpost {

struct ContactRecord {
  std::string id;
  std::string account;
  std::string address;            // lower case
  std::string sealed_attributes;  // a JSON object, sealed (campaigns::AttributesAad)
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::int64_t last_sent = 0;  // 0: never
  std::int64_t last_opened = 0;
  std::int64_t last_clicked = 0;
};

struct ContactListRecord {
  std::string id;
  std::string account;
  std::string name;
  std::string description;
  std::int64_t created_at = 0;
  std::int64_t subscribed = 0;  // as listed: members who consented and have not left
};

// A contact on a list: when and how they consented, and when they left (0: still on).
struct ListMemberRecord {
  std::string list_id;
  std::string contact_id;
  std::int64_t consented_at = 0;
  std::string consent_source;
  std::int64_t unsubscribed_at = 0;
};

// An address no campaign or automation of the account writes to.
struct SuppressionRecord {
  std::string account;
  std::string address;  // lower case
  std::string reason;   // unsubscribed | bounced | complained | added
  std::int64_t at = 0;
  std::string detail;  // what said so (a campaign, a bounce's reply), never content
};

struct SegmentRecord {
  std::string id;
  std::string account;
  std::string name;
  std::string list_id;
  std::string condition;  // campaigns/segment.h
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

class ContactStore {
 public:
  virtual ~ContactStore() = default;

  // Contacts kept as given (new ones, or replacing the attributes of the account's
  // contact of that address: its id, creation and engagement stay), each subscribed to
  // `subscribe` (list ids) with the consent given — a member who had left is on the
  // list again — all in one transaction. Returns each contact's id, in order.
  // kUnavailable (nothing kept) when a contact given as new was added meanwhile under
  // another id: its attributes are sealed to the id given.
  struct Put {
    ContactRecord contact;
    std::vector<std::string> subscribe;
    std::int64_t consented_at = 0;
    std::string consent_source;
  };
  virtual Result<std::vector<std::string>> PutContacts(const std::vector<Put>& puts) = 0;
  virtual Result<std::optional<ContactRecord>> FindContact(const std::string& account,
                                                           const std::string& address) = 0;
  virtual Result<std::optional<ContactRecord>> FindContactById(const std::string& id) = 0;
  // The account's contacts of these addresses (lower case), by address.
  virtual Result<std::map<std::string, ContactRecord>> FindContacts(
      const std::string& account, const std::vector<std::string>& addresses) = 0;
  // In address order after `after`, `limit` at most.
  virtual Result<std::vector<ContactRecord>> PageContacts(const std::string& account,
                                                          const std::string& after,
                                                          std::size_t limit) = 0;
  virtual Result<std::int64_t> CountContacts(const std::string& account) = 0;
  // The contact and their memberships (kNotFound when there is none). A suppression of
  // the address stays: forgetting someone must not start writing to them again.
  virtual Status DeleteContact(const std::string& account, const std::string& address) = 0;

  virtual Status CreateList(const ContactListRecord& list) = 0;  // kAlreadyExists
  virtual Result<std::optional<ContactListRecord>> FindList(const std::string& account,
                                                            const std::string& name) = 0;
  virtual Result<std::vector<ContactListRecord>> Lists(const std::string& account) = 0;
  // A contact's lists, joined or left.
  virtual Result<std::vector<ListMemberRecord>> Memberships(const std::string& contact_id) = 0;
  // The list's members who consented and have not left, in contact id order after
  // `after_id`, `limit` at most, each with whether their address is suppressed: what a
  // segment walks.
  struct Member {
    ContactRecord contact;
    bool suppressed = false;
  };
  virtual Result<std::vector<Member>> Subscribed(const std::string& list_id,
                                                 const std::string& after_id,
                                                 std::size_t limit) = 0;
  // kNotFound when the contact is not on the list; leaving twice keeps the first time.
  virtual Status Unsubscribe(const std::string& list_id, const std::string& contact_id,
                             std::int64_t at) = 0;

  virtual Status Suppress(const SuppressionRecord& s) = 0;  // replaces the address's
  virtual Status Unsuppress(const std::string& account, const std::string& address) = 0;
  virtual Result<std::optional<SuppressionRecord>> FindSuppression(const std::string& account,
                                                                   const std::string& address) = 0;
  // In address order after `after`, `limit` at most.
  virtual Result<std::vector<SuppressionRecord>> Suppressions(const std::string& account,
                                                              const std::string& after,
                                                              std::size_t limit) = 0;

  // Kept by (account, name): a new one, or the condition and list of the one there.
  virtual Status PutSegment(const SegmentRecord& segment) = 0;
  virtual Result<std::optional<SegmentRecord>> FindSegment(const std::string& account,
                                                           const std::string& name) = 0;
  virtual Result<std::optional<SegmentRecord>> FindSegmentById(const std::string& id) = 0;
  virtual Result<std::vector<SegmentRecord>> Segments(const std::string& account) = 0;
  virtual Status DeleteSegment(const std::string& account, const std::string& name) = 0;
};

}  // namespace sealpost
