// DNS for outbound mail, through libunbound: MX records (with RFC 7505's null MX),
// addresses (AAAA and A), and whether an answer was DNSSEC-validated. By default it uses
// the system's resolvers (/etc/resolv.conf); `forwarder` points it at one DNS server
// ("127.0.0.1@5353"), which is how tests serve their own zones.
// Thread-safety: every method may be called from any thread (libunbound locks inside).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

struct ub_ctx;

namespace sealpost::delivery {

struct ResolverOptions {
  std::string forwarder;          // empty: /etc/resolv.conf
  std::string trust_anchor_file;  // DNSSEC root (or test) trust anchor; empty: none
};

struct MxRecord {
  int preference = 0;
  std::string host;  // without the trailing dot, lower-case
};

struct MxAnswer {
  bool exists = true;     // false: the domain does not exist (NXDOMAIN)
  bool null_mx = false;   // RFC 7505: "0 ." — the domain accepts no mail
  bool secure = false;    // DNSSEC-validated
  std::vector<MxRecord> records;  // empty with exists: no MX (use the domain itself)
};

struct AddressAnswer {
  bool secure = false;
  std::vector<std::string> addresses;  // IPv6 first, then IPv4, as text
};

class Resolver {
 public:
  static Result<std::unique_ptr<Resolver>> Create(const ResolverOptions& options);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // kIo for a failure that may pass (SERVFAIL, timeout): the caller defers.
  Result<MxAnswer> Mx(const std::string& domain);
  Result<AddressAnswer> Addresses(const std::string& host);

 private:
  explicit Resolver(ub_ctx* ctx) : ctx_(ctx) {}
  ub_ctx* ctx_;
};

// Parses an MX record's RDATA (preference, then an uncompressed domain name).
Result<MxRecord> ParseMxRdata(const char* data, int length);

}  // namespace sealpost::delivery
