// Cryptographically secure randomness (libsodium's randombytes, the OS CSPRNG).
#pragma once

#include <cstddef>
#include <string>

#include "base/secret.h"

namespace sealpost {

SecretBytes RandomSecret(std::size_t size);
std::string RandomBytes(std::size_t size);
// A fresh 128-bit identifier, lower-case hex. Not secret, but unguessable.
std::string NewId();
// A password for people and programs to type or paste: `length` characters from
// [A-Za-z0-9] (24 give 142 bits). Letters and digits only, so it never starts with "-"
// (read as an option by command lines) or needs quoting in a shell.
std::string NewPassword(std::size_t length = 24);

}  // namespace sealpost

namespace sealpost {
// libsodium picks its fastest implementations once per process; every crypto entry
// point that depends on that calls this first. Idempotent and thread-safe.
void EnsureSodiumInitialised();
}  // namespace sealpost
