// Content-driven encryption: an account or domain may encrypt only messages whose
// subject, body or attachments' text match its rules. Matching uses RE2, so no rule
// a user writes can make matching slower than linear in the input (no backtracking:
// "(a+)+$" is as fast as "a").
// Thread-safety: a compiled ContentRules is immutable and may be shared.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/settings.h"

namespace re2 { class RE2; }

namespace sealpost::policy {

struct ContentMatch {
  bool matched = false;
  std::string rule;   // the rule that matched, as written
  std::string where;  // "subject", "body" or "attachment <n>"
};

class ContentRules {
 public:
  // kInvalidArgument (field "content_rules[i]") for a rule that does not compile.
  static Result<ContentRules> Compile(const std::vector<ContentRuleSpec>& specs);
  ~ContentRules();
  ContentRules(ContentRules&&) noexcept;
  ContentRules& operator=(ContentRules&&) noexcept;

  bool empty() const { return rules_.empty(); }
  ContentMatch Match(std::string_view subject, std::string_view body,
                     const std::vector<std::string_view>& attachment_texts) const;

 private:
  ContentRules() = default;
  struct Rule {
    std::string written;
    std::unique_ptr<re2::RE2> re;
  };
  std::vector<Rule> rules_;
};

}  // namespace sealpost::policy
