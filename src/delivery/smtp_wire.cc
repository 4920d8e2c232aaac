#include "delivery/smtp_wire.h"

#include "base/text.h"

namespace sealpost::delivery {

std::string SmtpReply::Summary() const {
  std::string one = std::to_string(code);
  if (!text.empty()) one += " " + text;
  for (char& c : one) {
    if (c == '\n') c = ' ';
  }
  return SanitizeForLog(one, 400);
}

Result<std::optional<SmtpReply>> ReplyReader::Feed(std::string& input) {
  for (;;) {
    auto eol = input.find('\n');
    if (eol == std::string::npos) {
      if (consumed_ + input.size() > kMaxReplyBytes) {
        return MakeError(ErrorCode::kInvalidArgument, "server reply too long");
      }
      return std::optional<SmtpReply>();
    }
    consumed_ += eol + 1;
    if (consumed_ > kMaxReplyBytes) {
      return MakeError(ErrorCode::kInvalidArgument, "server reply too long");
    }
    std::string_view line(input.data(), eol);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // "ddd" alone, "ddd text" (last line) or "ddd-text" (more to come).
    bool digits = line.size() >= 3 && line[0] >= '2' && line[0] <= '5' && line[1] >= '0' &&
                  line[1] <= '9' && line[2] >= '0' && line[2] <= '9';
    if (!digits || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "malformed server reply: " + SanitizeForLog(line, 80));
    }
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (code_ != 0 && code != code_) {
      return MakeError(ErrorCode::kInvalidArgument, "reply lines with different codes");
    }
    code_ = code;
    if (!lines_text_.empty()) lines_text_ += '\n';
    if (line.size() > 4) lines_text_.append(line.substr(4));
    bool last = line.size() == 3 || line[3] == ' ';
    input.erase(0, eol + 1);
    if (last) {
      SmtpReply reply{code_, std::move(lines_text_)};
      lines_text_.clear();
      code_ = 0;
      consumed_ = 0;
      return std::optional<SmtpReply>(std::move(reply));
    }
  }
}

EhloCapabilities ParseEhlo(const SmtpReply& reply) {
  EhloCapabilities caps;
  std::string_view rest = reply.text;
  bool first = true;
  while (!rest.empty() || first) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (first) {  // the greeting line names the server, not an extension
      first = false;
      continue;
    }
    std::string word = AsciiLower(line.substr(0, line.find(' ')));
    if (word == "starttls") caps.starttls = true;
    if (word == "pipelining") caps.pipelining = true;
    if (word == "8bitmime") caps.eight_bit_mime = true;
    if (word == "smtputf8") caps.smtputf8 = true;
    if (word == "dsn") caps.dsn = true;
    if (word == "size" && line.size() > 5) {
      std::uint64_t n = 0;
      bool ok = true;
      for (char c : line.substr(5)) {
        if (c < '0' || c > '9' || n > (UINT64_MAX - 9) / 10) {
          ok = false;
          break;
        }
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (ok) caps.size = n;
    }
  }
  return caps;
}

void DataStuffer::Add(std::string_view piece, std::string& out) {
  out.reserve(out.size() + piece.size() + piece.size() / 64 + 8);
  std::size_t i = 0;
  while (i < piece.size()) {
    const char c = piece[i];
    if (c == '\n' && after_cr_) {  // its CRLF went out with the CR
      after_cr_ = false;
      ++i;
      continue;
    }
    if (c == '\r' || c == '\n') {
      out += "\r\n";
      line_start_ = true;
      after_cr_ = c == '\r';
      ++i;
      continue;
    }
    after_cr_ = false;
    if (line_start_ && c == '.') out += '.';
    line_start_ = false;
    // The rest of the line (or of the piece) as it is, in one go.
    std::size_t end = FindLineBreak(piece, i);
    if (end == std::string_view::npos) end = piece.size();
    out.append(piece.data() + i, end - i);
    i = end;
  }
}

void DataStuffer::Finish(std::string& out) {
  if (!line_start_) out += "\r\n";
  out += ".\r\n";
  line_start_ = true;
  after_cr_ = false;
}

std::string DataPayload(std::string_view content) {
  std::string out;
  DataStuffer stuffer;
  stuffer.Add(content, out);
  stuffer.Finish(out);
  return out;
}

std::string DomainOf(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return {};
  return AsciiLower(address.substr(at + 1));
}

std::string XText(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c < 33 || c > 126 || c == '+' || c == '=') {
      out += '+';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace sealpost::delivery
