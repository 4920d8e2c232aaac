#include "received/received.h"

#include <arpa/inet.h>
#include <gmime/gmime.h>

#include <algorithm>
#include <array>

#include "base/text.h"

namespace sealpost::received {
namespace {

constexpr std::size_t kMaxDateBytes = 256;

// Every string handed out is valid UTF-8 without control characters: ill-formed bytes
// become U+FFFD, controls a space (a pasted header must not drive a terminal).
std::string Clean(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (n == 0 || i + n > in.size() || !IsValidUtf8(in.substr(i, n))) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(in.substr(i, n));
    i += n;
  }
  return out;
}

bool IsWsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

struct Token {
  enum Kind { kWord, kComment, kSemicolon } kind;
  std::string text;  // a comment without its outer parentheses
};

std::vector<Token> Tokenise(std::string_view v) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < v.size()) {
    const char c = v[i];
    if (IsWsp(c)) {
      ++i;
    } else if (c == ';') {
      out.push_back({Token::kSemicolon, ";"});
      ++i;
    } else if (c == '(') {
      // Nested comments and quoted pairs (RFC 5322 §3.2.2); an unclosed one runs to the end.
      int depth = 0;
      std::string text;
      for (; i < v.size(); ++i) {
        const char d = v[i];
        if (d == '\\' && i + 1 < v.size()) {
          text += v[++i];
          continue;
        }
        if (d == '(' && depth++ == 0) continue;
        if (d == ')' && --depth == 0) {
          ++i;
          break;
        }
        text += d;
      }
      out.push_back({Token::kComment, std::string(TrimWhitespace(text))});
    } else {
      // A word: an address literal or angle address whole, else up to space, '(' or ';'.
      const char close = c == '[' ? ']' : c == '<' ? '>' : c == '"' ? '"' : '\0';
      std::size_t j = i + 1;
      if (close != '\0') {
        while (j < v.size() && v[j] != close) ++j;
        if (j < v.size()) ++j;
      } else {
        while (j < v.size() && !IsWsp(v[j]) && v[j] != '(' && v[j] != ';') ++j;
      }
      out.push_back({Token::kWord, std::string(v.substr(i, j - i))});
      i = j;
    }
  }
  return out;
}

struct Clause {
  std::vector<std::string> words;
  std::vector<std::string> comments;
};

enum ClauseName { kNone, kFrom, kBy, kVia, kWith, kId, kFor, kClauses };

ClauseName KeywordOf(const std::string& word) {
  static constexpr std::array<std::pair<const char*, ClauseName>, 6> kKeywords{{
      {"from", kFrom}, {"by", kBy}, {"via", kVia}, {"with", kWith}, {"id", kId}, {"for", kFor}}};
  for (const auto& [name, clause] : kKeywords) {
    if (EqualsIgnoreCase(word, name)) return clause;
  }
  return kNone;
}

std::string Unbracket(std::string s) {
  if (s.size() >= 2 && (s.front() == '[' || s.front() == '<')) s = s.substr(1, s.size() - 2);
  if (AsciiLower(s.substr(0, 5)) == "ipv6:") s = s.substr(5);
  return s;
}

bool IsIpAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool IsLoopback(const std::string& ip) {
  return ip.rfind("127.", 0) == 0 || ip == "::1" || AsciiLower(ip) == "::ffff:127.0.0.1";
}

std::string HostName(std::string s) {
  s = AsciiLower(s);
  while (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// The value after `key` ("version=", "cipher=", "using ") up to a separator; empty if
// absent.
std::string ValueAfter(const std::string& text, std::string_view key) {
  const std::string lower = AsciiLower(text);
  const auto at = lower.find(key);
  if (at == std::string::npos) return "";
  std::size_t end = at + key.size();
  while (end < text.size() && !IsWsp(text[end]) && text[end] != ',' && text[end] != ';' &&
         text[end] != ')' && text[end] != '(') {
    ++end;
  }
  return text.substr(at + key.size(), end - at - key.size());
}

bool StartsWithTlsVersion(const std::string& s) {
  const std::string lower = AsciiLower(s);
  if (lower.rfind("tls", 0) != 0 && lower.rfind("ssl", 0) != 0) return false;
  std::size_t i = 3;
  if (i < lower.size() && lower[i] == 'v') ++i;
  return i < lower.size() && lower[i] >= '0' && lower[i] <= '9';
}

struct TlsRecord {
  std::string version, cipher;
  bool recorded = false;  // the server wrote that TLS was used
  bool refused = false;   // it wrote that none was ("version=NONE")
  std::string how;        // what it wrote, for the reason
};

TlsRecord TlsOf(const std::vector<const std::string*>& comments, const Clause& with) {
  TlsRecord t;
  for (const std::string* comment : comments) {
    const std::string& c = *comment;
    // Sendmail, Gmail, Microsoft: version=TLSv1.3 cipher=… (commas between for Microsoft).
    if (auto v = ValueAfter(c, "version="); !v.empty()) {
      if (AsciiLower(v) == "none") {
        t.refused = true;
        t.how = "version=" + v;
        continue;
      }
      t.version = v;
      t.cipher = ValueAfter(c, "cipher=");
      t.recorded = true;
      t.how = "(version=" + v + (t.cipher.empty() ? "" : " cipher=" + t.cipher) + ")";
      return t;
    }
    // Postfix, Proofpoint: (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)…).
    if (auto v = ValueAfter(c, "using "); StartsWithTlsVersion(v)) {
      t.version = v;
      t.cipher = ValueAfter(c, "with cipher ");
      t.recorded = true;
      t.how = "(using " + v + (t.cipher.empty() ? "" : " with cipher " + t.cipher) + ")";
      return t;
    }
    // Exim: (TLS1.3) or, older, (TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256).
    if (StartsWithTlsVersion(c) && c.find(' ') == std::string::npos) {
      const auto colon = c.find(':');
      t.version = c.substr(0, colon);
      if (colon != std::string::npos) {
        const auto second = c.find(':', colon + 1);
        t.cipher = c.substr(colon + 1, second == std::string::npos ? std::string::npos
                                                                   : second - colon - 1);
      }
      t.recorded = true;
      t.how = "(" + c + ")";
    }
    if (AsciiLower(c).find("google transport security") != std::string::npos) {
      t.recorded = true;
      if (t.how.empty()) t.how = "(Google Transport Security)";
    }
  }
  // Exim: "with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384".
  for (std::size_t i = 0; i + 1 < with.words.size(); ++i) {
    if (AsciiLower(with.words[i]) == "tls") {
      t.cipher = with.words[i + 1];
      t.recorded = true;
      if (t.how.empty()) t.how = "tls " + t.cipher;
    }
  }
  return t;
}

bool OneOf(const std::string& word, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(),
                     [&](const char* n) { return EqualsIgnoreCase(word, n); });
}

std::optional<std::int64_t> ParseDate(const std::string& text) {
  if (text.empty() || text.size() > kMaxDateBytes) return std::nullopt;
  GDateTime* date = g_mime_utils_header_decode_date(text.c_str());
  if (!date) return std::nullopt;
  const std::int64_t unix = g_date_time_to_unix(date);
  g_date_time_unref(date);
  // GMime answers the epoch for what it cannot read.
  if (unix <= 0) return std::nullopt;
  return unix;
}


}  // namespace

std::string SenderText(const Hop& h) {
  std::string from = h.from.empty() ? "(a program)" : h.from;
  if (!h.from_address.empty() && h.from_address != h.from) from += " [" + h.from_address + "]";
  return from;
}

std::string HopText(const Hop& h) {
  return SenderText(h) + " → " + (h.by.empty() ? "(not named)" : h.by);
}

std::string DelayText(std::int64_t seconds) {
  if (seconds < 0) return std::to_string(-seconds) + " s before the hop before (clocks differ)";
  if (seconds < 120) return std::to_string(seconds) + " s after the hop before";
  if (seconds < 7200) return std::to_string(seconds / 60) + " min after the hop before";
  return std::to_string(seconds / 3600) + " h after the hop before";
}

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kEncrypted: return "encrypted";
    case Verdict::kNotEncrypted: return "not encrypted";
    case Verdict::kInternal: return "internal";
    case Verdict::kUnknown: return "unknown";
  }
  return "unknown";
}

Hop AnalyseField(std::string_view raw) {
  Hop hop;
  const std::string value = CompressWhitespace(raw);  // unfolded, on one line
  hop.field = Clean(value);
  std::vector<Token> tokens = Tokenise(value);

  // The date follows the last ';' outside comments.
  std::string date;
  const auto semi = std::find_if(tokens.rbegin(), tokens.rend(),
                                 [](const Token& t) { return t.kind == Token::kSemicolon; });
  if (semi != tokens.rend()) {
    const auto at = static_cast<std::size_t>(tokens.rend() - semi) - 1;
    for (std::size_t i = at + 1; i < tokens.size(); ++i) {
      if (!date.empty()) date += ' ';
      date += tokens[i].kind == Token::kComment ? "(" + tokens[i].text + ")" : tokens[i].text;
    }
    tokens.resize(at);
  }

  std::array<Clause, kClauses> clauses;
  std::array<bool, kClauses> seen{};
  ClauseName current = kNone;
  std::vector<const std::string*> comments;
  for (const Token& t : tokens) {
    if (t.kind == Token::kWord) {
      const ClauseName keyword = KeywordOf(t.text);
      // A keyword starts its clause once; the same word again is a value ("by by.example").
      if (keyword != kNone && !seen[keyword] &&
          (current == kNone || !clauses[current].words.empty() ||
           !clauses[current].comments.empty())) {
        current = keyword;
        seen[keyword] = true;
        continue;
      }
      clauses[current].words.push_back(t.text);
    } else if (t.kind == Token::kComment) {
      clauses[current].comments.push_back(t.text);
    }
  }
  for (const Clause& c : clauses) {
    for (const auto& comment : c.comments) comments.push_back(&comment);
  }

  // The sending host: the name the receiving server found for its address (reverse
  // DNS, in the comment), else the name it gave (HELO/EHLO), else its address. The
  // address in the comment is the peer's; a literal after "from" is only what it said.
  const Clause& from = clauses[kFrom];
  std::string helo = from.words.empty() ? "" : Unbracket(from.words[0]);
  std::string reverse_name, word_address, peer_address;
  for (const auto& w : from.words) {
    if (w.front() == '[' && IsIpAddress(Unbracket(w)) && word_address.empty()) {
      word_address = Unbracket(w);
    }
  }
  auto vague = [](const std::string& name) {
    return name.empty() || AsciiLower(name) == "unknown" || IsIpAddress(name);
  };
  for (const auto& c : from.comments) {
    std::vector<Token> inner = Tokenise(c);
    for (std::size_t i = 0; i < inner.size(); ++i) {
      const std::string& w = inner[i].text;
      if (inner[i].kind != Token::kWord) continue;
      const std::string bare = Unbracket(w);
      const std::string lower = AsciiLower(w);
      if (IsIpAddress(bare)) {
        if (peer_address.empty()) peer_address = bare;
      } else if ((lower == "helo" || lower == "ehlo") && i + 1 < inner.size()) {
        // Proofpoint "(EHLO name)", qmail "(HELO name)".
        if (vague(helo)) helo = inner[i + 1].text;
        ++i;
      } else if (lower.rfind("helo=", 0) == 0 || lower.rfind("ehlo=", 0) == 0) {
        // Exim "(helo=name)".
        if (vague(helo)) helo = w.substr(5);
      } else if (i == 0 && w.find('.') != std::string::npos && w.find('@') == std::string::npos &&
                 w.find('=') == std::string::npos && w.find(':') == std::string::npos) {
        reverse_name = w;
      }
    }
  }
  hop.from_address = Clean(peer_address.empty() ? word_address : peer_address);
  hop.from = Clean(!reverse_name.empty() ? reverse_name
                   : !vague(helo)        ? helo
                   : !hop.from_address.empty() ? hop.from_address
                                               : helo);
  hop.by = Clean(clauses[kBy].words.empty() ? "" : clauses[kBy].words[0]);

  // "with": the protocol and what follows it, less Exim's "tls <cipher>".
  const Clause& with = clauses[kWith];
  std::string protocol = with.words.empty() ? "" : with.words[0];
  std::string with_text;
  for (std::size_t i = 0; i < with.words.size(); ++i) {
    if (AsciiLower(with.words[i]) == "tls" && i + 1 < with.words.size()) {
      ++i;
      continue;
    }
    if (!with_text.empty()) with_text += ' ';
    with_text += with.words[i];
  }
  hop.with = Clean(with_text);
  hop.id = Clean(clauses[kId].words.empty() ? "" : clauses[kId].words[0]);
  hop.for_address = Clean(clauses[kFor].words.empty() ? "" : Unbracket(clauses[kFor].words[0]));
  hop.time = ParseDate(date);

  const TlsRecord tls = TlsOf(comments, with);
  hop.tls_version = Clean(tls.version);
  hop.tls_cipher = Clean(tls.cipher);
  const std::string by_name = HostName(hop.by);
  if (tls.recorded) {
    hop.verdict = Verdict::kEncrypted;
    hop.reason = "the receiving server recorded TLS: " + Clean(tls.how);
  } else if (OneOf(protocol, {"ESMTPS", "ESMTPSA", "SMTPS", "UTF8SMTPS", "UTF8SMTPSA", "LMTPS",
                              "LMTPSA", "UTF8LMTPS", "UTF8LMTPSA", "HTTPS"})) {
    hop.verdict = Verdict::kEncrypted;
    hop.reason = "with " + Clean(protocol) + ": the receiving server recorded TLS (RFC 3848)";
  } else if (!seen[kFrom] && !seen[kBy] && comments.empty()) {
    hop.verdict = Verdict::kUnknown;
    hop.reason = "the field names neither the sending nor the receiving host";
  } else if (!seen[kFrom]) {
    hop.verdict = Verdict::kInternal;
    hop.reason = "handed over on " + (hop.by.empty() ? std::string("the server") : hop.by) +
                 " itself, by a program, not over the network";
  } else if (!hop.from_address.empty() && IsLoopback(hop.from_address)) {
    hop.verdict = Verdict::kInternal;
    hop.reason = "over the loopback interface (" + hop.from_address + "): within one host";
  } else if (!by_name.empty() &&
             (HostName(hop.from) == by_name || HostName(helo) == by_name)) {
    hop.verdict = Verdict::kInternal;
    hop.reason = "from " + hop.by + " to itself: within one host";
  } else if (OneOf(protocol, {"LOCAL", "MAPI"})) {
    hop.verdict = Verdict::kInternal;
    hop.reason = "with " + Clean(protocol) + ": within the mail system, not over SMTP";
  } else if (tls.refused) {
    hop.verdict = Verdict::kNotEncrypted;
    hop.reason = "the receiving server recorded no TLS: " + Clean(tls.how);
  } else if (OneOf(protocol, {"SMTP", "ESMTP", "ESMTPA", "LMTP", "LMTPA", "UTF8SMTP",
                              "UTF8SMTPA", "UTF8LMTP", "UTF8LMTPA"})) {
    // What it would have written with TLS (RFC 3848): ESMTPS, ESMTPSA, LMTPS…
    std::string upper = AsciiUpper(protocol);
    const bool authenticated = upper.back() == 'A';
    if (authenticated) upper.pop_back();
    const std::string with_tls = (upper == "SMTP" ? "ESMTP" : upper) + (authenticated ? "SA" : "S");
    hop.verdict = Verdict::kNotEncrypted;
    hop.reason = "with " + Clean(protocol) + ": the receiving server recorded " +
                 (authenticated ? "an authenticated session" : "a session") +
                 " without TLS (with TLS it would write " + with_tls + ")";
  } else if (!protocol.empty()) {
    hop.verdict = Verdict::kUnknown;
    hop.reason = "with " + hop.with + ": this server records no TLS details here, so the "
                 "header cannot tell";
  } else {
    hop.verdict = Verdict::kUnknown;
    hop.reason = "no protocol and no TLS recorded: probably not encrypted, unless this "
                 "server never records TLS";
  }
  return hop;
}

Result<Path> Analyse(std::string_view message) {
  // The header: up to the first empty line (or all of it).
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  std::size_t field_start = std::string_view::npos;
  auto close_field = [&](std::size_t end) {
    if (field_start != std::string_view::npos) fields.push_back(message.substr(field_start, end - field_start));
    field_start = std::string_view::npos;
  };
  // A mailbox file's "From " line, before the header, is not a field.
  if (message.rfind("From ", 0) == 0) {
    pos = message.find('\n');
    pos = pos == std::string_view::npos ? message.size() : pos + 1;
  }
  while (pos < message.size()) {
    if (pos > kMaxHeaderBytes) {
      return MakeError(ErrorCode::kInvalidArgument, "the header is longer than 1 MiB");
    }
    std::size_t eol = message.find('\n', pos);
    const std::size_t next = eol == std::string_view::npos ? message.size() : eol + 1;
    std::string_view line = message.substr(pos, next - pos);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) break;  // the end of the header
    if (line.front() != ' ' && line.front() != '\t') {
      close_field(pos);
      field_start = pos;
    }
    pos = next;
  }
  close_field(std::min(pos, message.size()));

  std::vector<Hop> hops;
  std::size_t number = 0;
  for (std::string_view f : fields) {
    const auto colon = f.find(':');
    if (colon == std::string_view::npos) continue;
    if (!EqualsIgnoreCase(TrimWhitespace(f.substr(0, colon)), "received")) continue;
    ++number;
    if (number > kMaxHops) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "more than " + std::to_string(kMaxHops) + " Received fields");
    }
    if (f.size() > kMaxFieldBytes) {
      return MakeError(ErrorCode::kInvalidArgument, "Received field " + std::to_string(number) +
                                                        " (from the top) is longer than 16 KiB");
    }
    hops.push_back(AnalyseField(f.substr(colon + 1)));
  }
  if (hops.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no Received: header field found (paste the message's whole header)");
  }
  // Each server puts its field on top: the oldest hop is the last field.
  std::reverse(hops.begin(), hops.end());
  for (std::size_t i = 1; i < hops.size(); ++i) {
    if (hops[i].time && hops[i - 1].time) hops[i].delay = *hops[i].time - *hops[i - 1].time;
  }

  Path path;
  path.hops = std::move(hops);
  std::vector<std::size_t> plain, unknown;
  std::size_t encrypted = 0;
  for (std::size_t i = 0; i < path.hops.size(); ++i) {
    switch (path.hops[i].verdict) {
      case Verdict::kNotEncrypted: plain.push_back(i); break;
      case Verdict::kUnknown: unknown.push_back(i); break;
      case Verdict::kEncrypted: ++encrypted; break;
      case Verdict::kInternal: break;
    }
  }
  auto list = [&](const std::vector<std::size_t>& which) {
    std::string out;
    for (std::size_t i : which) {
      if (!out.empty()) out += ", ";
      out += std::to_string(i + 1) + " (" + HopText(path.hops[i]) + ")";
    }
    return out;
  };
  if (!plain.empty()) {
    path.verdict = Verdict::kNotEncrypted;
    path.summary = std::string("Not encrypted all the way: ") +
                   (plain.size() == 1 ? "hop " : "hops ") + list(plain) +
                   (plain.size() == 1 ? " was" : " were") + " not encrypted.";
  } else if (!unknown.empty()) {
    path.verdict = Verdict::kUnknown;
    path.summary = std::string("Cannot tell: ") + (unknown.size() == 1 ? "hop " : "hops ") +
                   list(unknown) + " recorded nothing about TLS" +
                   (encrypted ? "; every hop that did was encrypted." : ".");
  } else if (encrypted > 0) {
    path.verdict = Verdict::kEncrypted;
    path.summary = "Encrypted on every hop between servers (" + std::to_string(encrypted) +
                   (encrypted == 1 ? " hop" : " hops") + "); the rest stayed within one host.";
    if (encrypted == path.hops.size()) {
      path.summary = "Encrypted on every hop (" + std::to_string(encrypted) +
                     (encrypted == 1 ? " hop)." : " hops).");
    }
  } else {
    path.verdict = Verdict::kInternal;
    path.summary = "The message never left one host: every hop was internal.";
  }
  return path;
}

}  // namespace sealpost::received
