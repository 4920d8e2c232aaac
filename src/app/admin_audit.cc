// `sealpost admin audit …` (issue 21): the audit trail read back, sealed with a signed
// checkpoint, and verified record by record.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/signing_key.h"
#include "audit/chain.h"
#include "base/encoding.h"

namespace sealpost::admin {
namespace {

constexpr int kVerifyBatch = 5000;

Status List(Context& c, const AdminArgs& a) {
  auto records = c.stores->audit->Newest(0, a.limit);
  if (!records.ok()) return records.error();
  for (const auto& r : *records) {
    std::cout << r.seq << "  " << FormatRfc3339(r.at) << "  " << r.actor_kind << ":" << r.actor
              << "  " << r.action << "  " << r.subject << "  " << r.result;
    if (!r.details.empty()) std::cout << "  " << r.details;
    std::cout << "\n";
  }
  return OkStatus();
}

Status MakeCheckpoint(Context& c) {
  auto signer = LoadSigningIdentity(*c.stores->signing_keys, *c.keys);
  if (!signer.ok()) return signer.error();
  auto head = c.stores->audit->Head();
  if (!head.ok()) return head.error();
  if (head->first == 0) {
    return MakeError(ErrorCode::kFailedPrecondition, "the audit trail is empty");
  }
  auto checkpoint = audit::SignCheckpoint(signer->secret_key, signer->key_id, head->first,
                                          c.clock.NowUnix(), head->second);
  if (!checkpoint.ok()) return checkpoint.error();
  if (auto put = c.stores->audit->PutCheckpoint(*checkpoint); !put.ok()) return put;
  std::cout << "checkpoint at record " << head->first << ", signed with key " << signer->key_id
            << "\n";
  return OkStatus();
}

Status Verify(Context& c) {
  SigningKeyStore& keys = *c.stores->signing_keys;
  audit::ChainVerifier verifier(
      [&keys](const std::string& id) {
        auto found = keys.Find(id);
        return found.ok() && found->has_value() ? (*found)->public_key : std::string();
      },
      std::nullopt);
  auto checkpoints = c.stores->audit->Checkpoints();
  if (!checkpoints.ok()) return checkpoints.error();
  for (const auto& cp : *checkpoints) verifier.AddCheckpoint(cp);
  std::int64_t after = 0;
  bool going = true;
  while (going) {
    auto batch = c.stores->audit->Read(after, kVerifyBatch);
    if (!batch.ok()) return batch.error();
    if (batch->empty()) break;
    for (const auto& r : *batch) {
      after = r.seq;
      if (!verifier.Add(r)) {
        going = false;
        break;
      }
    }
  }
  if (auto problem = verifier.Finish()) {
    return MakeError(ErrorCode::kIntegrity, "the audit trail does not verify: " + *problem);
  }
  std::cout << "the audit trail verifies: " << verifier.records() << " record(s), "
            << checkpoints->size() << " signed checkpoint(s)\n";
  return OkStatus();
}

}  // namespace

void RegisterAuditCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                           int& exit_code) {
  auto* audit = admin->add_subcommand("audit", "The audit trail")->require_subcommand(1);
  auto* list = audit->add_subcommand("list", "The newest records");
  list->add_option("--limit", args->limit, "How many (default 50)")->check(CLI::Range(1, 10000));
  list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) { return List(c, a); }));
  audit->add_subcommand("checkpoint", "Seal the trail's head with the organisation's signature")
      ->callback(
          Command(args, exit_code, [](Context& c, AdminArgs&) { return MakeCheckpoint(c); }));
  audit
      ->add_subcommand("verify",
                       "Check every record and checkpoint; name the first that was tampered with")
      ->callback(Command(args, exit_code, [](Context& c, AdminArgs&) { return Verify(c); }));
}

}  // namespace sealpost::admin
