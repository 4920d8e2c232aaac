// libFuzzer target: the client key limits count by (an address as the socket gives it,
// or anything) and the Argon2id parameter names read back from the database.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/client_key.h"
#include "crypto/password_hash.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string key = sealpost::ClientKey(input);
  if (sealpost::ClientKey(key) != key && key.find("/64") == std::string::npos) __builtin_trap();
  auto params = sealpost::ParseArgon2ParamsName(input);
  // A name that parses is exactly the name of what it parsed to.
  if (params.ok() && sealpost::Argon2ParamsName(*params) != input) __builtin_trap();
  return 0;
}
