// What DNS answers mean to mail delivery: MX records (with RFC 7505's null MX), TLSA
// records (DANE), addresses, TXT policy records, and whether an answer was
// DNSSEC-validated; and the parsers of their record data. No I/O here: the resolvers
// (dns/resolver.h) fill these in.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealpost::dns {

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

// A TXT record's RDATA: its character-strings joined (RFC 7208 §3.3). kInvalidArgument
// when a length runs past the end.
Result<std::string> ParseTxtRdata(const char* data, int length);

}  // namespace sealpost::dns
