// Segments (issue 25): which of an account's contacts a campaign or an automation
// reaches, written by a person as a condition over each contact's attributes and what
// sealpost knows of them ("last_visit < 11 months ago and not @last_opened > 30 days ago").
// A small language of its own, parsed without I/O and evaluated in memory: no text from
// a user ever becomes SQL, and attributes are sealed at rest, so they can only be
// judged once opened. Grammar, semantics and limits: docs/segments.md.
// Thread-safety: a parsed Condition is immutable; Matches may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealpost::campaigns {

// One attribute's value, as a contact carries it (flat JSON: string, number, bool).
struct AttributeValue {
  enum class Kind { kString, kNumber, kBool };
  Kind kind = Kind::kString;
  std::string text;   // kString
  double number = 0;  // kNumber
  bool flag = false;  // kBool
};
using Attributes = std::map<std::string, AttributeValue, std::less<>>;

// What a condition may ask of one contact: its attributes, and "@" facts.
struct ContactFacts {
  std::string address;
  const Attributes* attributes = nullptr;  // null: none
  std::int64_t added_at = 0;               // @added
  std::int64_t last_sent = 0;              // @last_sent; 0: never
  std::int64_t last_opened = 0;            // @last_opened; 0: never
  std::int64_t last_clicked = 0;           // @last_clicked; 0: never
};

inline constexpr std::size_t kMaxConditionBytes = 4096;
inline constexpr std::size_t kMaxConditionNodes = 256;
inline constexpr int kMaxConditionDepth = 32;
inline constexpr std::size_t kMaxInValues = 100;

class Condition {
 public:
  // kInvalidArgument naming the place ("at character 14: ...") and what was expected.
  // The empty condition (or only spaces) matches every contact.
  static Result<Condition> Parse(std::string_view text);

  // Whether the contact is in the segment at `now` (relative times such as "30 days
  // ago" are measured from it).
  bool Matches(const ContactFacts& contact, std::int64_t now) const;
  // The attribute names the condition reads (not the "@" facts), sorted.
  std::vector<std::string> Attributes() const;
  const std::string& text() const { return text_; }

  struct Node;  // the parsed tree, private to segment.cc

 private:
  std::string text_;
  std::shared_ptr<const std::vector<Node>> nodes_;  // empty: every contact
  std::size_t root_ = 0;
};

// An attribute name as contacts, imports and conditions may use it: a letter, then
// letters, digits and '_', 64 at most, lower case.
bool IsAttributeName(std::string_view name);

}  // namespace sealpost::campaigns
