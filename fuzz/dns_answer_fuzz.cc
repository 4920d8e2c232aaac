// libFuzzer target: what DNS answers put in front of delivery — MX and TLSA record data
// and TXT policy records (MTA-STS, TLS reporting) — from any server on the path.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dns/records.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);
  const int length = static_cast<int>(size);
  (void)sealpost::dns::ParseMxRdata(bytes, length);
  (void)sealpost::dns::ParseTlsaRdata(bytes, length);
  std::vector<std::string> records;
  std::string_view rest(bytes, size);
  while (!rest.empty() && records.size() < 8) {  // records split at NUL bytes
    const auto nul = rest.find('\0');
    records.emplace_back(rest.substr(0, nul));
    rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  }
  for (const char* version : {"v=STSv1", "v=TLSRPTv1"}) {
    (void)sealpost::dns::FindTaggedTxtRecord(records, version);
  }
  return 0;
}
