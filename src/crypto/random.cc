#include "crypto/random.h"

#include <sodium.h>

#include <chrono>
#include <cstdint>

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

std::string NewId() {
  std::string id = RandomBytes(16);
  const auto ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  for (int i = 0; i < 6; ++i) id[i] = static_cast<char>((ms >> (40 - 8 * i)) & 0xff);
  id[6] = static_cast<char>(0x70 | (id[6] & 0x0f));  // version 7
  id[8] = static_cast<char>(0x80 | (id[8] & 0x3f));  // variant 0b10
  return HexEncode(id);
}

std::string NewBlobId() { return HexEncode(RandomBytes(16)); }

std::string NewPassword(std::size_t length) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  EnsureSodiumInitialised();
  std::string out(length, '\0');
  for (char& c : out) c = kAlphabet[randombytes_uniform(sizeof(kAlphabet) - 1)];  // unbiased
  return out;
}

}  // namespace sealpost
