// `sealpost admin check`: what an administrator should fix before (and while) running
// sealpost, each finding with what to do: key files others can read, a certificate that
// is self-signed, expiring or not for the public host name, and the DNS records of the
// sending domains (each DKIM key published as made; MTA-STS and TLS reporting records).
#pragma once

#include <string>
#include <vector>

#include "app/config.h"
#include "base/clock.h"
#include "store/records.h"

namespace sealpost {

class OrgStore;
namespace dns {
class Resolver;
}

struct Finding {
  enum class Level { kOk, kWarning, kFailure };
  Level level = Level::kOk;
  std::string subject;  // "master key", "certificate", "DKIM clinic.example (rsa-sha256)"
  std::string text;     // what is so, and for warnings and failures what to do
};

// The files: modes of the master key, TLS key and database; the certificate.
std::vector<Finding> CheckFiles(const Config& config, const Clock& clock);
// The sending domains' records, through `resolver` (null: not checked), and DKIM keys
// in a rollover: pending ones to activate, retired ones whose record can go.
std::vector<Finding> CheckDomains(OrgStore& org, dns::Resolver* resolver, const Clock& clock);

// What DNS publishes at a DKIM key's selector.
enum class DkimRecord { kThisKey, kAnotherKey, kNoKey };
Result<DkimRecord> LookUpDkimRecord(dns::Resolver& resolver, const DkimKeyRecord& key);

}  // namespace sealpost
