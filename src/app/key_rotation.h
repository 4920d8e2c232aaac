// Master-key rotation (`sealpost admin keys rotate`). The master key never encrypts
// data itself (crypto/key_ring.h): what is sealed under it is small — other keys
// (namespaces', content blobs', DKIM and identity keys, the lookup key) and short
// fields (settings, questions, queue entries). A rotation re-wraps each of those under
// the new key; content sealed with its own key (messages, blobs) is not re-encrypted,
// its key is re-wrapped.
//
// The steps, each safe to repeat after a crash or an interruption:
//   1. Start: the new key is written beside the old (`master.key.next`), the old one is
//      linked to `master.key.previous` and the new one renamed over `master.key`.
//      From then on every process that loads the keys seals with the new key and opens
//      with both.
//   2. Every process that seals (each `serve`, registered in the database with the id of
//      its key) is reloaded (SIGHUP) so that it seals with the new key too.
//   3. Re-wrap: every value that opens only with the previous key is sealed again with
//      the new one, in batches, each written only if the row still holds what was read.
//   4. End: when no process seals with the previous key and no value needs it, the
//      previous key's file is removed.
// Values that open with neither key (damaged, or sealed with a key not in place) stop
// the rotation before step 4: the previous key is never removed while it may be needed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/key_ring.h"
#include "store/stores.h"

namespace sealpost {

// A column of values sealed under a purpose key of the master key, and how the AAD of
// each value is made from its row's binding columns.
struct MasterKeyColumn {
  SealedColumn column;
  KeyPurpose purpose;
  std::string (*aad)(const std::vector<std::string>& binding);
};
// Every such column in the database.
const std::vector<MasterKeyColumn>& MasterKeyColumns();

// The AAD of a key kept in sealed_keys, by name.
std::string SealedKeyAad(const std::string& name);
// Unseals the lookup key into `ring`; makes and keeps it on first use.
Status LoadLookupKey(KeyStore& store, KeyRing& ring, const SecretBytes& newest_master);

// What a pass over one column found (and did).
struct ColumnTally {
  std::string name;         // "table.column"
  std::int64_t values = 0;  // holding a value when the pass began
  std::int64_t seen = 0;
  std::int64_t newest = 0;  // already under the newest key
  std::int64_t rewrapped = 0;
  std::int64_t unreadable = 0;                // under no key of the ring
  std::vector<std::int64_t> unreadable_rows;  // the first few
};

// Passes over every column; with `rewrap`, seals what opens only with an older key
// again with the newest. `progress` is called after each batch. `budget` bounds the
// values seen (a negative one: all), so that a pass can stop part way, as a crash would.
Result<std::vector<ColumnTally>> PassOverSealed(
    KeyStore& store, const KeyRing& ring, bool rewrap,
    const std::function<void(const ColumnTally&)>& progress, std::int64_t budget = -1,
    int batch = 500);

// Step 1: after it `master_key_path` holds a new key and its `.previous` the old one.
// Does nothing when a rotation is under way already (its `.previous` exists) but
// completes one a crash interrupted.
Status StartRotation(const std::string& master_key_path);
bool RotationUnderWay(const std::string& master_key_path);
// Step 4: removes the previous key's file.
Status EndRotation(const std::string& master_key_path);

// The process's holder record ("<host>:<pid>") with the ring's newest key.
KeyHolderRecord ThisHolder(const KeyRing& ring, const Clock& clock);
// Whether a holder on this host is a process that is gone (its record is stale).
bool HolderGone(const KeyHolderRecord& holder);
// Asks a sealpost on this host to reload its keys (SIGHUP); false when `holder` is
// not on this host or not a sealpost.
bool AskHolderToReload(const KeyHolderRecord& holder);

}  // namespace sealpost
