// `sealpost serve`: the composition root. Builds every object from the Config (the
// only place that knows the concrete types), starts the HTTPS server and the queue
// runner, and runs until SIGINT or SIGTERM.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/config.h"
#include "base/result.h"

namespace sealpost {

struct EscrowSettings;

class Clock;
class OrgStore;

namespace dns {
class Resolver;
}  // namespace dns

namespace delivery {
class TlsProbe;
}  // namespace delivery

namespace policy {
class StoredTlsKnowledge;
}  // namespace policy

namespace tlsrpt {
struct TlsReporterSettings;
}  // namespace tlsrpt

// The routes the server answers, (method, pattern) each.
using RouteList = std::vector<std::pair<std::string, std::string>>;

// `on_ready` runs once the listener is bound (dev mode prints the URLs there). With
// `routes_only`, everything is set up as for serving, then it is given the routes and
// the server stops without serving (`serve --print-routes`: the test that holds the
// OpenAPI document to the routes reads it).
Status Serve(const Config& config, const std::function<void(std::uint16_t port)>& on_ready,
             const std::function<void(const RouteList&)>& routes_only = {});

// The DNS resolver delivery uses (`resolver`, `dnssec_trust_anchor`); also the CLI's.
Result<std::unique_ptr<dns::Resolver>> NewResolver(const Config& config);
tlsrpt::TlsReporterSettings TlsReporterSettingsOf(const Config& config);
// The escrow service's settings, for the server and for CLI commands on messages.
EscrowSettings EscrowSettingsOf(const Config& config);
// Mail leaves over the network (delivery mode smtp, not --dev): TLS can be checked.
bool SendsOverTheNetwork(const Config& config);

// What TLS-only decisions rest on: what a probe of the recipients' servers learnt (kept
// for tls_probe_ttl_hours) when mail leaves over the network, else the administrator's
// table. `serve` and `admin explain` build it alike, so they decide alike.
struct TlsKnowledgeParts {
  TlsKnowledgeParts();
  TlsKnowledgeParts(TlsKnowledgeParts&&) noexcept;
  ~TlsKnowledgeParts();
  std::unique_ptr<dns::Resolver> resolver;
  std::unique_ptr<delivery::TlsProbe> probe;
  std::unique_ptr<policy::StoredTlsKnowledge> knowledge;  // uses the two above
};
Result<TlsKnowledgeParts> NewTlsKnowledge(const Config& config, OrgStore& org, const Clock& clock);

}  // namespace sealpost
