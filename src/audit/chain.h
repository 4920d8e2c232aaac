// The audit trail's tamper evidence (issue 21), without I/O: each record carries the
// hash of the one before it, so a record edited, removed, inserted or moved breaks the
// chain at that place; checkpoints, signed with the organisation's Ed25519 key, seal the
// chain's head at a record, so a tail cut off after the last checkpoint is found as
// well, and a chain pruned before a checkpoint still verifies from it.
//
//   hash(record) = SHA-256("sealpost/audit/v1" | prev_hash | each field, length-prefixed)
//   checkpoint signature = Ed25519(key, "sealpost/audit-checkpoint/v1" | seq | at | head hash)
//
// Thread-safety: ChainVerifier is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost::audit {

inline constexpr std::size_t kHashSize = 32;

// One record of the trail. `details` is JSON without secrets.
struct AuditRecord {
  std::int64_t seq = 0;    // 1, 2, 3 … with no gap, in the order written
  std::int64_t at = 0;     // unix seconds
  std::string actor_kind;  // "api_key", "user", "portal_account", "admin_cli", "system"
  std::string actor;
  std::string client_address;
  std::string account;
  std::string action;   // "message.accepted", "auth.api_key", "settings.changed" …
  std::string subject;  // what it was done to: a message, an address, a setting
  std::string result;   // "ok", "refused", "failed"
  std::string details;
  // What the record is about, for search (both may be empty): the message, and the
  // recipient's address. Hashed only when one is set, so records written before they
  // existed keep their hashes.
  std::string message_id;
  std::string recipient;
  std::string prev_hash;  // kHashSize bytes; all zero before the first record
  std::string hash;
};

// The hash `record` must carry, given its prev_hash and fields.
std::string RecordHash(const AuditRecord& record);
// The hash before the first record ever written.
std::string GenesisHash();

struct Checkpoint {
  std::int64_t seq = 0;  // the record whose hash it seals
  std::int64_t at = 0;
  std::string head_hash;  // that record's hash
  std::string signing_key_id;
  std::string signature;  // 64 bytes
};

std::string CheckpointMessage(const Checkpoint& checkpoint);
Result<Checkpoint> SignCheckpoint(const SecretBytes& secret_key, const std::string& key_id,
                                  std::int64_t seq, std::int64_t at, const std::string& head_hash);

// Walks a chain record by record, oldest first (memory: the checkpoints only), and
// checks every checkpoint against the record it names. The first problem found is
// kept: what it is, and the seq where it is.
class ChainVerifier {
 public:
  // `start`: the checkpoint a pruned chain begins after (its record is gone; the first
  // record kept must follow it and name its hash), or none for a chain kept whole.
  // `public_key_of`: the Ed25519 public key of a signing key id ("" when unknown).
  using PublicKeyOf = std::function<std::string(const std::string& key_id)>;
  ChainVerifier(PublicKeyOf public_key_of, std::optional<Checkpoint> start);

  // A checkpoint, before the records reach it: its signature is checked at once, its
  // hash when its record is fed. False once a problem is found.
  bool AddCheckpoint(const Checkpoint& checkpoint);
  // The next record; false once a problem is found.
  bool Add(const AuditRecord& record);
  // After the last record: every checkpoint's record must have been seen, else the tail
  // was cut. The problem, or nullopt when the chain holds.
  std::optional<std::string> Finish();

  std::int64_t records() const { return records_; }
  // Where the first problem is (the seq of the record found wrong or missing).
  std::int64_t problem_seq() const { return problem_seq_; }

 private:
  bool Fail(std::int64_t seq, std::string why);

  bool Signed(const Checkpoint& checkpoint) const;

  PublicKeyOf public_key_of_;
  std::string expected_prev_;
  std::int64_t next_seq_ = 1;
  std::int64_t records_ = 0;
  std::map<std::int64_t, std::string> checkpoints_;  // seq -> head hash, not yet reached
  std::string problem_;
  std::int64_t problem_seq_ = 0;
};

}  // namespace sealpost::audit
