// DNS for outbound mail, through libunbound: MX records (with RFC 7505's null MX),
// addresses (AAAA and A), and whether an answer was DNSSEC-validated. By default it uses
// the system's resolvers (/etc/resolv.conf); `forwarder` points it at one DNS server
// ("127.0.0.1@5353"), which is how tests serve their own zones.
// Thread-safety: every method may be called from any thread (libunbound locks inside).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

struct ub_ctx;

namespace sealpost::delivery {

struct ResolverOptions {
  std::string forwarder;          // empty: /etc/resolv.conf
  // DNSSEC trust anchor (the root's, or a test zone's). Empty: nothing is validated,
  // so no answer is secure and DANE never applies.
  std::string trust_anchor_file;
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

// One TLSA record (RFC 6698): which certificate it names and how.
struct TlsaRecord {
  std::uint8_t usage = 0;     // 2: DANE-TA (a trust anchor), 3: DANE-EE (the server's own)
  std::uint8_t selector = 0;  // 0: the whole certificate, 1: its public key (SPKI)
  std::uint8_t matching = 0;  // 0: exact, 1: SHA-256, 2: SHA-512
  std::string data;           // binary

  // RFC 7672 §3.1: only DANE-TA and DANE-EE, with known selectors and matching types
  // (the digests at their lengths), mean anything for SMTP.
  bool UsableForSmtp() const;
  // As a zone file writes it: "3 1 1 <hex>" (TLS reports name policies so).
  std::string Presentation() const;
  bool operator==(const TlsaRecord&) const = default;
};

struct TlsaAnswer {
  bool secure = false;  // only a validated answer counts (RFC 7672 §2.2)
  std::vector<TlsaRecord> records;
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
  // TXT records, each one's strings joined (RFC 7208 §3.3); empty when there are none.
  Result<std::vector<std::string>> Txt(const std::string& name);
  // The TLSA records of `_PORT._tcp.HOST`. A failed DNSSEC validation is kIo: that
  // server must not be used now (RFC 7672 §2.2.1).
  Result<TlsaAnswer> Tlsa(const std::string& host, std::uint16_t port);

 private:
  explicit Resolver(ub_ctx* ctx) : ctx_(ctx) {}
  ub_ctx* ctx_;
};

// A TXT policy record's tags ("v=STSv1; id=…", "v=TLSRPTv1; rua=…"): those of the one
// record among `records` whose first tag is exactly `version`; a repeated tag counts
// once, the first time. kNotFound for none or more than one such record (RFC 8461 §3.1
// and RFC 8460 §3: then the domain has no policy).
Result<std::map<std::string, std::string>> FindTaggedTxtRecord(
    const std::vector<std::string>& records, std::string_view version);

// Parses a TLSA record's RDATA (usage, selector, matching type, data).
Result<TlsaRecord> ParseTlsaRdata(const char* data, int length);

// Parses an MX record's RDATA (preference, then an uncompressed domain name).
Result<MxRecord> ParseMxRdata(const char* data, int length);

}  // namespace sealpost::delivery
