#include "app/key_rotation.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "api/auth.h"
#include "app/signing_key.h"
#include "base/sync.h"
#include "campaigns/contacts.h"
#include "dkim/domain_signer.h"
#include "escrow/answer_keys.h"
#include "escrow/center_keys.h"
#include "escrow/sealer.h"
#include "forms/kept.h"
#include "forms/requests.h"
#include "policy/address_books.h"
#include "policy/org_directory.h"
#include "policy/signing_identities.h"
#include "portal/accounts.h"
#include "submission/spool.h"
#include "webhooks/events.h"
#include "webhooks/target.h"

namespace sealpost {

namespace {

using Binding = std::vector<std::string>;

constexpr const char* kLookupKeyName = "lookup";
constexpr std::size_t kUnreadableRowsKept = 5;

std::string Name(const SealedColumn& c) { return c.table + "." + c.column; }

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

std::string HostName() {
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "localhost";
  return host;
}

// The program a process runs; "" when this process may not see it. A binary replaced
// since it started (a package upgrade) reads as its path all the same.
std::string ExecutableOf(const std::string& pid) {
  std::error_code ec;
  std::string exe = std::filesystem::read_symlink("/proc/" + pid + "/exe", ec).string();
  if (ec) return "";
  constexpr std::string_view kDeleted = " (deleted)";
  if (exe.size() > kDeleted.size() && exe.substr(exe.size() - kDeleted.size()) == kDeleted) {
    exe.resize(exe.size() - kDeleted.size());
  }
  return exe;
}

}  // namespace

const std::vector<MasterKeyColumn>& MasterKeyColumns() {
  using P = KeyPurpose;
  static const std::vector<MasterKeyColumn> columns = {
      {{"sealed_keys", "sealed", {"name"}},
       P::kKeys,
       [](const Binding& b) { return SealedKeyAad(b[0]); }},
      {{"signing_keys", "sealed_secret", {"id"}},
       P::kSigning,
       [](const Binding& b) { return SigningKeyAad(b[0]); }},
      {{"namespaces", "sealed_key", {"name"}},
       P::kNamespaces,
       [](const Binding& b) { return NamespaceKeyAad(b[0]); }},
      {{"accounts", "sealed_settings", {"name"}},
       P::kMetadata,
       [](const Binding& b) { return policy::SettingsAad(OrgLevel::kAccount, b[0]); }},
      {{"domains", "sealed_settings", {"name"}},
       P::kMetadata,
       [](const Binding& b) { return policy::SettingsAad(OrgLevel::kDomain, b[0]); }},
      {{"users", "sealed_settings", {"address"}},
       P::kMetadata,
       [](const Binding& b) { return policy::SettingsAad(OrgLevel::kUser, b[0]); }},
      {{"org_identities", "sealed_secret", {"scope", "kind"}},
       P::kMetadata,
       [](const Binding& b) { return policy::IdentityAad(b[0], b[1]); }},
      {{"dkim_keys", "sealed_private", {"domain", "algorithm"}},
       P::kMetadata,
       [](const Binding& b) { return dkim::DkimKeyAad(b[0], b[1]); }},
      {{"address_book_entries", "sealed_data", {"book_id", "address"}},
       P::kMetadata,
       [](const Binding& b) { return policy::EntryAad(b[0], b[1]); }},
      {{"portal_accounts", "sealed_totp", {"id"}},
       P::kMetadata,
       [](const Binding& b) { return portal::TotpAad(b[0]); }},
      {{"api_sessions", "sealed_key", {"id"}},
       P::kMetadata,
       [](const Binding& b) { return api::SessionKeyAad(b[0]); }},
      {{"webhook_endpoints", "sealed_secrets", {"id"}},
       P::kMetadata,
       [](const Binding& b) { return webhooks::SecretsAad(b[0]); }},
      {{"messages", "webhook_subject", {"id"}},
       P::kMetadata,
       [](const Binding& b) { return webhooks::SubjectAad(b[0]); }},
      {{"form_submissions", "wrapped_key", {"id"}},
       P::kMetadata,
       [](const Binding& b) { return forms::KeptKeyAad(b[0]); }},
      {{"form_requests", "sealed_note", {"id"}},
       P::kMetadata,
       [](const Binding& b) { return forms::RequestNoteAad(b[0]); }},
      {{"contacts", "sealed_attributes", {"id"}},
       P::kMetadata,
       [](const Binding& b) { return campaigns::AttributesAad(b[0]); }},
      {{"answer_keys", "sealed_key", {"tag"}},
       P::kMetadata,
       [](const Binding& b) { return AnswerKeyAad(b[0]); }},
      {{"recipients", "sealed_question", {"id"}},
       P::kMetadata,
       [](const Binding& b) { return QuestionAad(b[0]); }},
      {{"queue", "sealed_content", {"id"}},
       P::kQueue,
       [](const Binding& b) { return QueueContentAad(b[0]); }},
      {{"queue", "content_key", {"content_blob"}},
       P::kQueue,
       [](const Binding& b) { return QueueBlobAad(b[0]); }},
      {{"inbound", "sealed_content", {"id"}},
       P::kQueue,
       [](const Binding& b) { return submission::InboundContentAad(b[0]); }},
      {{"inbound", "content_key", {"content_blob"}},
       P::kQueue,
       [](const Binding& b) { return QueueBlobAad(b[0]); }},
      {{"inbound", "sealed_header", {"id"}},
       P::kQueue,
       [](const Binding& b) { return submission::InboundHeaderAad(b[0]); }},
  };
  return columns;
}

std::string SealedKeyAad(const std::string& name) { return "sealpost/sealed-key/v1|" + name; }

Status LoadLookupKey(KeyStore& store, KeyRing& ring, const SecretBytes& newest_master) {
  auto found = store.FindSealedKey(kLookupKeyName);
  if (!found.ok()) return std::move(found).error();
  std::string sealed;
  if (found->has_value()) {
    sealed = std::move(**found);
  } else {
    auto first = FirstLookupKey(newest_master);
    if (!first.ok()) return std::move(first).error();
    auto boxed = ring.database_keys().Seal(first->view(), SealedKeyAad(kLookupKeyName));
    if (!boxed.ok()) return std::move(boxed).error();
    auto kept = store.KeepSealedKey(kLookupKeyName, *boxed);
    if (!kept.ok()) return std::move(kept).error();
    sealed = std::move(*kept);
  }
  auto key = ring.database_keys().OpenSecret(sealed, SealedKeyAad(kLookupKeyName));
  if (!key.ok()) {
    return MakeError(ErrorCode::kIntegrity,
                     "the lookup key does not open with this master key (wrong master.key?)");
  }
  ring.SetLookupKey(std::move(*key));
  return OkStatus();
}

Result<std::vector<ColumnTally>> PassOverSealed(
    KeyStore& store, const KeyRing& ring, bool rewrap,
    const std::function<void(const ColumnTally&)>& progress, std::int64_t budget, int batch) {
  std::vector<ColumnTally> tallies;
  for (const auto& c : MasterKeyColumns()) {
    ColumnTally tally;
    tally.name = Name(c.column);
    auto count = store.CountSealed(c.column);
    if (!count.ok()) return std::move(count).error();
    tally.values = *count;
    const PurposeKey& key = ring.purpose(c.purpose);
    std::int64_t after = 0;
    for (;;) {
      if (budget == 0) break;
      int limit = batch;
      if (budget > 0 && budget < limit) limit = static_cast<int>(budget);
      auto cells = store.SealedCells(c.column, after, limit);
      if (!cells.ok()) return std::move(cells).error();
      if (cells->empty()) break;
      std::vector<SealedReplacement> changes;
      for (auto& cell : *cells) {
        after = cell.row;
        ++tally.seen;
        if (budget > 0) --budget;
        const std::string aad = c.aad(cell.binding);
        if (key.OpensWithNewest(cell.value, aad)) {
          ++tally.newest;
          continue;
        }
        auto plain = key.OpenSecret(cell.value, aad);
        if (!plain.ok()) {
          ++tally.unreadable;
          if (tally.unreadable_rows.size() < kUnreadableRowsKept) {
            tally.unreadable_rows.push_back(cell.row);
          }
          continue;
        }
        if (!rewrap) continue;
        auto sealed = key.Seal(plain->view(), aad);
        if (!sealed.ok()) return std::move(sealed).error();
        changes.push_back({cell.row, std::move(cell.value), std::move(*sealed)});
      }
      if (!changes.empty()) {
        auto written = store.ReplaceSealed(c.column, changes);
        if (!written.ok()) return std::move(written).error();
        tally.rewrapped += *written;
        // A row changed meanwhile was rewritten by its owner, with the newest key: it
        // holds nothing the previous key is needed for.
        tally.newest += static_cast<std::int64_t>(changes.size()) - *written;
      }
      if (progress) progress(tally);
    }
    tallies.push_back(std::move(tally));
    if (budget == 0) break;
  }
  return tallies;
}

bool RotationUnderWay(const std::string& master_key_path) {
  return Exists(PreviousMasterKeyPath(master_key_path));
}

Status StartRotation(const std::string& path) {
  const std::string previous = PreviousMasterKeyPath(path);
  const std::string next = path + ".next";
  if (Exists(previous) && !Exists(next)) return OkStatus();  // under way
  if (!Exists(previous)) {
    if (!Exists(next)) {
      if (auto made = CreateMasterKeyFile(next); !made.ok()) return made;
    } else if (auto kept = LoadMasterKeyFile(next); !kept.ok()) {
      return kept.error();  // a damaged next key: say so rather than replace it
    }
    // A second name for the old key first: `path` names a key at every moment.
    if (::link(path.c_str(), previous.c_str()) != 0) {
      return MakeError(ErrorCode::kIo,
                       "cannot link " + path + " to " + previous + ": " + std::strerror(errno));
    }
    if (auto synced = SyncParentDirectory(path); !synced.ok()) return synced;
  }
  if (::rename(next.c_str(), path.c_str()) != 0) {
    return MakeError(ErrorCode::kIo,
                     "cannot rename " + next + " to " + path + ": " + std::strerror(errno));
  }
  return SyncParentDirectory(path);
}

Status EndRotation(const std::string& path) {
  const std::string previous = PreviousMasterKeyPath(path);
  if (::unlink(previous.c_str()) != 0 && errno != ENOENT) {
    return MakeError(ErrorCode::kIo, "cannot remove " + previous + ": " + std::strerror(errno));
  }
  return SyncParentDirectory(path);
}

KeyHolderRecord ThisHolder(const KeyRing& ring, const Clock& clock) {
  KeyHolderRecord h;
  h.host = HostName();
  h.pid = ::getpid();
  h.holder = h.host + ":" + std::to_string(h.pid);
  h.key_id = ring.newest_key_id();
  h.since = clock.NowUnix();
  return h;
}

bool HolderGone(const KeyHolderRecord& holder) {
  if (holder.host != HostName() || holder.pid <= 0) return false;
  if (::kill(static_cast<pid_t>(holder.pid), 0) != 0 && errno == ESRCH) return true;
  // A live process with that number that is not a sealpost took it over. When its
  // program cannot be seen (another user's process), it is taken to be the holder:
  // forgetting a live holder could end a rotation while it still seals with the old key.
  const std::string exe = ExecutableOf(std::to_string(holder.pid));
  return !exe.empty() && exe != ExecutableOf("self");
}

bool AskHolderToReload(const KeyHolderRecord& holder) {
  if (holder.host != HostName() || holder.pid <= 0 || HolderGone(holder)) return false;
  return ::kill(static_cast<pid_t>(holder.pid), SIGHUP) == 0;
}

}  // namespace sealpost
