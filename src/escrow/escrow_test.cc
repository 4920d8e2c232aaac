#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "base/temp_dir.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "crypto/signing.h"
#include "escrow/answer.h"
#include "escrow/answer_keys.h"
#include "escrow/opener.h"
#include "escrow/sealer.h"
#include "store/sqlite/stores.h"

namespace sealpost {
namespace {

TEST(NormaliseAnswer, IgnoresCaseAndSpacing) {
  struct { const char* in; const char* want; } cases[] = {
      {"Blue Whale", "blue whale"},
      {"  blue   WHALE\t\n", "blue whale"},
      {"", ""},
      {"   ", ""},
      {"Zoë", "zoë"},  // non-ASCII kept as typed
      {"a\tb\r\nc", "a b c"},
  };
  for (const auto& c : cases) EXPECT_EQ(NormaliseAnswer(c.in), c.want) << c.in;
}

class EscrowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = sqlite::Database::Open(dir_.path() + "/db.sqlite");
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    signing_keys_ = sqlite::NewSigningKeyStore(*db_);
    auto blobs = NewFileBlobStore(dir_.path() + "/blobs");
    ASSERT_TRUE(blobs.ok());
    blobs_ = std::move(*blobs);
    auto pair = GenerateSigningKey();
    signer_.key_id = "org-key";
    signer_.public_key = pair.public_key;
    signer_.secret_key = std::move(pair.secret_key);
    ASSERT_TRUE(signing_keys_->Insert({"org-key", signer_.public_key, "unused", 1}).ok());
  }

  SealedMessage SealSample(const std::string& attachment,
                           const std::function<void(SealInput&)>& adjust = {}) {
    EscrowSealer sealer(*blobs_, signer_, metadata_key_, clock_, {1, 8 * 1024});
    auto draft = sealer.Begin();
    EXPECT_TRUE(draft->StartAttachment("lab.pdf", "application/pdf").ok());
    // Fed in odd-sized pieces, as a network would.
    for (std::size_t i = 0; i < attachment.size(); i += 7777) {
      EXPECT_TRUE(draft->AppendAttachment(std::string_view(attachment).substr(i, 7777)).ok());
    }
    EXPECT_TRUE(draft->FinishAttachment().ok());
    SealInput in;
    in.account = "default";
    in.from = "clinic@example.org";
    in.subject = "Your results";
    in.text = "Dear patient, see attached.";
    in.html = "<p>Dear patient</p>";
    in.expires_at = 2000;
    in.recipients.push_back({"pat@example.net", "to", "Your birth town?", " Springfield ", "", false, ""});
    if (adjust) adjust(in);
    auto sealed = draft->Seal(in);
    EXPECT_TRUE(sealed.ok()) << sealed.error().ToString();
    draft->MarkStored();
    return std::move(*sealed);
  }

  TempDir dir_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<SigningKeyStore> signing_keys_;
  std::unique_ptr<BlobStore> blobs_;
  SigningIdentity signer_;
  PurposeKey metadata_key_{RandomSecret(32)};
  SecretBytes lookup_key_ = RandomSecret(32);
  ManualClock clock_{1000};
};

// What a reader sees of the others: the message's To and Cc, never a blind copy.
TEST_F(EscrowTest, TheManifestNamesVisibleRecipientsOnly) {
  auto manifest_of = [&](const SealedMessage& sealed) {
    auto key = UnwrapMessageKey(sealed.record.recipients[0], sealed.link_secrets[0],
                                NormaliseAnswer("Springfield"));
    EXPECT_TRUE(key.ok());
    EscrowOpener opener(*blobs_, *signing_keys_);
    auto opened = opener.ReadManifest(sealed.record, *key);
    EXPECT_TRUE(opened.ok());
    return opened->manifest;
  };
  Manifest fallback = manifest_of(SealSample("x", [](SealInput& in) {
    in.recipients.push_back({"hidden@example.net", "bcc", "Q?", "A", "", false, ""});
    in.recipients.push_back({"copy@example.net", "cc", "Q?", "A", "", false, ""});
  }));
  EXPECT_EQ(fallback.to, std::vector<std::string>{"pat@example.net"});
  EXPECT_EQ(fallback.cc, std::vector<std::string>{"copy@example.net"});

  Manifest given = manifest_of(SealSample("x", [](SealInput& in) {
    in.to = {"pat@example.net", "direct@example.com"};
    in.cc = {"copy@example.net"};
    in.recipients.push_back({"hidden@example.net", "bcc", "Q?", "A", "", false, ""});
  }));
  EXPECT_EQ(given.to, (std::vector<std::string>{"pat@example.net", "direct@example.com"}));
  EXPECT_EQ(given.cc, std::vector<std::string>{"copy@example.net"});
}

TEST_F(EscrowTest, SealAndOpenRoundTrip) {
  std::string attachment = RandomBytes(200 * 1024 + 3);
  SealedMessage sealed = SealSample(attachment);
  ASSERT_EQ(sealed.record.recipients.size(), 1u);
  const RecipientRecord& r = sealed.record.recipients[0];
  EXPECT_TRUE(LinkMatches(r, sealed.link_secrets[0]));
  EXPECT_EQ(OpenQuestion(r, metadata_key_).value(), "Your birth town?");

  auto key = UnwrapMessageKey(r, sealed.link_secrets[0], NormaliseAnswer("SPRINGFIELD"));
  ASSERT_TRUE(key.ok());
  EscrowOpener opener(*blobs_, *signing_keys_);
  auto opened = opener.ReadManifest(sealed.record, *key);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  EXPECT_TRUE(opened->signature_verified);
  EXPECT_EQ(opened->manifest.subject, "Your results");
  EXPECT_EQ(opened->manifest.text, "Dear patient, see attached.");
  EXPECT_EQ(opened->manifest.to, std::vector<std::string>{"pat@example.net"});
  ASSERT_EQ(opened->manifest.attachments.size(), 1u);
  const auto& info = opened->manifest.attachments[0];
  EXPECT_EQ(info.filename, "lab.pdf");
  EXPECT_EQ(info.size, attachment.size());
  EXPECT_EQ(info.sha256, Sha256(attachment));

  auto reader = opener.OpenAttachment(sealed.record, *key, info);
  ASSERT_TRUE(reader.ok());
  auto content = reader->ReadAll(1 << 30);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, attachment);
}

TEST_F(EscrowTest, WrongSecretOrAnswerCannotUnwrap) {
  SealedMessage sealed = SealSample("x");
  const RecipientRecord& r = sealed.record.recipients[0];
  SecretBytes wrong_secret = RandomSecret(32);
  EXPECT_FALSE(LinkMatches(r, wrong_secret));
  EXPECT_EQ(UnwrapMessageKey(r, wrong_secret, "springfield").error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(UnwrapMessageKey(r, sealed.link_secrets[0], "shelbyville").error().code,
            ErrorCode::kIntegrity);
  EXPECT_EQ(UnwrapMessageKey(r, sealed.link_secrets[0], "").error().code, ErrorCode::kIntegrity);
}

// Issue 18.3: a kept answer (address book, default question) is stretched once, with a
// salt of its own, and every later message seals with it — no Argon2id per message —
// while the copy still needs the answer, and nothing of it is kept that tests faster.
TEST_F(EscrowTest, KeptAnswersAreStretchedOnceAndStillNeedTheAnswer) {
  auto store = sqlite::NewAnswerKeyStore(*db_);
  AnswerKeys keys(*store, metadata_key_, lookup_key_, clock_, Argon2Params{1, 8 * 1024});
  auto first = keys.For("book|user:dr@clinic.example:personal|pat@example.net", "springfield");
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  auto again = keys.For("book|user:dr@clinic.example:personal|pat@example.net", "springfield");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->kdf, (*first)->kdf);  // kept: not stretched again
  EXPECT_EQ((*again)->key.view(), (*first)->key.view());
  // Another entry with the same answer has a salt of its own: one guess tests one entry.
  auto other = keys.For("book|user:dr@clinic.example:personal|sam@example.net", "springfield");
  EXPECT_NE((*other)->kdf, (*first)->kdf);
  EXPECT_NE((*other)->key.view(), (*first)->key.view());
  // The stretched key is sealed where it is kept.
  auto kept = *store->Find(HmacSha256(lookup_key_,
                                      "sealpost/answer-key/tag/v1|book|user:dr@clinic.example:"
                                      "personal|pat@example.net\nspringfield"));
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->sealed_key.find(std::string((*first)->key.view())), std::string::npos);

  EscrowSealer sealer(*blobs_, signer_, metadata_key_, clock_, {1, 8 * 1024});
  auto draft = sealer.Begin();
  SealInput in;
  in.account = "default";
  in.from = "clinic@example.org";
  in.text = "Results";
  in.expires_at = 2000;
  in.recipients.push_back({"pat@example.net", "to", "Your birth town?", "Springfield", "", false, ""});
  in.recipients.back().stretched = *first;
  auto sealed = draft->Seal(in);
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
  draft->MarkStored();
  const RecipientRecord& r = sealed->record.recipients[0];
  EXPECT_EQ(r.answer_kdf, (*first)->kdf);
  EXPECT_TRUE(r.answer_hash.empty());
  // The opener stretches the answer with the kept salt, and only the answer opens it.
  EXPECT_TRUE(UnwrapMessageKey(r, sealed->link_secrets[0], "springfield").ok());
  EXPECT_EQ(UnwrapMessageKey(r, sealed->link_secrets[0], "shelbyville").error().code,
            ErrorCode::kIntegrity);
  EXPECT_EQ(UnwrapMessageKey(r, RandomSecret(32), "springfield").error().code,
            ErrorCode::kIntegrity);
}

// Flips one byte of a blob file on disk.
void FlipByte(const std::string& blobs_root, const std::string& blob_id, std::size_t offset) {
  std::string path = blobs_root + "/" + blob_id.substr(0, 2) + "/" + blob_id;
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good());
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x01));
}

TEST_F(EscrowTest, FlippedCiphertextByteFailsToOpen) {
  std::string attachment = RandomBytes(100000);
  SealedMessage sealed = SealSample(attachment);
  auto key = std::move(*UnwrapMessageKey(sealed.record.recipients[0], sealed.link_secrets[0], "springfield"));
  EscrowOpener opener(*blobs_, *signing_keys_);
  auto manifest = opener.ReadManifest(sealed.record, key);
  ASSERT_TRUE(manifest.ok());

  FlipByte(dir_.path() + "/blobs", manifest->manifest.attachments[0].blob_id, 70000);
  auto reader = opener.OpenAttachment(sealed.record, key, manifest->manifest.attachments[0]);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->ReadAll(1 << 30).error().code, ErrorCode::kIntegrity);

  MessageRecord flipped = sealed.record;
  flipped.sealed_manifest[40] ^= 0x01;
  EXPECT_EQ(opener.ReadManifest(flipped, key).error().code, ErrorCode::kIntegrity);

  // The wrapped key itself.
  RecipientRecord r = sealed.record.recipients[0];
  r.wrapped_key[20] ^= 0x01;
  EXPECT_FALSE(UnwrapMessageKey(r, sealed.link_secrets[0], "springfield").ok());
}

TEST_F(EscrowTest, SignatureFailsOnChangedMessage) {
  SealedMessage sealed = SealSample("x");
  auto key = std::move(*UnwrapMessageKey(sealed.record.recipients[0], sealed.link_secrets[0], "springfield"));
  EscrowOpener opener(*blobs_, *signing_keys_);
  auto good = opener.ReadManifest(sealed.record, key);
  ASSERT_TRUE(good.ok());

  // Someone holding the message key re-seals a changed manifest under the old signature.
  SignedManifest forged;
  Manifest changed = good->manifest;
  changed.text = "Please wire money to ...";
  forged.manifest_json = ManifestToJson(changed);
  forged.key_id = "org-key";
  forged.signature = *Sign(signer_.secret_key, ManifestSigningInput(sealed.record.id,
                                                                    ManifestToJson(good->manifest)));
  MessageRecord tampered = sealed.record;
  tampered.sealed_manifest =
      *BoxSeal(key, SignedManifestToJson(forged), ManifestAad(sealed.record.id));
  auto result = opener.ReadManifest(tampered, key);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kIntegrity);
  EXPECT_NE(result.error().message.find("signature"), std::string::npos);
}

// A small manifest is kept in the message's row; one too long for a row (a long body)
// in a blob of its own, which goes with the draft if the message is never stored.
TEST_F(EscrowTest, ManifestInTheRowWhenSmallInABlobWhenLong) {
  SealedMessage small = SealSample("x");
  EXPECT_TRUE(small.record.manifest_blob.empty());
  EXPECT_FALSE(small.record.sealed_manifest.empty());
  EXPECT_EQ(small.record.blob_ids.size(), 1u);  // the attachment alone

  EscrowSealer sealer(*blobs_, signer_, metadata_key_, clock_, {1, 8 * 1024});
  const std::string long_text(kMaxRowManifest + 1, 'l');
  std::string manifest_file;
  {
    auto draft = sealer.Begin();
    SealInput in;
    in.from = "clinic@example.org";
    in.text = long_text;
    in.recipients.push_back({"p@example.net", "to", "Q?", "a", "", false, ""});
    auto sealed = draft->Seal(in);
    ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
    const MessageRecord& record = sealed->record;
    EXPECT_TRUE(record.sealed_manifest.empty());
    ASSERT_FALSE(record.manifest_blob.empty());
    EXPECT_EQ(record.blob_ids, std::vector<std::string>{record.manifest_blob});
    manifest_file = dir_.path() + "/blobs/" + record.manifest_blob.substr(0, 2) + "/" +
                    record.manifest_blob;
    EXPECT_TRUE(std::filesystem::exists(manifest_file));
    auto key = UnwrapMessageKey(record.recipients[0], sealed->link_secrets[0], "a");
    ASSERT_TRUE(key.ok());
    auto opened = EscrowOpener(*blobs_, *signing_keys_).ReadManifest(record, *key);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    EXPECT_EQ(opened->manifest.text, long_text);
    // Never stored (MarkStored() not called): the draft removes its blob.
  }
  EXPECT_FALSE(std::filesystem::exists(manifest_file));
}

TEST_F(EscrowTest, SealedButUnstoredDraftLeavesNoBlobs) {
  EscrowSealer sealer(*blobs_, signer_, metadata_key_, clock_, {1, 8 * 1024});
  {
    auto draft = sealer.Begin();
    ASSERT_TRUE(draft->StartAttachment("a.txt", "text/plain").ok());
    ASSERT_TRUE(draft->AppendAttachment("abc").ok());
    ASSERT_TRUE(draft->FinishAttachment().ok());
    SealInput in;
    in.recipients.push_back({"p@example.net", "to", "Q?", "A", "", false, ""});
    ASSERT_TRUE(draft->Seal(in).ok());
    // The database commit failed, say: MarkStored() is never called.
  }
  std::size_t files = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir_.path() + "/blobs")) {
    if (e.is_regular_file() && !IsSpareBlobFile(e.path().string())) ++files;
  }
  EXPECT_EQ(files, 0u);
}

TEST_F(EscrowTest, AbandonedDraftLeavesNoBlobs) {
  EscrowSealer sealer(*blobs_, signer_, metadata_key_, clock_, {1, 8 * 1024});
  std::string blob_dir = dir_.path() + "/blobs";
  {
    auto draft = sealer.Begin();
    ASSERT_TRUE(draft->StartAttachment("a.txt", "text/plain").ok());
    ASSERT_TRUE(draft->AppendAttachment("abc").ok());
    ASSERT_TRUE(draft->FinishAttachment().ok());
    ASSERT_TRUE(draft->StartAttachment("b.txt", "text/plain").ok());
    ASSERT_TRUE(draft->AppendAttachment("half").ok());
  }
  std::size_t files = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(blob_dir)) {
    if (e.is_regular_file() && !IsSpareBlobFile(e.path().string())) ++files;
  }
  EXPECT_EQ(files, 0u);
}

}  // namespace
}  // namespace sealpost
