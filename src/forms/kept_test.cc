#include "forms/kept.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/temp_dir.h"
#include "crypto/key_ring.h"
#include "crypto/random.h"
#include "store/blob_store.h"
#include "store/sqlite/stores.h"

namespace sealpost::forms {
namespace {

class KeptTest : public ::testing::Test {
 protected:
  void SetUp() override { blobs_ = std::move(*NewFileBlobStore(temp_.path() + "/blobs")); }

  // Every byte under the blob directory.
  std::string AllBlobBytes() const {
    std::string all;
    for (const auto& e : std::filesystem::recursive_directory_iterator(temp_.path() + "/blobs")) {
      if (!e.is_regular_file() || IsSpareBlobFile(e.path().string())) continue;
      std::ifstream in(e.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }

  TempDir temp_;
  std::unique_ptr<BlobStore> blobs_;
  PurposeKey wrap_{RandomSecret(32)};
};

TEST_F(KeptTest, WhatWasSentIsKeptSealedAndReadBackWhole) {
  const std::string scan(300 * 1024, 'S');
  FormSubmissionRecord record;
  {
    KeptWriter writer(*blobs_, wrap_, "form-1");
    ASSERT_TRUE(writer.StartFile("card", "card.png", "image/png").ok());
    ASSERT_TRUE(writer.AppendFile(scan.substr(0, 1000)).ok());
    ASSERT_TRUE(writer.AppendFile(scan.substr(1000)).ok());
    ASSERT_TRUE(writer.FinishFile().ok());
    EXPECT_EQ(writer.file_bytes(), scan.size());
    auto sealed = writer.Seal({{"full_name", "Lisa Simpson"}, {"reason", "Saxophone injury"}},
                              "Springfield", 100, 200, "msg-1");
    ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
    writer.MarkStored();
    record = std::move(*sealed);
  }
  EXPECT_EQ(record.form_id, "form-1");
  EXPECT_EQ(record.size, scan.size());
  EXPECT_EQ(record.sealed.find("Lisa"), std::string::npos);
  EXPECT_EQ(AllBlobBytes().find("SSSSSSSS"), std::string::npos);

  auto content = OpenKept(record, wrap_);
  ASSERT_TRUE(content.ok()) << content.error().ToString();
  EXPECT_EQ(content->values.at("full_name"), "Lisa Simpson");
  ASSERT_EQ(content->files.size(), 1u);
  EXPECT_EQ(content->files[0].name, "card.png");
  EXPECT_EQ(content->files[0].field, "card");
  EXPECT_EQ(content->files[0].size, scan.size());
  EXPECT_EQ(content->files[0].sha256.size(), 64u);
  auto reader = OpenKeptFile(*blobs_, record, wrap_, content->files[0]);
  ASSERT_TRUE(reader.ok());
  auto back = reader->ReadAll(1 << 20);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, scan);

  // Moved to another form's record, or opened with another key: refused.
  FormSubmissionRecord moved = record;
  moved.form_id = "form-2";
  EXPECT_EQ(OpenKept(moved, wrap_).error().code, ErrorCode::kIntegrity);
  EXPECT_FALSE(OpenKept(record, PurposeKey(RandomSecret(32))).ok());

  ASSERT_TRUE(RemoveKeptBlobs(*blobs_, record).ok());
  EXPECT_FALSE(OpenKeptFile(*blobs_, record, wrap_, content->files[0]).ok());
}

TEST_F(KeptTest, ASubmissionNeverStoredLeavesNoBlob) {
  {
    KeptWriter writer(*blobs_, wrap_, "form-1");
    ASSERT_TRUE(writer.StartFile("card", "a.pdf", "application/pdf").ok());
    ASSERT_TRUE(writer.AppendFile("half a file").ok());
    ASSERT_TRUE(writer.FinishFile().ok());
    ASSERT_TRUE(writer.StartFile("card", "b.pdf", "application/pdf").ok());
    ASSERT_TRUE(writer.AppendFile("cut off").ok());
  }
  EXPECT_TRUE(AllBlobBytes().empty());
}

TEST_F(KeptTest, SubmissionsPastTheirRetentionAreDestroyed) {
  auto db = std::move(*sqlite::Database::Open(temp_.path() + "/db"));
  auto store = sqlite::NewFormStore(*db);
  for (int i = 0; i < 3; ++i) {
    KeptWriter writer(*blobs_, wrap_, "form-1");
    ASSERT_TRUE(writer.StartFile("card", "a.pdf", "application/pdf").ok());
    ASSERT_TRUE(writer.AppendFile("PDF-CONTENT").ok());
    ASSERT_TRUE(writer.FinishFile().ok());
    auto record = writer.Seal({{"n", std::to_string(i)}}, "Springfield", 100, 1000 + i, "m");
    ASSERT_TRUE(record.ok());
    ASSERT_TRUE(store->AddSubmission(*record).ok());
    writer.MarkStored();
  }
  EXPECT_FALSE(AllBlobBytes().empty());
  EXPECT_EQ(*DestroyExpiredSubmissions(*store, *blobs_, 1000, 10), 1);
  EXPECT_EQ(store->ListSubmissions("form-1", 0, "", 10)->size(), 2u);
  EXPECT_EQ(*DestroyExpiredSubmissions(*store, *blobs_, 5000, 1), 1);  // a batch at a time
  EXPECT_EQ(*DestroyExpiredSubmissions(*store, *blobs_, 5000, 10), 1);
  EXPECT_TRUE(store->ListSubmissions("form-1", 0, "", 10)->empty());
  EXPECT_TRUE(AllBlobBytes().empty());
}

TEST_F(KeptTest, AFormThatAsksGetsItsAnswersOnTheWebhookAsItLeaves) {
  auto db = std::move(*sqlite::Database::Open(temp_.path() + "/db"));
  auto store = sqlite::NewFormStore(*db);
  const std::string definition = R"({"title": "T", "recipients": ["a@clinic.example"],
      "steps": [{"fields": [{"name": "n", "type": "text", "label": "Name"}]}]})";
  FormRecord form{"f1", "contact", "default", "", definition, true, 1, 1};
  ASSERT_TRUE(store->Create(form).ok());
  KeptWriter writer(*blobs_, wrap_, "f1");
  auto record = writer.Seal({{"n", "Marge"}}, "default", 100, 1000, "m1");
  ASSERT_TRUE(record.ok());
  ASSERT_TRUE(store->AddSubmission(*record).ok());
  writer.MarkStored();
  const std::string payload =
      R"({"type":"form.submitted","data":{"form":"contact","submission_id":")" + record->id +
      R"("}})";
  // Not asked for: the payload leaves as it is.
  auto plain = WithSubmittedValues(*store, wrap_, payload);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->has_value());
  auto asked =
      ParseDefinition(definition.substr(0, definition.size() - 1) + R"(, "webhook_values": true})");
  ASSERT_TRUE(asked.ok()) << asked.error().ToString();
  EXPECT_NE(DefinitionJson(*asked).find(R"("webhook_values":true)"), std::string::npos);
  form.definition = DefinitionJson(*asked);
  ASSERT_TRUE(store->Update(form).ok());
  auto with = WithSubmittedValues(*store, wrap_, payload);
  ASSERT_TRUE(with.ok());
  ASSERT_TRUE(with->has_value());
  EXPECT_NE((*with)->find(R"("values":{"n":"Marge"})"), std::string::npos) << **with;
  // Another form's submission named in the payload: nothing added.
  EXPECT_FALSE(
      WithSubmittedValues(*store, wrap_, R"({"data":{"form":"contact","submission_id":"nope"}})")
          ->has_value());
}

TEST(SubmissionTextTest, EachStepUnderItsTitleTheFilesByNameAndTheConsent) {
  auto d = ParseDefinition(R"({"title": "Intake", "recipients": ["desk@clinic.example"],
    "consent": "I agree.",
    "steps": [{"title": "About you", "fields": [
                 {"name": "name", "type": "text", "label": "Full name", "required": true},
                 {"name": "notes", "type": "long_text", "label": "Notes"},
                 {"name": "sms", "type": "checkbox", "label": "Texts are fine"}]},
              {"title": "Papers", "fields": [
                 {"name": "card", "type": "file", "label": "Insurance card"},
                 {"name": "other", "type": "file", "label": "Other"}]}]})");
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  KeptFile card{"card", "card.png", "image/png", 3 * 1024 * 1024, "", "b"};
  const std::string text = SubmissionText(
      *d, "intake", {{"name", "Lisa"}, {"notes", "line one\r\nline two"}}, {card}, 0);
  EXPECT_NE(text.find("Intake — sent through the form \"intake\""), std::string::npos) << text;
  EXPECT_NE(text.find("\nAbout you\n  Full name: Lisa\n  Notes:\n    line one\n    line two\n"
                      "  Texts are fine: no\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nPapers\n  Insurance card: card.png (image/png, 3.0 MB), attached\n"
                      "  Other: no file\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Consent given: I agree."), std::string::npos);
}

}  // namespace
}  // namespace sealpost::forms
