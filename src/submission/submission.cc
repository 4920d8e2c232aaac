#include "submission/submission.h"

#include "base/text.h"
#include "policy/recipient_planner.h"

namespace sealpost::submission {
namespace {

bool HasControl(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

}  // namespace

policy::PlanInput PlanInputOf(const Submission& s, bool interactive) {
  policy::PlanInput in;
  in.from = s.from;
  in.to = s.to;
  in.cc = s.cc;
  in.bcc = s.bcc;
  in.subject = s.subject;
  in.text = s.text;
  in.html = s.html;
  in.attachment_texts.assign(s.attachment_texts.begin(), s.attachment_texts.end());
  if (s.question) in.question = policy::QuestionAnswer{*s.question, s.answer.value_or("")};
  in.expires_in_days = s.expires_in_days;
  in.tls_only_opt_out = s.tls_only_opt_out;
  in.interactive = interactive;
  // A sender waits on the API's answer; SMTP's processing runs in the background.
  in.deadline = std::chrono::steady_clock::now() +
                (interactive ? kInteractivePlanning : kBackgroundPlanning);
  return in;
}

void AddRuleText(Submission& s, std::string_view content_type, std::string content,
                 std::size_t* budget) {
  if (AsciiLower(content_type).rfind("text/", 0) != 0 || content.size() > *budget) return;
  *budget -= content.size();
  s.attachment_texts.push_back(std::move(content));
}

std::string QuestionProblem(std::string_view question, const RequestLimits& limits) {
  if (question.empty() || question.size() > limits.max_question || HasControl(question)) {
    return "must be 1 to " + std::to_string(limits.max_question) + " bytes of text on one line";
  }
  return {};
}

std::string SubjectProblem(std::string_view subject, const RequestLimits& limits) {
  if (subject.size() > limits.max_subject) {
    return "is longer than " + std::to_string(limits.max_subject) + " bytes";
  }
  if (HasControl(subject)) return "must not contain line breaks or control characters";
  return {};
}

std::string AnswerProblem(std::string_view answer, const RequestLimits& limits) {
  if (TrimWhitespace(answer).empty() || answer.size() > limits.max_answer || HasControl(answer)) {
    return "must be 1 to " + std::to_string(limits.max_answer) +
           " bytes of text on one line, not only spaces";
  }
  return {};
}

std::string ExpiryProblem(std::int64_t days, const RequestLimits& limits) {
  if (days < 1 || days > limits.max_expiry_days) {
    return "must be a whole number of days from 1 to " + std::to_string(limits.max_expiry_days);
  }
  return {};
}

std::vector<http::InvalidParam> CheckAttachmentMeta(const std::string& field,
                                                    const std::string& filename,
                                                    const std::string& content_type) {
  std::vector<http::InvalidParam> problems;
  if (filename.empty()) {
    problems.push_back({field + ".filename", "is required"});
  } else if (filename.size() > 255 || HasControl(filename) ||
             filename.find_first_of("/\\") != std::string::npos || filename == "." ||
             filename == "..") {
    problems.push_back({field + ".filename",
                        "must be a plain file name: at most 255 bytes, no slashes or control "
                        "characters"});
  }
  if (!content_type.empty()) {
    auto mt = http::ParseMediaType(content_type);
    if (!mt || content_type.size() > 255 || HasControl(content_type)) {
      problems.push_back({field + ".content_type", "is not a valid media type"});
    }
  }
  return problems;
}

}  // namespace sealpost::submission
