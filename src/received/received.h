// Was it encrypted? Reads the Received: header fields of a message (RFC 5321 §4.4) hop by
// hop, oldest first: who handed the message to whom, when, over which protocol, and the
// TLS version and cipher where the receiving server wrote them (Postfix, Exim, Sendmail,
// Microsoft 365, Gmail and Proofpoint styles) — and a verdict per hop and for the path.
//
// A verdict can only be as good as what the servers recorded: a server that used TLS and
// says nothing reads "unknown", never "encrypted". The `with` keywords follow RFC 3848
// and IANA's mail transmission types: a trailing "S" (ESMTPS, ESMTPSA, LMTPS…) means TLS.
//
// A parser without I/O: bounded input, linear time, every string it returns valid UTF-8.
// Thread-safety: the functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealpost::received {

// Limits on what is read (beyond them the answer is an error, not a guess).
inline constexpr std::size_t kMaxHeaderBytes = 1024 * 1024;  // of the header block read
inline constexpr std::size_t kMaxFieldBytes = 16 * 1024;     // of one Received field
inline constexpr std::size_t kMaxHops = 500;

enum class Verdict { kEncrypted, kNotEncrypted, kInternal, kUnknown };
// "encrypted", "not encrypted", "internal", "unknown".
const char* VerdictName(Verdict v);

struct Hop {
  std::string from;          // the sending host as the receiving server names it
  std::string from_address;  // its IP address, where written ("192.0.2.1", "2001:db8::1")
  std::string by;            // the receiving host
  std::string with;          // the protocol as written ("ESMTPS", "Microsoft SMTP Server")
  std::string id;
  std::string for_address;
  std::optional<std::int64_t> time;   // Unix seconds, from the date after ';'
  std::optional<std::int64_t> delay;  // seconds since the hop before, when both have a time
  std::string tls_version;   // "TLSv1.3", "TLS1_2"… as written; empty when not recorded
  std::string tls_cipher;
  Verdict verdict = Verdict::kUnknown;
  std::string reason;        // why the verdict, for a person
  std::string field;         // the field's value, unfolded
};

struct Path {
  std::vector<Hop> hops;     // oldest first
  Verdict verdict = Verdict::kUnknown;
  std::string summary;       // one line for the whole path
};

// `message`: a whole message or just its header (the header ends at the first empty
// line). Errors (kInvalidArgument): no Received field, a header or field past the limits,
// too many hops.
Result<Path> Analyse(std::string_view message);

// One hop's field value (what follows "Received:"), unfolded; no time delay set.
Hop AnalyseField(std::string_view value);

// "mail.example.org [192.0.2.10]", or "(a program)" when no sender is named.
std::string SenderText(const Hop& hop);
// The hop in a sentence: "mail.example.org [192.0.2.1] → mx.example.net".
std::string HopText(const Hop& hop);
// "30 s after the hop before", "2 min …", "1 h …"; a negative delay says clocks differ.
std::string DelayText(std::int64_t seconds);

// For people: one block per hop and the summary line.
std::string FormatText(const Path& path);
// For machines: {"verdict", "summary", "hops": [{…}]}.
std::string FormatJson(const Path& path);

}  // namespace sealpost::received
