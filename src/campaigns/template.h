// Message templates for campaigns and automations (issue 25): a subject, a text part and
// an optional HTML part with merge fields and conditionals, in a logic-light language
// of its own (docs/templates.md), parsed without I/O:
//
//   Dear {{first_name | default: "patient"}},
//   {{#if appointment is set}}Your appointment is on {{appointment | date}}.{{else}}…{{/if}}
//   <a href="{{@unsubscribe_url}}">Unsubscribe</a>
//
// Conditions are segment conditions (campaigns/segment.h). Every value is escaped for
// where it goes — HTML-escaped in the HTML part, line breaks removed from the subject —
// and a contact's values may not be put inside an HTML tag at all (an attribute value
// such as href would let "javascript:" in): only sealpost's own links may.
// Thread-safety: a parsed Template is immutable.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "campaigns/segment.h"

namespace sealpost::campaigns {

inline constexpr std::size_t kMaxTemplateBytes = 256 * 1024;  // per part
inline constexpr int kMaxTemplateDepth = 16;
inline constexpr std::size_t kMaxTemplateParts = 2000;

// What a template may say beyond the contact: "@" links and names sealpost gives
// (unsubscribe_url, preferences_url, organisation), each value as it is.
using TemplateLinks = std::map<std::string, std::string, std::less<>>;

class TemplatePart {
 public:
  enum class Kind { kText, kHtml, kSubject };
  // kInvalidArgument naming the part and place: "html: line 3, column 12: …".
  static Result<TemplatePart> Parse(std::string_view source, Kind kind);

  std::string Render(const ContactFacts& contact, const TemplateLinks& links,
                     std::int64_t now) const;
  const std::string& source() const { return source_; }
  bool empty() const { return source_.empty(); }

  struct Node;  // the parsed tree, private to template.cc

 private:
  Kind kind_ = Kind::kText;
  std::string source_;
  std::shared_ptr<const std::vector<Node>> nodes_;
};

// A whole template: subject, text and (optional) HTML.
struct MessageTemplate {
  TemplatePart subject;
  TemplatePart text;
  TemplatePart html;  // empty: text only

  static Result<MessageTemplate> Parse(std::string_view subject, std::string_view text,
                                       std::string_view html);
  struct Rendered {
    std::string subject, text, html;
  };
  Rendered Render(const ContactFacts& contact, const TemplateLinks& links, std::int64_t now) const;
};

// The "@" names a template may use (and the links a sender of it must give).
const std::vector<std::string>& TemplateLinkNames();

}  // namespace sealpost::campaigns
