// The DNS lookups mail delivery makes, as an interface: the real one goes through
// libunbound (dns/unbound_resolver.h), tests of routing and DANE use FakeResolver
// (dns/fake_resolver.h) and need no DNS server.
// Thread-safety: an implementation's methods may be called from any thread at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "dns/records.h"

namespace sealpost::dns {

class Resolver {
 public:
  virtual ~Resolver() = default;

  // Every lookup blocks (call it off the event loop) and is bounded in time. kIo for a
  // failure that may pass (SERVFAIL, timeout, a failed DNSSEC validation): the caller
  // defers; a failed validation means that server must not be used now (RFC 7672 §2.2.1).
  virtual Result<MxAnswer> Mx(const std::string& domain) = 0;
  // AAAA then A records; secure only if both answers were validated and there is one.
  virtual Result<AddressAnswer> Addresses(const std::string& host) = 0;
  // TXT records, each one's strings joined (RFC 7208 §3.3); empty when there are none.
  virtual Result<std::vector<std::string>> Txt(const std::string& name) = 0;
  // The TLSA records of `_PORT._tcp.HOST`.
  virtual Result<TlsaAnswer> Tlsa(const std::string& host, std::uint16_t port) = 0;
};

}  // namespace sealpost::dns
