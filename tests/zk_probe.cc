// zk_probe: tries to open an escrow message with everything the server stores (the
// database, the blobs and the master key) plus what the caller supplies, the way an
// attacker who stole the server would. Used by the integration tests to prove that
// neither the link secret nor the answer alone (with all of the server's data) opens
// a message, and that both together do (so the probe itself is shown to work).
//   zk_probe <data dir> <recipient id> <link secret, base64url or "-"> <answer>
// Prints "opened: <text>" and exits 0, or prints "failed: <reason>" and exits 1.
//   zk_probe <data dir> --queue <queue id>
// Opens the queue entry's content with the master key's queue key, as a thief would to
// find a notice's link: prints "link: <portal link>" and exits 0, or "failed: ..." 1.
#include <iostream>

#include "base/encoding.h"
#include "crypto/key_ring.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "escrow/answer.h"
#include "escrow/opener.h"
#include "store/sqlite/stores.h"

using namespace sealpost;

int main(int argc, char** argv) {
  if (argc != 5 && !(argc == 4 && std::string(argv[2]) == "--queue")) {
    std::cerr << "usage: zk_probe DATA_DIR RECIPIENT_ID LINK_SECRET|- ANSWER\n"
                 "       zk_probe DATA_DIR --queue QUEUE_ID\n";
    return 2;
  }
  const std::string dir = argv[1];
  auto db = sqlite::Database::Open(dir + "/sealpost.db");
  if (std::string(argv[2]) == "--queue") {
    auto master = LoadMasterKeyFile(dir + "/master.key");
    if (!db.ok() || !master.ok()) {
      std::cout << "failed: cannot read the data directory\n";
      return 3;
    }
    auto ring = KeyRing::Derive(*master);
    auto queue = sqlite::NewQueueStore(**db);
    auto entry = queue->Find(argv[3]);
    if (!entry.ok() || !entry->has_value()) {
      std::cout << "failed: no such queue entry\n";
      return 3;
    }
    auto mail = ring->queue().Open((*entry)->sealed_content, QueueContentAad((*entry)->id));
    if (!mail.ok()) {
      std::cout << "failed: no content: " << mail.error().message << "\n";
      return 1;
    }
    for (auto soft = mail->find("=\r\n"); soft != std::string::npos; soft = mail->find("=\r\n")) {
      mail->erase(soft, 3);
    }
    auto at = mail->find("/m/");
    if (at == std::string::npos) {
      std::cout << "failed: no link in the content\n";
      return 1;
    }
    std::cout << "link: " << mail->substr(at, mail->find_first_of(" \r\n\"<", at) - at) << "\n";
    return 0;
  }
  auto master = LoadMasterKeyFile(dir + "/master.key");
  auto blobs = NewFileBlobStore(dir + "/blobs");
  if (!db.ok() || !master.ok() || !blobs.ok()) {
    std::cout << "failed: cannot read the data directory\n";
    return 3;
  }
  auto messages = sqlite::NewMessageStore(**db);
  auto signing = sqlite::NewSigningKeyStore(**db);
  auto recipient = messages->FindRecipient(argv[2]);
  if (!recipient.ok() || !recipient->has_value()) {
    std::cout << "failed: no such recipient\n";
    return 3;
  }
  auto message = messages->Find((*recipient)->message_id);
  // Without the link secret, the best an attacker can do is guess it; every key the
  // master key derives is tried as well, in case one of them opened the message.
  std::vector<SecretBytes> candidates;
  if (std::string(argv[3]) != "-") {
    auto secret = Base64UrlDecodeSecret(argv[3]);
    if (secret) candidates.push_back(std::move(*secret));
  } else {
    candidates.push_back(RandomSecret(32));
    candidates.push_back(master->Copy());
    for (int p = 0; p < kKeyPurposeCount; ++p) {
      candidates.push_back(std::move(*DerivePurposeKey(*master, static_cast<KeyPurpose>(p))));
    }
  }
  EscrowOpener opener(**blobs, *signing);
  for (const auto& secret : candidates) {
    auto key = UnwrapMessageKey(**recipient, secret, NormaliseAnswer(argv[4]));
    if (!key.ok()) continue;
    auto manifest = opener.ReadManifest(**message, *key);
    if (manifest.ok()) {
      std::cout << "opened: " << manifest->manifest.text << "\n";
      return 0;
    }
  }
  std::cout << "failed: the message key could not be unwrapped\n";
  return 1;
}
