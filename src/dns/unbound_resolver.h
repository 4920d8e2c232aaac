// The resolver mail delivery uses: libunbound, validating DNSSEC against a trust anchor.
// By default it asks the system's resolvers (/etc/resolv.conf); `forwarder` points it at
// one DNS server ("127.0.0.1@5353"), which is how tests serve their own zones.
//
// Every lookup has a deadline: libunbound's own retries against a silent server can take
// minutes, and a delivery thread must not wait that long. Lookups go to libunbound's
// background thread; one pump thread of ours hands answers back, and a caller whose
// deadline passes cancels its query and gets kIo.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/result.h"
#include "dns/resolver.h"

namespace sealpost::dns {

struct UnboundOptions {
  std::string forwarder;          // empty: /etc/resolv.conf
  // DNSSEC trust anchor (the root's, or a test zone's). Empty: nothing is validated,
  // so no answer is secure and DANE never applies.
  std::string trust_anchor_file;
  std::chrono::milliseconds timeout{20000};  // of each query
};

Result<std::unique_ptr<Resolver>> NewUnboundResolver(const UnboundOptions& options);

}  // namespace sealpost::dns
