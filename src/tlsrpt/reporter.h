// TlsReporter: the daily half of TLS reporting (RFC 8460). It keeps the tallies of a
// TlsSessionLog in the store and, for each day, mails each domain that publishes a
// "_smtp._tls" record its report, through the outbound queue (from the null sender, so
// a report that cannot be delivered makes no bounce). `sealpost admin tlsrpt send`
// and the server's hourly check both use it.
// Thread-safety: one caller at a time (blocking: DNS and the store).
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/key_ring.h"

namespace boost::asio::ssl {
class context;
}

namespace sealpost {
class QueueStore;
class TlsReportStore;
}  // namespace sealpost

namespace sealpost::dns {
class Resolver;
}  // namespace sealpost::dns

namespace sealpost::delivery {
class TlsSessionLog;
}  // namespace sealpost::delivery

namespace sealpost::tlsrpt {

struct TlsReporterSettings {
  std::string submitter;     // our host name
  std::string organisation;
  std::string from;          // the reports' From and contact-info
  std::string trusted_ca_file;  // for https: reporting addresses; "": the system's CAs
};

class TlsReporter {
 public:
  TlsReporter(TlsReporterSettings settings, TlsReportStore& store, QueueStore& queue,
              const PurposeKey& queue_key, dns::Resolver& resolver, const Clock& clock);
  ~TlsReporter();

  // Moves the log's tallies into the store.
  Status Keep(delivery::TlsSessionLog& log);
  // Reports `day` ("YYYY-MM-DD"): its tallies leave the store; each domain with a
  // TLSRPT record gets its report at each of its addresses: by mail through the queue
  // (mailto:), or POSTed at once (https:, the server's certificate checked). Returns how many mails
  // were queued. A domain whose record cannot be read now is skipped (and logged).
  Result<int> Report(const std::string& day);
  // Every day before today that still has tallies.
  Result<int> ReportDue();

 private:
  // POSTs the gzipped report; an error says why it was not taken.
  Status Upload(const std::string& url, const std::string& gzipped);

  TlsReporterSettings settings_;
  TlsReportStore& store_;
  QueueStore& queue_;
  const PurposeKey& queue_key_;
  dns::Resolver& resolver_;
  const Clock& clock_;
  std::unique_ptr<boost::asio::ssl::context> https_;
};

}  // namespace sealpost::tlsrpt
