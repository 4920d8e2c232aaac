#include "escrow/answer.h"

#include "base/text.h"

namespace sealpost {

std::string NormaliseAnswer(std::string_view answer) {
  std::string out;
  bool pending_space = false;
  for (char c : answer) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return AsciiLower(out);
}

}  // namespace sealpost
