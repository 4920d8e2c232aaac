// The client side of SMTP's wire format (RFC 5321), without I/O: reading replies
// (multi-line, bounded), reading EHLO capabilities, and preparing message content for
// DATA so that no malformed end-of-data sequence can ever leave — every line ends in
// CRLF, a leading dot is doubled, and the terminator is added here and nowhere else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealpost::delivery {

struct SmtpReply {
  int code = 0;         // 200..599
  std::string text;     // the lines' text after the code, joined with "\n"

  bool Positive() const { return code >= 200 && code < 400; }
  bool Transient() const { return code >= 400 && code < 500; }
  bool Permanent() const { return code >= 500; }
  // "550 5.1.1 no such user" on one line, made safe for logs and reports.
  std::string Summary() const;
};

// Collects one reply from the bytes a server sends. Replies longer than
// kMaxReplyBytes or with malformed lines are errors (the connection is then useless).
class ReplyReader {
 public:
  static constexpr std::size_t kMaxReplyBytes = 16 * 1024;

  // Consumes bytes from `input` (removing what it used). Returns the reply once its
  // last line is complete; nullopt when more bytes are needed.
  Result<std::optional<SmtpReply>> Feed(std::string& input);

 private:
  std::string lines_text_;
  int code_ = 0;
  std::size_t consumed_ = 0;
};

struct EhloCapabilities {
  bool starttls = false;
  bool pipelining = false;
  bool eight_bit_mime = false;
  bool smtputf8 = false;
  bool dsn = false;
  std::uint64_t size = 0;  // 0: no limit announced
};

EhloCapabilities ParseEhlo(const SmtpReply& reply);

// The bytes to send after DATA's 354: bare CR and bare LF become CRLF, lines starting
// with "." get another ".", a final CRLF is added when missing, then ".\r\n".
std::string DataPayload(std::string_view content);

// The same, piece by piece: however the content is cut, the pieces' output together
// is DataPayload of the whole.
class DataStuffer {
 public:
  void Add(std::string_view piece, std::string& out);
  void Finish(std::string& out);

 private:
  bool line_start_ = true;
  bool after_cr_ = false;  // the last byte was a CR: an LF next belongs to it
};

// The domain part of an address (after the last '@'), lower-cased; empty without one.
std::string DomainOf(std::string_view address);

// An ESMTP parameter value as xtext (RFC 3461 §4): "+" and "=", controls and
// non-ASCII as "+XX".
std::string XText(std::string_view s);

}  // namespace sealpost::delivery
