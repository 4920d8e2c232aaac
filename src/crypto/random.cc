#include "crypto/random.h"

#include <sodium.h>

#include "base/encoding.h"

namespace sealpost {

void EnsureSodiumInitialised() {
  static const int result = sodium_init();
  (void)result;  // -1 only when the OS CSPRNG cannot be opened; randombytes aborts then
}

SecretBytes RandomSecret(std::size_t size) {
  EnsureSodiumInitialised();
  SecretBytes out(size);
  randombytes_buf(out.data(), size);
  return out;
}

std::string RandomBytes(std::size_t size) {
  EnsureSodiumInitialised();
  std::string out(size, '\0');
  randombytes_buf(out.data(), size);
  return out;
}

std::string NewId() { return HexEncode(RandomBytes(16)); }

}  // namespace sealpost
