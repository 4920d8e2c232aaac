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

}  // namespace sealpost

namespace sealpost {
// libsodium picks its fastest implementations once per process; every crypto entry
// point that depends on that calls this first. Idempotent and thread-safe.
void EnsureSodiumInitialised();
}  // namespace sealpost
