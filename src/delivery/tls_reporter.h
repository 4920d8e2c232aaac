// TlsReporter: the daily half of TLS reporting (RFC 8460). It keeps the tallies of a
// TlsSessionLog in the store and, for each day, mails each domain that publishes a
// "_smtp._tls" record its report, through the outbound queue (from the null sender, so
// a report that cannot be delivered makes no bounce). `sealpost admin tlsrpt send`
// and the server's hourly check both use it.
// Thread-safety: one caller at a time (blocking: DNS and the store).
#pragma once

#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"

namespace sealpost {
class QueueStore;
class TlsReportStore;
}  // namespace sealpost

namespace sealpost::delivery {

class Resolver;
class TlsSessionLog;

struct TlsReporterSettings {
  std::string submitter;     // our host name
  std::string organisation;
  std::string from;          // the reports' From and contact-info
};

class TlsReporter {
 public:
  TlsReporter(TlsReporterSettings settings, TlsReportStore& store, QueueStore& queue,
              const SecretBytes& queue_key, Resolver& resolver, const Clock& clock)
      : settings_(std::move(settings)), store_(store), queue_(queue), queue_key_(queue_key),
        resolver_(resolver), clock_(clock) {}

  // Moves the log's tallies into the store.
  Status Keep(TlsSessionLog& log);
  // Reports `day` ("YYYY-MM-DD"): its tallies leave the store; each domain with a
  // TLSRPT record gets a mail at each of its mailto: addresses. Returns how many mails
  // were queued. A domain whose record cannot be read now is skipped (and logged).
  Result<int> Report(const std::string& day);
  // Every day before today that still has tallies.
  Result<int> ReportDue();

 private:
  TlsReporterSettings settings_;
  TlsReportStore& store_;
  QueueStore& queue_;
  const SecretBytes& queue_key_;
  Resolver& resolver_;
  const Clock& clock_;
};

}  // namespace sealpost::delivery
