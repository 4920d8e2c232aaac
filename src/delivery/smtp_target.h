// SmtpTarget: delivers to the recipients' mail servers. Each transaction runs as a
// coroutine on the target's own event-loop thread: route (transport map, else MX and
// addresses through the resolver, on a small thread pool because libunbound's lookups
// block; DANE's TLSA records where DNSSEC vouches for them; else the domain's MTA-STS
// policy), then each destination in order until one gives replies — on a connection
// kept from the domain's last transaction when there is one (`connection_idle`). Each
// new TLS session is tallied for TLS reports. A domain has at most
// `max_connections_per_domain` transactions at once; more wait their turn here.
// Thread-safety: Deliver may be called from any thread; `done` runs on the target's
// thread. Destroying the target abandons what is in flight (the queue's lease brings
// those entries back).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "delivery/destinations.h"
#include "delivery/mta_sts.h"
#include "delivery/smtp_client.h"
#include "delivery/target.h"

namespace sealpost {
class MtaStsStore;
}  // namespace sealpost

namespace sealpost::dns {
class Resolver;
}  // namespace sealpost::dns

namespace sealpost::delivery {

class TlsSessionLog;

struct SmtpTargetOptions {
  ClientOptions client;
  RouteOptions route;
  MtaStsOptions mta_sts;
  // CAs trusted for MTA-STS (policy servers, MX hosts); empty: the system's.
  std::string trusted_ca_file;
  int max_connections_per_domain = 10;
  // A connection stays open this long after a transaction, for the domain's next one
  // (0: closed at once), and serves at most this many transactions.
  std::chrono::milliseconds connection_idle{2000};
  int max_connection_reuse = 100;
  // Where MTA-STS policies are kept across restarts; may be null (memory only).
  MtaStsStore* sts_store = nullptr;
  // Where each TLS session with a recipient's server is tallied (RFC 8460); may be null.
  TlsSessionLog* tls_sessions = nullptr;
};

class SmtpTarget final : public DeliveryTarget {
 public:
  static Result<std::unique_ptr<SmtpTarget>> Create(SmtpTargetOptions options,
                                                    std::unique_ptr<dns::Resolver> resolver,
                                                    const Clock& clock);
  ~SmtpTarget() override;

  void Deliver(OutboundMessage message, Done done) override;

 private:
  struct Impl;
  explicit SmtpTarget(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sealpost::delivery
