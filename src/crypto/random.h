// Cryptographically secure randomness (libsodium's randombytes, the OS CSPRNG).
#pragma once

#include <cstddef>
#include <string>

#include "base/secret.h"

namespace sealpost {

SecretBytes RandomSecret(std::size_t size);
std::string RandomBytes(std::size_t size);
// A fresh identifier for a record: a UUIDv7 (RFC 9562) as 32 lower-case hex digits, the
// Unix time in milliseconds (48 bits) then 74 random bits. Not secret (it tells when it
// was made), but unguessable. Ids made one after another sort together, so the rows
// they key go into the same pages of every index on them: with random ids each new
// message, recipient and queue entry went into a page of its own in each of about ten
// indexes, and every write slowed as the database grew (relaying 100 KiB messages: 15 %
// slower into a database of 12,000 than into a new one; the 12,000 4 KiB messages took
// 14.3 s, 9.9 s with these ids). The clock read here orders, nothing more: a clock set back
// makes ids that sort earlier, still unique.
std::string NewId();
// A fresh blob id: 128 random bits, lower-case hex. A file blob store spreads its files
// over directories by an id's first two characters, which a NewId would keep the same
// for years.
std::string NewBlobId();
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
