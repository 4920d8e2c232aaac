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

std::string NewPassword(std::size_t length) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  EnsureSodiumInitialised();
  std::string out(length, '\0');
  for (char& c : out) c = kAlphabet[randombytes_uniform(sizeof(kAlphabet) - 1)];  // unbiased
  return out;
}

}  // namespace sealpost
