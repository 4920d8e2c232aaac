// The queue's record of an attempt (a DeliveryReport as JSON, what the API and
// `sealpost admin queue` show), and the sender's RFC 3461 wishes kept with an entry.
#pragma once

#include <string>
#include <string_view>

#include "delivery/target.h"

namespace sealpost::delivery {

const char* OutcomeName(DeliveryReport::Outcome outcome);

// {"outcome", "reply", "mx_host", "mx_address", "tls_version", "tls_cipher",
//  "authentication", "started_at", "finished_at"}; times as RFC 3339.
std::string ReportToJson(const DeliveryReport& report);

// RFC 3461 parameters as the submission stored them ({"notify", "orcpt", "envid"}).
struct DsnRequest {
  std::string notify;  // "", "NEVER", or a list of SUCCESS, FAILURE, DELAY
  std::string orcpt;
  std::string envid;
  // Whether the sender wants to hear of a failure: yes unless NOTIFY says otherwise.
  bool WantsFailure() const;
};
DsnRequest ParseDsnRequest(std::string_view json);

}  // namespace sealpost::delivery
