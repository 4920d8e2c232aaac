#include "delivery/resolver.h"

#include <arpa/inet.h>
#include <unbound.h>

#include "base/encoding.h"
#include "base/text.h"

namespace sealpost::delivery {
namespace {

constexpr int kTypeA = 1;
constexpr int kTypeMx = 15;
constexpr int kTypeAaaa = 28;
constexpr int kTypeTxt = 16;
constexpr int kTypeTlsa = 52;
constexpr int kClassIn = 1;
constexpr int kRcodeServfail = 2;

struct ResultDeleter {
  void operator()(ub_result* r) const { ub_resolve_free(r); }
};
using UbResult = std::unique_ptr<ub_result, ResultDeleter>;

Error UbError(const std::string& what, int err) {
  return MakeError(ErrorCode::kIo, what + ": " + ub_strerror(err));
}

Result<UbResult> Query(ub_ctx* ctx, const std::string& name, int type) {
  ub_result* raw = nullptr;
  int err = ub_resolve(ctx, name.c_str(), type, kClassIn, &raw);
  if (err != 0) return UbError("DNS lookup of " + SanitizeForLog(name, 100), err);
  UbResult result(raw);
  if (result->bogus) {
    return MakeError(ErrorCode::kIo, "DNSSEC validation failed for " + SanitizeForLog(name, 100) +
                                         (result->why_bogus ? std::string(": ") + result->why_bogus
                                                            : std::string()));
  }
  if (result->rcode == kRcodeServfail) {
    return MakeError(ErrorCode::kIo, "DNS server failure for " + SanitizeForLog(name, 100));
  }
  return result;
}

}  // namespace

Result<MxRecord> ParseMxRdata(const char* data, int length) {
  if (length < 3) return MakeError(ErrorCode::kInvalidArgument, "MX record too short");
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  MxRecord mx;
  mx.preference = (p[0] << 8) | p[1];
  int i = 2;
  std::string host;
  while (i < length) {
    int label = p[i++];
    if (label == 0) break;
    if (label > 63 || i + label > length) {
      return MakeError(ErrorCode::kInvalidArgument, "malformed name in MX record");
    }
    if (!host.empty()) host += '.';
    host.append(reinterpret_cast<const char*>(p + i), static_cast<std::size_t>(label));
    i += label;
  }
  if (i != length || p[i - 1] != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "malformed name in MX record");
  }
  mx.host = AsciiLower(host);
  return mx;
}

bool TlsaRecord::UsableForSmtp() const {
  if (usage != 2 && usage != 3) return false;  // PKIX-TA/EE are not for SMTP (RFC 7672 §3.1.3)
  if (selector > 1) return false;
  switch (matching) {
    case 0: return !data.empty();
    case 1: return data.size() == 32;
    case 2: return data.size() == 64;
    default: return false;
  }
}

Result<std::map<std::string, std::string>> FindTaggedTxtRecord(
    const std::vector<std::string>& records, std::string_view version) {
  std::optional<std::map<std::string, std::string>> found;
  for (const auto& record : records) {
    std::map<std::string, std::string> tags;
    std::string_view rest(record);
    bool first = true, ours = false;
    while (!rest.empty()) {
      std::size_t end = rest.find(';');
      std::string_view tag = TrimWhitespace(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (first) {
        ours = tag == version;
        first = false;
        if (!ours) break;
        continue;
      }
      std::size_t eq = tag.find('=');
      if (tag.empty() || eq == std::string_view::npos) continue;
      tags.emplace(std::string(TrimWhitespace(tag.substr(0, eq))),
                   std::string(TrimWhitespace(tag.substr(eq + 1))));
    }
    if (!ours) continue;  // someone else's record
    if (found) return MakeError(ErrorCode::kNotFound, "more than one " + std::string(version) + " record");
    found = std::move(tags);
  }
  if (!found) return MakeError(ErrorCode::kNotFound, "no " + std::string(version) + " record");
  return std::move(*found);
}

std::string TlsaRecord::Presentation() const {
  return std::to_string(usage) + " " + std::to_string(selector) + " " + std::to_string(matching) +
         " " + HexEncode(data);
}

Result<TlsaRecord> ParseTlsaRdata(const char* data, int length) {
  if (length < 4) return MakeError(ErrorCode::kInvalidArgument, "TLSA record too short");
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  TlsaRecord record;
  record.usage = p[0];
  record.selector = p[1];
  record.matching = p[2];
  record.data.assign(data + 3, static_cast<std::size_t>(length - 3));
  return record;
}

Result<std::unique_ptr<Resolver>> Resolver::Create(const ResolverOptions& options) {
  ub_ctx* ctx = ub_ctx_create();
  if (!ctx) return MakeError(ErrorCode::kInternal, "cannot create a DNS resolver");
  std::unique_ptr<Resolver> resolver(new Resolver(ctx));
  int err = 0;
  if (!options.forwarder.empty()) {
    // A test's DNS server listens on loopback, which libunbound skips by default.
    err = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no");
    if (err == 0) err = ub_ctx_set_fwd(ctx, options.forwarder.c_str());
    if (err != 0) return UbError("DNS forwarder " + options.forwarder, err);
  } else {
    err = ub_ctx_resolvconf(ctx, nullptr);
    if (err != 0) return UbError("reading /etc/resolv.conf", err);
  }
  if (!options.trust_anchor_file.empty()) {
    err = ub_ctx_add_ta_file(ctx, options.trust_anchor_file.c_str());
    if (err != 0) return UbError("DNSSEC trust anchor " + options.trust_anchor_file, err);
  }
  return resolver;
}

Resolver::~Resolver() { ub_ctx_delete(ctx_); }

Result<MxAnswer> Resolver::Mx(const std::string& domain) {
  auto result = Query(ctx_, domain, kTypeMx);
  if (!result.ok()) return std::move(result).error();
  MxAnswer answer;
  answer.exists = !(*result)->nxdomain;
  answer.secure = (*result)->secure != 0;
  if (!(*result)->havedata) return answer;
  for (int i = 0; (*result)->data[i]; ++i) {
    auto mx = ParseMxRdata((*result)->data[i], (*result)->len[i]);
    if (!mx.ok()) return std::move(mx).error();
    answer.records.push_back(std::move(*mx));
  }
  // RFC 7505: a single MX with an empty name ("0 .") says the domain takes no mail.
  if (answer.records.size() == 1 && answer.records[0].host.empty()) {
    answer.null_mx = true;
    answer.records.clear();
  }
  return answer;
}

Result<std::vector<std::string>> Resolver::Txt(const std::string& name) {
  auto result = Query(ctx_, name, kTypeTxt);
  if (!result.ok()) return std::move(result).error();
  std::vector<std::string> records;
  if (!(*result)->havedata) return records;
  for (int i = 0; (*result)->data[i]; ++i) {
    const auto* p = reinterpret_cast<const unsigned char*>((*result)->data[i]);
    const int length = (*result)->len[i];
    std::string text;
    for (int at = 0; at < length;) {
      int n = p[at++];
      if (at + n > length) return MakeError(ErrorCode::kIo, "malformed TXT record at " + SanitizeForLog(name, 100));
      text.append(reinterpret_cast<const char*>(p + at), static_cast<std::size_t>(n));
      at += n;
    }
    records.push_back(std::move(text));
  }
  return records;
}

Result<TlsaAnswer> Resolver::Tlsa(const std::string& host, std::uint16_t port) {
  auto result = Query(ctx_, "_" + std::to_string(port) + "._tcp." + host, kTypeTlsa);
  if (!result.ok()) return std::move(result).error();
  TlsaAnswer answer;
  answer.secure = (*result)->secure != 0;
  if (!(*result)->havedata) return answer;
  for (int i = 0; (*result)->data[i]; ++i) {
    auto record = ParseTlsaRdata((*result)->data[i], (*result)->len[i]);
    if (record.ok()) answer.records.push_back(std::move(*record));
  }
  return answer;
}

Result<AddressAnswer> Resolver::Addresses(const std::string& host) {
  AddressAnswer answer;
  answer.secure = true;
  for (int type : {kTypeAaaa, kTypeA}) {
    auto result = Query(ctx_, host, type);
    if (!result.ok()) return std::move(result).error();
    if (!(*result)->secure) answer.secure = false;
    if (!(*result)->havedata) continue;
    for (int i = 0; (*result)->data[i]; ++i) {
      char text[INET6_ADDRSTRLEN] = {};
      int family = type == kTypeA ? AF_INET : AF_INET6;
      int want = type == kTypeA ? 4 : 16;
      if ((*result)->len[i] != want) continue;
      if (inet_ntop(family, (*result)->data[i], text, sizeof text)) answer.addresses.push_back(text);
    }
  }
  if (answer.addresses.empty()) answer.secure = false;
  return answer;
}

}  // namespace sealpost::delivery
