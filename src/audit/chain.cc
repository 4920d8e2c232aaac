#include "audit/chain.h"

#include "base/encoding.h"
#include "crypto/primitives.h"
#include "crypto/signing.h"

namespace sealpost::audit {
namespace {

void AppendU64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

// Length-prefixed, so no two different records serialise alike.
void AppendField(std::string& out, std::string_view field) {
  AppendU64(out, field.size());
  out.append(field);
}

}  // namespace

std::string GenesisHash() { return std::string(kHashSize, '\0'); }

std::string RecordHash(const AuditRecord& r) {
  std::string bytes = "sealpost/audit/v1";
  AppendField(bytes, r.prev_hash);
  AppendU64(bytes, static_cast<std::uint64_t>(r.seq));
  AppendU64(bytes, static_cast<std::uint64_t>(r.at));
  for (const std::string* f : {&r.actor_kind, &r.actor, &r.client_address, &r.account, &r.action,
                               &r.subject, &r.result, &r.details}) {
    AppendField(bytes, *f);
  }
  if (!r.message_id.empty() || !r.recipient.empty()) {
    AppendField(bytes, r.message_id);
    AppendField(bytes, r.recipient);
  }
  return Sha256(bytes);
}

std::string CheckpointMessage(const Checkpoint& c) {
  std::string bytes = "sealpost/audit-checkpoint/v1";
  AppendU64(bytes, static_cast<std::uint64_t>(c.seq));
  AppendU64(bytes, static_cast<std::uint64_t>(c.at));
  AppendField(bytes, c.head_hash);
  AppendField(bytes, c.signing_key_id);
  return bytes;
}

Result<Checkpoint> SignCheckpoint(const SecretBytes& secret_key, const std::string& key_id,
                                  std::int64_t seq, std::int64_t at, const std::string& head_hash) {
  Checkpoint c{seq, at, head_hash, key_id, ""};
  auto signature = Sign(secret_key, CheckpointMessage(c));
  if (!signature.ok()) return std::move(signature).error();
  c.signature = std::move(*signature);
  return c;
}

ChainVerifier::ChainVerifier(PublicKeyOf public_key_of, std::optional<Checkpoint> start)
    : public_key_of_(std::move(public_key_of)), expected_prev_(GenesisHash()) {
  if (start) {
    if (!Signed(*start)) {
      Fail(start->seq, "the checkpoint the chain starts from is not signed by this key");
      return;
    }
    expected_prev_ = start->head_hash;
    next_seq_ = start->seq + 1;
  }
}

bool ChainVerifier::Signed(const Checkpoint& c) const {
  const std::string key = public_key_of_(c.signing_key_id);
  return !key.empty() && VerifySignature(key, CheckpointMessage(c), c.signature);
}

bool ChainVerifier::Fail(std::int64_t seq, std::string why) {
  if (problem_.empty()) {
    problem_ = std::move(why);
    problem_seq_ = seq;
  }
  return false;
}

bool ChainVerifier::AddCheckpoint(const Checkpoint& c) {
  if (!problem_.empty()) return false;
  if (!Signed(c)) {
    return Fail(c.seq, "checkpoint at record " + std::to_string(c.seq) +
                           " is not signed by the organisation's key (altered or forged)");
  }
  if (c.seq < next_seq_) {
    return Fail(c.seq, "checkpoint at record " + std::to_string(c.seq) +
                           " comes after its record was checked");
  }
  checkpoints_[c.seq] = c.head_hash;
  return true;
}

bool ChainVerifier::Add(const AuditRecord& r) {
  if (!problem_.empty()) return false;
  if (r.seq != next_seq_) {
    if (r.seq > next_seq_) {
      return Fail(next_seq_, "record " + std::to_string(next_seq_) +
                                 (r.seq == next_seq_ + 1 ? " is missing (removed)"
                                                         : " to " + std::to_string(r.seq - 1) +
                                                               " are missing (removed)"));
    }
    return Fail(r.seq, "record " + std::to_string(r.seq) + " appears again after record " +
                           std::to_string(next_seq_ - 1) + " (inserted or reordered)");
  }
  if (r.prev_hash != expected_prev_) {
    return Fail(r.seq, "record " + std::to_string(r.seq) +
                           " does not follow the record before it (one of them was altered, "
                           "or a record was inserted or moved)");
  }
  const std::string hash = RecordHash(r);
  if (hash != r.hash) {
    return Fail(r.seq,
                "record " + std::to_string(r.seq) + " was altered (its hash does not match)");
  }
  if (auto it = checkpoints_.find(r.seq); it != checkpoints_.end()) {
    if (it->second != hash) {
      return Fail(r.seq,
                  "record " + std::to_string(r.seq) +
                      " is not the one its signed checkpoint sealed (the chain was rewritten)");
    }
    checkpoints_.erase(it);
  }
  expected_prev_ = hash;
  ++next_seq_;
  ++records_;
  return true;
}

std::optional<std::string> ChainVerifier::Finish() {
  if (problem_.empty() && !checkpoints_.empty()) {
    const std::int64_t missing = checkpoints_.rbegin()->first;
    Fail(next_seq_, "records " + std::to_string(next_seq_) + " to " + std::to_string(missing) +
                        " are missing: a signed checkpoint names record " +
                        std::to_string(missing) + " (the tail was cut off)");
  }
  if (problem_.empty()) return std::nullopt;
  return problem_;
}

}  // namespace sealpost::audit
