// libFuzzer target: the SMTP session state machine against arbitrary client bytes, cut
// into arbitrary reads. Beyond "no crash, no leak, no UB" (ASan/UBSan), it checks the
// invariants smuggling defences rest on: every accepted message has CRLF line endings
// only, no message exceeds the size limit, and every reply line is "ddd" + text + CRLF.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/session.h"

namespace {

using sealpost::smtp::Session;

std::string_view current;  // what is being checked, printed when a check fails

void Check(bool ok) {
  if (ok) return;
  std::fprintf(stderr, "invariant broken in: %.*s\n", static_cast<int>(current.size()),
               current.data());
  std::abort();
}

void CheckCrlfOnly(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') Check(i + 1 < s.size() && s[i + 1] == '\n');
    if (s[i] == '\n') Check(i > 0 && s[i - 1] == '\r');
  }
}

void CheckReplies(std::string_view out) {
  current = out;
  CheckCrlfOnly(out);
  while (!out.empty()) {
    auto end = out.find("\r\n");
    Check(end != std::string_view::npos && end >= 3);
    for (int i = 0; i < 3; ++i) Check(out[i] >= '0' && out[i] <= '9');
    Check(end == 3 || out[3] == ' ' || out[3] == '-');
    out.remove_prefix(end + 2);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // The first byte sets the session's circumstances, the second how reads are cut.
  sealpost::smtp::SessionOptions options;
  options.tls_active = data[0] & 1;
  options.trusted_client = data[0] & 2;
  options.starttls_offered = data[0] & 4;
  sealpost::smtp::SessionLimits limits;
  limits.max_message_bytes = 4096;
  limits.max_recipients = 5;
  const std::size_t chunk = 1 + data[1] % 64;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

  Session session(options, limits);
  session.Start();
  int messages = 0;
  for (std::size_t pos = 0; pos <= input.size();) {
    Session::Step step = session.Next();
    CheckReplies(session.TakeOutput());
    if (step == Session::Step::kClose) break;
    switch (step) {
      case Session::Step::kNeedInput:
        if (pos == input.size()) return 0;
        session.Receive(input.substr(pos, chunk));
        pos += std::min(chunk, input.size() - pos);
        break;
      case Session::Step::kStartTls:
        session.TlsStarted();
        break;
      case Session::Step::kAuthenticate:
        session.AuthResult(session.AuthPassword().view() == "secret", {"a@example.org"});
        break;
      case Session::Step::kMessage: {
        std::string message = session.TakeMessage();
        current = message;
        CheckCrlfOnly(message);
        Check(message.size() <= limits.max_message_bytes);
        Check(!session.envelope().recipients.empty());
        Check(session.envelope().recipients.size() <= limits.max_recipients);
        if (++messages % 2) {
          session.Committed("Q");
        } else {
          session.NotCommitted("451 4.3.0 try again");
        }
        break;
      }
      case Session::Step::kClose:
        break;
    }
  }
  return 0;
}
