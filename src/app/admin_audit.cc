// `sealpost admin audit …` (issue 21): the audit trail read back, sealed with a signed
// checkpoint, and verified record by record.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <fcntl.h>
#include <iostream>
#include <unistd.h>

#include "app/audit_checkpoints.h"
#include "app/signing_key.h"
#include "audit/chain.h"
#include "audit/export.h"
#include "audit/pending.h"
#include "base/encoding.h"

namespace sealpost::admin {
namespace {

constexpr int kVerifyBatch = 5000;
constexpr int kExportPage = 1000;

void PrintRecord(const audit::AuditRecord& r) {
  std::cout << r.seq << "  " << FormatRfc3339(r.at) << "  " << r.actor_kind << ":" << r.actor
            << "  " << r.action << "  " << r.subject << "  " << r.result;
  if (!r.client_address.empty()) std::cout << "  from " << r.client_address;
  if (!r.message_id.empty()) std::cout << "  message " << r.message_id;
  if (!r.details.empty()) std::cout << "  " << r.details;
  std::cout << "\n";
}

Status List(Context& c, const AdminArgs& a) {
  auto records = c.stores->audit->Newest(0, a.limit);
  if (!records.ok()) return records.error();
  for (const auto& r : *records) PrintRecord(r);
  return OkStatus();
}

// The filters given on the command line.
Result<AuditQuery> QueryOf(const AdminArgs& a) {
  AuditQuery q;
  if (!a.since.empty()) {
    auto t = ParseRfc3339OrDate(a.since);
    if (!t.ok()) return MakeError(ErrorCode::kInvalidArgument, t.error().message, "--since");
    q.from = *t;
  }
  if (!a.until.empty()) {
    auto t = ParseRfc3339OrDate(a.until);
    if (!t.ok()) return MakeError(ErrorCode::kInvalidArgument, t.error().message, "--until");
    q.to = *t;
  }
  q.actor = a.actor;
  q.account = a.account;
  q.message_id = a.message;
  q.recipient = a.recipient;
  q.action = a.action_filter;
  q.result = a.result;
  q.before_seq = a.before;
  q.limit = a.limit;
  return q;
}

Status Search(Context& c, const AdminArgs& a) {
  auto q = QueryOf(a);
  if (!q.ok()) return q.error();
  auto records = c.stores->audit->Search(*q);
  if (!records.ok()) return records.error();
  for (const auto& r : *records) PrintRecord(r);
  if (static_cast<int>(records->size()) == q->limit) {
    std::cout << "(more: --before " << records->back().seq << ")\n";
  }
  return OkStatus();
}

// Every matching record, newest first, a page at a time (constant memory), as JSON
// Lines or CSV, to a new file (0600) or standard output; progress on standard error.
Status Export(Context& c, const AdminArgs& a) {
  if (a.format != "jsonl" && a.format != "csv") {
    return MakeError(ErrorCode::kInvalidArgument, "must be jsonl or csv", "--format");
  }
  auto q = QueryOf(a);
  if (!q.ok()) return q.error();
  q->limit = kExportPage;
  auto total = c.stores->audit->Count(*q);
  if (!total.ok()) return total.error();
  std::FILE* out = stdout;
  if (a.output != "-") {
    int fd = ::open(a.output.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return MakeError(ErrorCode::kAlreadyExists, "cannot create " + a.output + " (it may exist)");
    }
    out = ::fdopen(fd, "w");
    if (out == nullptr) {
      ::close(fd);
      return MakeError(ErrorCode::kIo, "cannot write " + a.output);
    }
  }
  // The export is itself on record, before a record leaves (no record, no export).
  audit::DetailPending(boost::json::serialize(boost::json::object{
      {"format", a.format}, {"records", *total}, {"to", a.output == "-" ? "stdout" : a.output}}));
  if (auto recorded = RecordAccessNow(c); !recorded.ok()) {
    if (out != stdout) {
      std::fclose(out);
      ::unlink(a.output.c_str());
    }
    return recorded;
  }
  const bool bar = (a.progress || ::isatty(2)) && out != stdout;
  std::int64_t done = 0;
  bool ok = true;
  if (a.format == "csv") ok = std::fputs(audit::CsvHeader().c_str(), out) >= 0;
  while (ok) {
    auto page = c.stores->audit->Search(*q);
    if (!page.ok()) {
      if (out != stdout) std::fclose(out);
      return page.error();
    }
    for (const auto& r : *page) {
      const std::string line =
          a.format == "csv" ? audit::RecordCsv(r) : audit::RecordJson(r) + "\n";
      ok = ok && std::fwrite(line.data(), 1, line.size(), out) == line.size();
    }
    done += static_cast<std::int64_t>(page->size());
    if (bar && *total > 0) {
      const int width = 30;
      const int filled = static_cast<int>(width * std::min(done, *total) / *total);
      std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
                << done << "/" << *total << " records" << std::flush;
    }
    if (static_cast<int>(page->size()) < q->limit) break;
    q->before_seq = page->back().seq;
  }
  if (bar) std::cerr << "\n";
  ok = std::fflush(out) == 0 && ok;
  if (out != stdout) ok = std::fclose(out) == 0 && ok;
  if (!ok) return MakeError(ErrorCode::kIo, "cannot write " + a.output);
  if (out != stdout) std::cout << done << " record(s) exported to " << a.output << "\n";
  return OkStatus();
}

Status Prune(Context& c, const AdminArgs& a) {
  auto signer = LoadSigningIdentity(*c.stores->signing_keys, *c.keys);
  if (!signer.ok()) return signer.error();
  const std::int64_t days =
      a.older_than_days > 0 ? a.older_than_days : c.config.audit_retention_days;
  auto removed = PruneAuditTrail(*c.stores->audit, *signer, c.clock, days * 86400);
  if (!removed.ok()) return removed.error();
  std::cout << *removed << " record(s) older than " << days << " days removed\n";
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
  // A pruned chain verifies from the signed checkpoint at its cut.
  auto start_or = PrunedStart(*c.stores->audit);
  if (!start_or.ok()) return start_or.error();
  const std::optional<audit::Checkpoint>& start = *start_or;
  audit::ChainVerifier verifier(
      [&keys](const std::string& id) {
        auto found = keys.Find(id);
        return found.ok() && found->has_value() ? (*found)->public_key : std::string();
      },
      start_or.value());
  auto checkpoints = c.stores->audit->Checkpoints();
  if (!checkpoints.ok()) return checkpoints.error();
  for (const auto& cp : *checkpoints) {
    if (!start || cp.seq > start->seq) verifier.AddCheckpoint(cp);
  }
  std::int64_t after = start ? start->seq : 0;
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
            << checkpoints->size() << " signed checkpoint(s)";
  if (start) {
    std::cout << "; pruned through record " << start->seq << " (checkpoint signed "
              << FormatRfc3339(start->at) << ")";
  }
  std::cout << "\n";
  return OkStatus();
}

}  // namespace

void RegisterAuditCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                           int& exit_code) {
  auto* audit = admin->add_subcommand("audit", "The audit trail")->require_subcommand(1);
  auto* list = audit->add_subcommand("list", "The newest records");
  list->add_option("--limit", args->limit, "How many (default 50)")->check(CLI::Range(1, 10000));
  list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) { return List(c, a); }));
  auto filters = [&args](CLI::App* cmd) {
    cmd->add_option("--since", args->since, "From this date or time (2026-11-22, RFC 3339)");
    cmd->add_option("--until", args->until, "Before this date or time");
    cmd->add_option("--actor", args->actor, "Who acted: an API key, user, account, recipient id");
    cmd->add_option("--account", args->account, "The organisation account");
    cmd->add_option("--message", args->message, "A message id");
    cmd->add_option("--recipient", args->recipient, "A recipient's address");
    cmd->add_option("--action", args->action_filter,
                    "An action (auth.smtp), or a family of them (message.*)");
    cmd->add_option("--result", args->result, "ok, refused or failed");
  };
  auto* search = audit->add_subcommand("search", "Records that match, newest first");
  filters(search);
  search->add_option("--limit", args->limit, "How many (default 50)")->check(CLI::Range(1, 10000));
  search->add_option("--before", args->before, "The page after the one that ended here");
  search->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) { return Search(c, a); }));
  auto* export_cmd = audit->add_subcommand(
      "export", "Every matching record, as JSON Lines or CSV (recorded as an export)");
  filters(export_cmd);
  export_cmd->add_option("--format", args->format, "jsonl or csv")->required();
  export_cmd->add_option("--output", args->output, "A new file, or - for standard output")
      ->required();
  export_cmd->add_flag("--progress", args->progress, "Show progress even when not on a terminal");
  export_cmd->callback(
      Command(args, exit_code, [](Context& c, AdminArgs& a) { return Export(c, a); }));
  auto* prune = audit->add_subcommand(
      "prune", "Remove records older than the retention period ([audit] retention_days)");
  prune->add_option("--older-than-days", args->older_than_days, "Instead of the configured period")
      ->check(CLI::Range(1, 36500));
  prune->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) { return Prune(c, a); }));
  audit->add_subcommand("checkpoint", "Seal the trail's head with the organisation's signature")
      ->callback(
          Command(args, exit_code, [](Context& c, AdminArgs&) { return MakeCheckpoint(c); }));
  audit
      ->add_subcommand("verify",
                       "Check every record and checkpoint; name the first that was tampered with")
      ->callback(Command(args, exit_code, [](Context& c, AdminArgs&) { return Verify(c); }));
}

}  // namespace sealpost::admin
