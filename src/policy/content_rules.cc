#include "policy/content_rules.h"

#include <re2/re2.h>

namespace sealpost::policy {

ContentRules::~ContentRules() = default;
ContentRules::ContentRules(ContentRules&&) noexcept = default;
ContentRules& ContentRules::operator=(ContentRules&&) noexcept = default;

Result<ContentRules> ContentRules::Compile(const std::vector<ContentRuleSpec>& specs) {
  ContentRules out;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    const std::string field = "content_rules[" + std::to_string(i) + "]";
    if (spec.pattern.empty() || spec.pattern.size() > 1000) {
      return MakeError(ErrorCode::kInvalidArgument, "must be 1 to 1000 characters", field);
    }
    std::string pattern;
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(8 << 20);  // bounds the compiled program, too
    switch (spec.kind) {
      case ContentRuleSpec::Kind::kKeyword:
      case ContentRuleSpec::Kind::kPhrase: {
        // Words in order, any white space between them, whole words only.
        std::string body;
        std::size_t start = 0;
        const std::string& p = spec.pattern;
        while (start < p.size()) {
          while (start < p.size() && std::isspace(static_cast<unsigned char>(p[start]))) ++start;
          std::size_t end = start;
          while (end < p.size() && !std::isspace(static_cast<unsigned char>(p[end]))) ++end;
          if (end > start) {
            if (!body.empty()) body += "\\s+";
            body += RE2::QuoteMeta(p.substr(start, end - start));
          }
          start = end;
        }
        if (body.empty()) return MakeError(ErrorCode::kInvalidArgument, "has no words", field);
        pattern = "\\b" + body + "\\b";
        options.set_case_sensitive(false);
        break;
      }
      case ContentRuleSpec::Kind::kRegex:
        pattern = spec.pattern;
        break;
    }
    auto re = std::make_unique<re2::RE2>(pattern, options);
    if (!re->ok()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "is not a valid regular expression: " + re->error(), field);
    }
    out.rules_.push_back({spec.pattern, std::move(re)});
  }
  return out;
}

ContentMatch ContentRules::Match(std::string_view subject, std::string_view body,
                                 const std::vector<std::string_view>& attachment_texts) const {
  for (const auto& rule : rules_) {
    if (RE2::PartialMatch(subject, *rule.re)) return {true, rule.written, "subject"};
    if (RE2::PartialMatch(body, *rule.re)) return {true, rule.written, "body"};
    for (std::size_t i = 0; i < attachment_texts.size(); ++i) {
      if (RE2::PartialMatch(attachment_texts[i], *rule.re)) {
        return {true, rule.written, "attachment " + std::to_string(i + 1)};
      }
    }
  }
  return {};
}

}  // namespace sealpost::policy
