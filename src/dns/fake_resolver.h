// A resolver for tests of routing, DANE and policy discovery: answers from maps the test
// fills in; a name in `failing` fails with kIo (as a SERVFAIL, a timeout or a bogus
// answer would). What is in none of the maps does not exist (NXDOMAIN; no records).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dns/resolver.h"

namespace sealpost::dns {

class FakeResolver final : public Resolver {
 public:
  std::map<std::string, MxAnswer> mx;                 // by domain
  std::map<std::string, AddressAnswer> addresses;     // by host
  std::map<std::string, std::vector<std::string>> txt;  // by name
  std::map<std::string, TlsaAnswer> tlsa;             // by "_PORT._tcp.HOST"
  std::set<std::string> failing;                      // names whose lookups fail

  Result<MxAnswer> Mx(const std::string& domain) override {
    if (auto failed = Fail(domain)) return *failed;
    auto it = mx.find(domain);
    if (it != mx.end()) return it->second;
    MxAnswer none;
    none.exists = addresses.count(domain) != 0;
    return none;
  }
  Result<AddressAnswer> Addresses(const std::string& host) override {
    if (auto failed = Fail(host)) return *failed;
    auto it = addresses.find(host);
    return it != addresses.end() ? it->second : AddressAnswer{};
  }
  Result<std::vector<std::string>> Txt(const std::string& name) override {
    if (auto failed = Fail(name)) return *failed;
    auto it = txt.find(name);
    return it != txt.end() ? it->second : std::vector<std::string>{};
  }
  Result<TlsaAnswer> Tlsa(const std::string& host, std::uint16_t port) override {
    const std::string name = "_" + std::to_string(port) + "._tcp." + host;
    if (auto failed = Fail(name)) return *failed;
    auto it = tlsa.find(name);
    return it != tlsa.end() ? it->second : TlsaAnswer{};
  }

  // Every name looked up, in order.
  std::vector<std::string> Asked() const {
    std::lock_guard lock(mutex_);
    return asked_;
  }

 private:
  std::optional<Error> Fail(const std::string& name) {
    std::lock_guard lock(mutex_);
    asked_.push_back(name);
    if (failing.count(name) == 0) return std::nullopt;
    return MakeError(ErrorCode::kIo, "DNS server failure for " + name);
  }

  mutable std::mutex mutex_;
  std::vector<std::string> asked_;
};

}  // namespace sealpost::dns
