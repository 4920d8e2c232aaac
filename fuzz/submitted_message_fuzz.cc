// libFuzzer target: taking apart a submitted message (GMime) and stripping the
// X-Sealpost-* fields, and reading it as a feedback report (ARF, RFC 5965: what the
// feedback address takes from anyone's mailbox provider). Checks that stripping leaves
// no option field in the header and never grows the message, and that a report's links
// are bounded and whole.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/text.h"
#include "mime/feedback_report.h"
#include "mime/submitted.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string raw(reinterpret_cast<const char*>(data), size);
  (void)sealpost::ParseSubmittedMessage(raw, 50);
  if (auto report = sealpost::ParseFeedbackReport(raw); report.ok()) {
    if (report->feedback_type.empty() || report->unsubscribe_links.size() > 10) std::abort();
    for (const auto& link : report->unsubscribe_links) {
      if (link.empty() || link.find_first_of(" \t\r\n<>") != std::string::npos) std::abort();
    }
  }
  std::string stripped = sealpost::StripSealpostHeaders(raw);
  if (stripped.size() > raw.size()) std::abort();
  // No field of the header section (up to the first empty line) may still be an
  // option field.
  std::string_view rest(stripped);
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line == "\n" || line == "\r\n") break;
    if (sealpost::AsciiLower(line.substr(0, 11)) == "x-sealpost-") std::abort();
    rest.remove_prefix(line.size());
  }
  // And GMime, reading the stripped message, must find no option either: the two
  // must agree on where the header section ends.
  auto again = sealpost::ParseSubmittedMessage(stripped, 50);
  if (again.ok() && !again->options.empty()) std::abort();
  return 0;
}
