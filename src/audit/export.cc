#include "audit/export.h"

#include <boost/json.hpp>
#include <cmath>

#include "base/clock.h"
#include "base/csv.h"
#include "base/encoding.h"
#include "base/text.h"

namespace sealpost::audit {
namespace json = boost::json;
namespace {

// A number too large for a double parses as infinity, which JSON cannot write back
// (it would come out as 1e99999, which no reader takes): such details are kept as text.
bool AllNumbersFinite(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_:
      return std::isfinite(v.get_double());
    case json::kind::array:
      for (const auto& e : v.get_array()) {
        if (!AllNumbersFinite(e)) return false;
      }
      return true;
    case json::kind::object:
      for (const auto& e : v.get_object()) {
        if (!AllNumbersFinite(e.value())) return false;
      }
      return true;
    default:
      return true;
  }
}

}  // namespace

// JSON strings must be UTF-8: a byte that is not (a remote server's reply, an address
// typed at a sign-in) is written as U+FFFD. The record's hash is over the bytes kept.
std::string RecordJson(const AuditRecord& r) {
  json::object o{{"seq", r.seq},
                 {"at", FormatRfc3339(r.at)},
                 {"actor_kind", ValidUtf8(r.actor_kind)},
                 {"actor", ValidUtf8(r.actor)},
                 {"client_address", ValidUtf8(r.client_address)},
                 {"account", ValidUtf8(r.account)},
                 {"action", ValidUtf8(r.action)},
                 {"subject", ValidUtf8(r.subject)},
                 {"result", ValidUtf8(r.result)},
                 {"message_id", ValidUtf8(r.message_id)},
                 {"recipient", ValidUtf8(r.recipient)},
                 {"hash", HexEncode(r.hash)}};
  json::value details;
  if (!r.details.empty()) {
    boost::system::error_code ec;
    details = json::parse(r.details, ec);
    if (ec || !AllNumbersFinite(details)) details = json::string(ValidUtf8(r.details));
  }
  o["details"] = std::move(details);
  return json::serialize(o);
}

std::string CsvHeader() {
  return "seq,at,actor_kind,actor,client_address,account,action,subject,result,message_id,"
         "recipient,details,hash\r\n";
}

std::string RecordCsv(const AuditRecord& r) {
  std::string out = std::to_string(r.seq) + "," + FormatRfc3339(r.at);
  for (const std::string* f : {&r.actor_kind, &r.actor, &r.client_address, &r.account, &r.action,
                               &r.subject, &r.result, &r.message_id, &r.recipient, &r.details}) {
    out += ",";
    out += SpreadsheetCell(*f);
  }
  out += "," + HexEncode(r.hash) + "\r\n";
  return out;
}

namespace {

// RFC 5424 §6.3.3: '"', '\\' and ']' are escaped in a PARAM-VALUE.
std::string SdValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

// A header field: printable US-ASCII without spaces, at most `max`; "-" when empty.
std::string HeaderField(std::string_view v, std::size_t max) {
  std::string out;
  for (char c : v.substr(0, max)) out += (c > 32 && c < 127) ? c : '_';
  return out.empty() ? "-" : out;
}

}  // namespace

std::string SyslogMessage(const AuditRecord& r, std::string_view hostname, int pid) {
  constexpr int kAuthPriv = 10;
  const int severity = r.result == "ok" ? 6 : 4;
  return "<" + std::to_string(kAuthPriv * 8 + severity) + ">1 " + FormatRfc3339(r.at) + " " +
         HeaderField(hostname, 255) + " sealpost " + std::to_string(pid) +
         " audit [sealpost@32473 seq=\"" + std::to_string(r.seq) + "\" action=\"" +
         SdValue(r.action) + "\" result=\"" + SdValue(r.result) + "\"] " + RecordJson(r);
}

}  // namespace sealpost::audit
