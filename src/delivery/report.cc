#include "delivery/report.h"

#include <boost/json.hpp>

#include "base/clock.h"
#include "base/text.h"

namespace sealpost::delivery {

namespace json = boost::json;

const char* OutcomeName(DeliveryReport::Outcome outcome) {
  switch (outcome) {
    case DeliveryReport::Outcome::kDelivered: return "delivered";
    case DeliveryReport::Outcome::kDeferred: return "deferred";
    case DeliveryReport::Outcome::kBounced: return "bounced";
    case DeliveryReport::Outcome::kNoTls: return "tls-unavailable";
  }
  return "?";
}

std::string ReportToJson(const DeliveryReport& r) {
  json::object o{{"outcome", OutcomeName(r.outcome)},
                 {"reply", r.reply},
                 {"mx_host", r.mx_host},
                 {"mx_address", r.mx_address},
                 {"tls_version", r.tls_version},
                 {"tls_cipher", r.tls_cipher},
                 {"authentication", r.authentication},
                 {"started_at", r.started_at ? FormatRfc3339(r.started_at) : ""},
                 {"finished_at", r.finished_at ? FormatRfc3339(r.finished_at) : ""}};
  return json::serialize(o);
}

bool DsnRequest::WantsFailure() const {
  if (notify.empty()) return true;
  return AsciiLower(notify).find("failure") != std::string::npos;
}

DsnRequest ParseDsnRequest(std::string_view text) {
  DsnRequest d;
  if (text.empty()) return d;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return d;
  auto str = [&](const char* key) {
    const json::value* f = v.as_object().if_contains(key);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  d.notify = str("notify");
  d.orcpt = str("orcpt");
  d.envid = str("envid");
  return d;
}

}  // namespace sealpost::delivery
