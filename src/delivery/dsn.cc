#include "delivery/dsn.h"

#include "base/clock.h"
#include "base/text.h"
#include "crypto/random.h"

namespace sealpost::delivery {
namespace {

bool Clean(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// The original's header block (up to the first empty line), CRLF, without its body.
std::string HeaderOf(const std::string& message) {
  auto end = message.find("\r\n\r\n");
  std::string header = end == std::string::npos ? message : message.substr(0, end + 2);
  constexpr std::size_t kMaxHeader = 64 * 1024;
  if (header.size() > kMaxHeader) {
    header.resize(kMaxHeader);
    auto last = header.rfind("\r\n");
    header.resize(last == std::string::npos ? 0 : last + 2);
  }
  return header;
}

bool IsStatusCode(std::string_view s) {
  // class "." subject "." detail: 2|4|5 . 1-3 digits . 1-3 digits
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
  std::size_t dots = 0, digits = 0;
  for (std::size_t i = 2; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (digits == 0 || ++dots > 1) return false;
      digits = 0;
    } else if (s[i] >= '0' && s[i] <= '9') {
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 1 && digits > 0;
}

}  // namespace

std::string StatusOfReply(const std::string& reply) {
  if (reply.size() >= 5 && reply[3] == ' ') {
    std::string_view rest(reply);
    rest.remove_prefix(4);
    std::string_view word = rest.substr(0, rest.find(' '));
    if (IsStatusCode(word) && word[0] == reply[0]) return std::string(word);
  }
  if (!reply.empty() && (reply[0] == '4' || reply[0] == '5')) return std::string(1, reply[0]) + ".0.0";
  return "5.0.0";
}

Result<std::string> BuildDsn(const DsnInput& in) {
  for (const std::string* s : {&in.reporting_mta, &in.organisation, &in.to, &in.envelope_id}) {
    if (!Clean(*s)) return MakeError(ErrorCode::kInvalidArgument, "control character in a DSN field");
  }
  for (const auto& r : in.recipients) {
    for (const std::string* s : {&r.address, &r.original_recipient, &r.smtp_reply, &r.reason,
                                 &r.remote_mta}) {
      if (!Clean(*s)) return MakeError(ErrorCode::kInvalidArgument, "control character in a DSN field");
    }
  }
  const std::string boundary = "=_sealpost_dsn_" + NewId();
  std::string out;
  out += "From: Mail Delivery System <MAILER-DAEMON@" + in.reporting_mta + ">\r\n";
  out += "To: <" + in.to + ">\r\n";
  out += "Subject: Undelivered Mail Returned to Sender\r\n";
  out += "Date: " + FormatRfc5322Date(in.now) + "\r\n";
  out += "Message-ID: <" + NewId() + "@" + in.reporting_mta + ">\r\n";
  out += "Auto-Submitted: auto-replied\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/report; report-type=delivery-status;\r\n boundary=\"" + boundary +
         "\"\r\n\r\n";
  out += "This is a MIME-encapsulated message.\r\n\r\n";

  // 1: for people.
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: 8bit\r\n\r\n";
  out += "This is the mail system of " + in.organisation + " (" + in.reporting_mta + ").\r\n\r\n";
  out += "Your message could not be delivered to the recipients below. The reason each\r\n"
         "was given follows its address.\r\n\r\n";
  for (const auto& r : in.recipients) {
    out += "<" + r.address + ">: ";
    if (r.expired) out += "gave up after retrying until " + FormatHumanDate(r.last_attempt) + "; last: ";
    out += !r.smtp_reply.empty() ? "host " + r.remote_mta + " said: " + r.smtp_reply : r.reason;
    out += "\r\n";
  }
  out += "\r\nThe header of your message is attached; its content is not.\r\n\r\n";

  // 2: for programs (RFC 3464 §2).
  out += "--" + boundary + "\r\n";
  out += "Content-Type: message/delivery-status\r\n\r\n";
  out += "Reporting-MTA: dns; " + in.reporting_mta + "\r\n";
  if (!in.envelope_id.empty()) out += "Original-Envelope-Id: " + in.envelope_id + "\r\n";
  if (in.arrival != 0) out += "Arrival-Date: " + FormatRfc5322Date(in.arrival) + "\r\n";
  for (const auto& r : in.recipients) {
    out += "\r\n";
    out += "Final-Recipient: rfc822; " + r.address + "\r\n";
    if (!r.original_recipient.empty()) out += "Original-Recipient: " + r.original_recipient + "\r\n";
    out += "Action: failed\r\n";
    // RFC 3463: 4.4.7 "delivery time expired" for what was retried until it expired.
    std::string reason_code = r.reason.substr(0, r.reason.find(' '));
    std::string status = r.expired                 ? "4.4.7"
                         : !r.smtp_reply.empty()   ? StatusOfReply(r.smtp_reply)
                         : IsStatusCode(reason_code) ? reason_code
                                                   : "5.0.0";
    out += "Status: " + status + "\r\n";
    if (!r.remote_mta.empty()) out += "Remote-MTA: dns; " + r.remote_mta + "\r\n";
    if (!r.smtp_reply.empty()) out += "Diagnostic-Code: smtp; " + r.smtp_reply + "\r\n";
    if (r.last_attempt != 0) out += "Last-Attempt-Date: " + FormatRfc5322Date(r.last_attempt) + "\r\n";
  }
  out += "\r\n";

  // 3: the original's header.
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/rfc822-headers\r\n\r\n";
  out += HeaderOf(in.original);
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace sealpost::delivery
