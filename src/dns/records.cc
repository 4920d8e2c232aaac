#include "dns/records.h"

#include <optional>

#include "base/encoding.h"
#include "base/text.h"

namespace sealpost::dns {

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

Result<std::string> ParseTxtRdata(const char* data, int length) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  std::string text;
  for (int at = 0; at < length;) {
    const int n = p[at++];
    if (at + n > length) return MakeError(ErrorCode::kInvalidArgument, "malformed TXT record");
    text.append(data + at, static_cast<std::size_t>(n));
    at += n;
  }
  return text;
}

}  // namespace sealpost::dns
