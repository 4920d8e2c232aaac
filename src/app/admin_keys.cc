// `sealpost admin keys status|rotate` (app/key_rotation.h): the master key in use, and
// its rotation, one command that can be run again until it is done.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "app/key_rotation.h"

namespace sealpost::admin {
namespace {

void PrintTally(const ColumnTally& t) {
  std::cout << "  " << t.name << ": " << t.values << " value(s), " << t.newest
            << " under the newest key, " << t.rewrapped << " re-wrapped";
  if (t.unreadable > 0) {
    std::cout << ", " << t.unreadable << " under no key (rows";
    for (auto row : t.unreadable_rows) std::cout << " " << row;
    std::cout << (t.unreadable > static_cast<std::int64_t>(t.unreadable_rows.size()) ? " …" : "")
              << ")";
  }
  std::cout << "\n";
}

// Holders sealing with another key than `key_id`, after forgetting those that are gone.
Result<std::vector<KeyHolderRecord>> OtherHolders(KeyStore& store, const std::string& key_id) {
  auto holders = store.Holders();
  if (!holders.ok()) return std::move(holders).error();
  std::vector<KeyHolderRecord> others;
  for (auto& h : *holders) {
    if (h.key_id == key_id) continue;
    if (HolderGone(h)) {
      std::cout << "forgot " << h.holder << ": it no longer runs\n";
      if (auto removed = store.RemoveHolder(h.holder); !removed.ok()) return removed.error();
      continue;
    }
    others.push_back(std::move(h));
  }
  return others;
}

// Step 2: asks each process on this host that seals with an older key to reload, and
// waits (at most `wait`) until it seals with the newest; returns those that do not.
Result<std::vector<KeyHolderRecord>> ReloadHolders(KeyStore& store, const std::string& key_id,
                                                   std::chrono::seconds wait) {
  auto others = OtherHolders(store, key_id);
  if (!others.ok()) return others;
  for (const auto& h : *others) {
    if (AskHolderToReload(h)) std::cout << "asked " << h.holder << " to reload its keys\n";
  }
  const auto until = std::chrono::steady_clock::now() + wait;
  while (!others->empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    others = OtherHolders(store, key_id);
    if (!others.ok()) return others;
  }
  return others;
}

Status ShowStatus(Context& c) {
  const std::string path = c.config.Resolve(c.config.master_key);
  KeyStore& store = *c.stores->key_store;
  std::cout << "master key " << c.keys->newest_key_id() << "\n";
  if (RotationUnderWay(path)) {
    auto previous = LoadMasterKeyFile(PreviousMasterKeyPath(path));
    std::cout << "rotation under way: the previous key "
              << (previous.ok() ? KeyRing::KeyId(*previous) : "(unreadable)") << " still opens ("
              << PreviousMasterKeyPath(path) << ")\n";
  } else {
    std::cout << "no rotation under way\n";
  }
  auto holders = store.Holders();
  if (!holders.ok()) return holders.error();
  for (const auto& h : *holders) {
    std::cout << "process " << h.holder << " seals with " << h.key_id
              << (h.key_id == c.keys->newest_key_id() ? "" : " (an older key)") << "\n";
  }
  auto tallies = PassOverSealed(store, *c.keys, /*rewrap=*/false, nullptr);
  if (!tallies.ok()) return tallies.error();
  for (const auto& t : *tallies) {
    std::cout << "  " << t.name << ": " << t.values << " value(s), " << t.newest
              << " under the newest key, " << t.seen - t.newest - t.unreadable
              << " under an older key";
    if (t.unreadable > 0) std::cout << ", " << t.unreadable << " under no key";
    std::cout << "\n";
  }
  return OkStatus();
}

Status Rotate(Context& c, int wait_seconds) {
  const std::string path = c.config.Resolve(c.config.master_key);
  KeyStore& store = *c.stores->key_store;
  KeyRing& ring = c.stores->keys;
  const bool resumed = RotationUnderWay(path);
  if (auto started = StartRotation(path); !started.ok()) return started;
  auto masters = LoadMasterKeys(path);
  if (!masters.ok()) return masters.error();
  if (auto reloaded = ring.Reload(*masters); !reloaded.ok()) return reloaded;
  const std::string key_id = ring.newest_key_id();
  if (resumed) {
    std::cout << "rotation under way: resuming; the new master key is " << key_id << "\n";
  } else {
    std::cout << "new master key " << key_id << " in " << path << "; the previous one ("
              << (masters->size() > 1 ? KeyRing::KeyId((*masters)[1]) : "?") << ") stays in "
              << PreviousMasterKeyPath(path) << " until the rotation ends\n";
  }
  auto waiting = ReloadHolders(store, key_id, std::chrono::seconds(wait_seconds));
  if (!waiting.ok()) return waiting.error();

  std::cout << "re-wrapping what is sealed under the previous key:\n";
  auto tallies = PassOverSealed(store, ring, /*rewrap=*/true, [](const ColumnTally& t) {
    std::cout << "  " << t.name << ": " << t.seen << "/" << t.values << "\n" << std::flush;
  });
  if (!tallies.ok()) return tallies.error();
  std::int64_t unreadable = 0, rewrapped = 0;
  for (const auto& t : *tallies) {
    PrintTally(t);
    unreadable += t.unreadable;
    rewrapped += t.rewrapped;
  }
  std::cout << rewrapped << " value(s) re-wrapped\n";
  if (!waiting->empty()) {
    std::string names;
    for (const auto& h : *waiting) names += (names.empty() ? "" : ", ") + h.holder;
    return MakeError(ErrorCode::kFailedPrecondition,
                     "still sealing with the previous key: " + names +
                         ". Reload each (systemctl reload sealpost), then run `sealpost admin keys "
                         "rotate` again to end the rotation");
  }
  if (unreadable > 0) {
    return MakeError(
        ErrorCode::kIntegrity,
        std::to_string(unreadable) +
            " value(s) open with neither key (listed above), so the previous key is "
            "kept in " +
            PreviousMasterKeyPath(path) +
            ". Restore those rows from a backup, then run `sealpost admin keys rotate` again");
  }
  // A value sealed with the old key just before its process reloaded may have been
  // committed after the pass went by its row: pass again until one finds none.
  for (int pass = 0;; ++pass) {
    auto again = PassOverSealed(store, ring, /*rewrap=*/true, nullptr);
    if (!again.ok()) return again.error();
    std::int64_t late_values = 0, late_unreadable = 0;
    for (const auto& t : *again) {
      late_values += t.rewrapped;
      late_unreadable += t.unreadable;
    }
    if (late_unreadable > 0) {
      return MakeError(ErrorCode::kIntegrity,
                       std::to_string(late_unreadable) +
                           " value(s) written meanwhile open with neither key: the previous key is "
                           "kept; run `sealpost admin keys rotate` again");
    }
    if (late_values == 0) break;
    std::cout << late_values << " value(s) sealed meanwhile under the previous key re-wrapped\n";
    if (pass == 2) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "values keep being sealed under the previous key: reload every sealpost, "
                       "then run `sealpost admin keys rotate` again");
    }
  }
  std::cout << "verified: every value opens with the new key\n";
  // A process that started since took the keys from the files: it seals with the newest.
  auto late = OtherHolders(store, key_id);
  if (!late.ok()) return late.error();
  if (!late->empty()) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     late->front().holder +
                         " seals with an older key: reload it, then run "
                         "`sealpost admin keys rotate` again");
  }
  if (auto ended = EndRotation(path); !ended.ok()) return ended;
  // Once more, so that no process keeps the previous key in its memory either.
  auto holders = store.Holders();
  if (!holders.ok()) return holders.error();
  for (const auto& h : *holders) {
    if (AskHolderToReload(h)) {
      std::cout << "asked " << h.holder << " to reload: it forgets the previous key\n";
    }
  }
  std::cout << "rotation ended: everything is sealed under master key " << key_id << "; "
            << PreviousMasterKeyPath(path) << " is removed. Backups made before hold the old key "
            << "and open only with it.\n";
  return OkStatus();
}

}  // namespace

void RegisterKeyCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args, int& exit_code) {
  auto* keys = admin->add_subcommand("keys", "The master key and its rotation");
  keys->require_subcommand(1);
  keys->add_subcommand("status",
                       "The master key in use, a rotation under way, and what each key seals")
      ->callback(Command(args, exit_code, [](Context& c, const AdminArgs&) { return ShowStatus(c); }));
  auto* rotate = keys->add_subcommand(
      "rotate",
      "Replace the master key: re-wrap everything sealed under it, reload the running "
      "sealpost, remove the old key. Run it again to resume or to end one under way");
  rotate->add_option("--wait", args->wait_seconds,
                     "Seconds to wait for running processes to reload (default 30)")
      ->check(CLI::Range(0, 600));
  rotate->callback(
      Command(args, exit_code, [](Context& c, const AdminArgs& a) { return Rotate(c, a.wait_seconds); }));
}

}  // namespace sealpost::admin
