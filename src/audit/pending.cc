#include "audit/pending.h"

#include <algorithm>
#include <utility>

namespace sealpost::audit {
namespace {

struct Pending {
  std::uint64_t token;
  AuditRecord record;
};

// Per thread: a transaction runs on the thread that asked for it.
thread_local std::vector<Pending> pending;
thread_local std::uint64_t next_token = 0;
thread_local std::optional<Actor> actor;

}  // namespace

PendingRecord::PendingRecord(AuditRecord record) : token_(++next_token) {
  pending.push_back({token_, std::move(record)});
}

PendingRecord::~PendingRecord() {
  pending.erase(std::remove_if(pending.begin(), pending.end(),
                               [&](const Pending& p) { return p.token == token_; }),
                pending.end());
}

bool PendingRecord::taken() const {
  return std::none_of(pending.begin(), pending.end(),
                      [&](const Pending& p) { return p.token == token_; });
}

void DetailPending(const std::string& details) {
  for (auto& p : pending) p.record.details = details;
}

std::vector<AuditRecord> TakePending() {
  std::vector<AuditRecord> out;
  out.reserve(pending.size());
  for (auto& p : pending) out.push_back(std::move(p.record));
  pending.clear();
  return out;
}

HandOver::HandOver() {
  tokens_.reserve(pending.size());
  records_.reserve(pending.size());
  for (auto& p : pending) {
    tokens_.push_back(p.token);
    records_.push_back(std::move(p.record));
  }
  pending.clear();
}

void HandOver::Restore() {
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    pending.push_back({tokens_[i], std::move(records_[i])});
  }
  tokens_.clear();
  records_.clear();
}

ActingAs::ActingAs(Actor a) : previous_(std::move(actor)) { actor = std::move(a); }

ActingAs::ActingAs(std::nullopt_t) : previous_(std::move(actor)) { actor.reset(); }

ActingAs::~ActingAs() { actor = std::move(previous_); }

const Actor* CurrentActor() { return actor ? &*actor : nullptr; }

bool NameCurrentActor(AuditRecord& record) {
  if (!actor) return false;
  record.actor_kind = actor->kind;
  record.actor = actor->id;
  if (record.client_address.empty()) record.client_address = actor->client_address;
  if (record.account.empty()) record.account = actor->account;
  return true;
}

}  // namespace sealpost::audit
