// Test support: the escrow service over real SQLite and blob files in a temporary
// directory, as the tests of escrow and of what is built on it (the dispatcher, SMTP
// processing) need it. Argon2id at its cheapest, so tests stay fast. With `faults`
// (store/sqlite/faults.h), the database and the blobs fail when the test says.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>

#include "base/clock.h"
#include "base/temp_dir.h"
#include "crypto/key_ring.h"
#include "crypto/random.h"
#include "crypto/signing.h"
#include "escrow/escrow_service.h"
#include "store/blob_store.h"
#include "store/sqlite/faults.h"
#include "store/sqlite/stores.h"

namespace sealpost {

struct EscrowTestWorld {
  // Notices link to https://portal.test and come from notices@clinic.test.
  explicit EscrowTestWorld(const Clock& clock, std::function<void()> notify_queue = nullptr,
                           sqlite::Faults* faults = nullptr) {
    db = std::move(*sqlite::Database::Open(dir.path() + "/db", faults));
    audit = sqlite::NewAuditStore(*db);
    signing_keys = sqlite::NewSigningKeyStore(*db);
    messages = sqlite::NewMessageStore(*db);
    events = sqlite::NewEventStore(*db);
    queue = sqlite::NewQueueStore(*db);
    org = sqlite::NewOrgStore(*db);
    disk_blobs = std::move(*NewFileBlobStore(dir.path() + "/blobs"));
    blobs = faults ? faults->Blobs(*disk_blobs) : std::move(disk_blobs);
    auto pair = GenerateSigningKey();
    signer = {"k1", pair.public_key, std::move(pair.secret_key)};
    EXPECT_TRUE(signing_keys->Insert({"k1", signer.public_key, "x", 1}).ok());
    keys.emplace(std::move(*KeyRing::Derive(RandomSecret(32))));
    keys->SetLookupKey(RandomSecret(32));
    sealer.emplace(*blobs, signer, keys->metadata(), clock, SealerOptions{1, 8 * 1024});
    opener.emplace(*blobs, *signing_keys);
    EscrowSettings settings;
    settings.public_url = "https://portal.test";
    settings.notice_from = "notices@clinic.test";
    escrow.emplace(settings, *sealer, *opener, *messages, *events, *keys, clock,
                   std::move(notify_queue));
  }

  TempDir dir;
  std::unique_ptr<sqlite::Database> db;
  std::unique_ptr<AuditStore> audit;
  std::unique_ptr<SigningKeyStore> signing_keys;
  std::unique_ptr<MessageStore> messages;
  std::unique_ptr<EventStore> events;
  std::unique_ptr<QueueStore> queue;
  std::unique_ptr<OrgStore> org;
  std::unique_ptr<BlobStore> disk_blobs;  // under `blobs` when it fails on command
  std::unique_ptr<BlobStore> blobs;
  SigningIdentity signer;
  std::optional<KeyRing> keys;
  std::optional<EscrowSealer> sealer;
  std::optional<EscrowOpener> opener;
  std::optional<EscrowService> escrow;
};

}  // namespace sealpost
