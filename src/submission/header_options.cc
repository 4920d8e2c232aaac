#include "submission/header_options.h"

#include <algorithm>

#include "base/text.h"

namespace sealpost::submission {

std::string ApplyHeaderOptions(const std::map<std::string, std::string>& options,
                               const RequestLimits& limits, Submission& m) {
  for (const auto& [name, value] : options) {
    if (name == "question") {
      if (auto why = QuestionProblem(value, limits); !why.empty()) {
        return "X-Sealpost-Question " + why;
      }
      m.question = value;
    } else if (name == "answer") {
      if (auto why = AnswerProblem(value, limits); !why.empty()) return "X-Sealpost-Answer " + why;
      m.answer = value;
    } else if (name == "tls-only") {
      if (EqualsIgnoreCase(value, "no")) {
        m.tls_only_opt_out = true;
      } else if (!EqualsIgnoreCase(value, "yes")) {
        return "X-Sealpost-TLS-Only must be yes or no";
      }
    } else if (name == "expires") {
      const bool digits = !value.empty() && value.size() <= 5 &&
                          std::all_of(value.begin(), value.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
      const int days = digits ? std::stoi(value) : 0;
      if (auto why = ExpiryProblem(days, limits); !why.empty()) return "X-Sealpost-Expires " + why;
      m.expires_in_days = days;
    } else {
      return "X-Sealpost-" + SanitizeForLog(name, 40) +
             " is not a known header field (known: Question, Answer, TLS-Only, Expires)";
    }
  }
  if (m.question.has_value() != m.answer.has_value()) {
    return "X-Sealpost-Question and X-Sealpost-Answer must be given together";
  }
  return {};
}

}  // namespace sealpost::submission
