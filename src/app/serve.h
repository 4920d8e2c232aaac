// `sealpost serve`: the composition root. Builds every object from the Config (the
// only place that knows the concrete types), starts the HTTPS server and the queue
// runner, and runs until SIGINT or SIGTERM.
#pragma once

#include <functional>
#include <memory>

#include "app/config.h"
#include "base/result.h"

namespace sealpost {

struct EscrowSettings;

namespace delivery {
class Resolver;
struct TlsReporterSettings;
}  // namespace delivery

// `on_ready` runs once the listener is bound (dev mode prints the URLs there).
Status Serve(const Config& config, const std::function<void(std::uint16_t port)>& on_ready);

// The DNS resolver delivery uses (`resolver`, `dnssec_trust_anchor`); also the CLI's.
Result<std::unique_ptr<delivery::Resolver>> NewResolver(const Config& config);
delivery::TlsReporterSettings TlsReporterSettingsOf(const Config& config);
// The escrow service's settings, for the server and for CLI commands on messages.
EscrowSettings EscrowSettingsOf(const Config& config);

}  // namespace sealpost
