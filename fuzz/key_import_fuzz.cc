// Keys and certificates as administrators import them (and as they are judged again at
// every send): whatever the bytes, reading must return a value or a clear error, never
// crash; an accepted key must read again from what was kept. Also splits the input as a
// message for encryption: the entity must keep every byte of the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pki/encrypted_mail.h"
#include "pki/openpgp.h"
#include "pki/smime.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sealpost;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  constexpr std::int64_t kNow = 1790000000;
  auto key = pki::ReadPgpPublicKey(in, "fuzz@example.org", kNow);
  if (key.ok()) {
    auto again = pki::ReadPgpPublicKey(key->transferable_key, "fuzz@example.org", kNow);
    if (!again.ok() || again->fingerprint != key->fingerprint) __builtin_trap();
  }
  auto cert = pki::ReadSmimeCertificate(in, "fuzz@example.org", kNow);
  if (cert.ok()) {
    auto again = pki::ReadSmimeCertificate(cert->der, "fuzz@example.org", kNow);
    if (!again.ok() || again->fingerprint != cert->fingerprint) __builtin_trap();
  }
  auto split = pki::SplitForEncryption(in);
  if (split.ok() && split->entity.size() < 2) __builtin_trap();  // at least the blank line
  return 0;
}
