// Queue content over a real blob directory: what stays in an entry, what is written
// once into a blob, and that a writer that does not finish leaves nothing behind.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/temp_dir.h"
#include "crypto/random.h"
#include "queue/queue_entry.h"
#include "store/blob_store.h"

namespace sealpost {
namespace {

class QueueContentTest : public ::testing::Test {
 protected:
  std::size_t BlobFiles() {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.path() + "/blobs")) {
      if (e.is_regular_file() && !IsSpareBlobFile(e.path().string())) ++n;
    }
    return n;
  }

  TempDir dir_;
  std::unique_ptr<BlobStore> blobs_ = std::move(*NewFileBlobStore(dir_.path() + "/blobs"));
  PurposeKey queue_key_{RandomSecret(32)};
};

TEST_F(QueueContentTest, SmallContentStaysInTheEntryLargeIsWrittenOnce) {
  QueueContentWriter small(*blobs_, queue_key_, 100);
  ASSERT_TRUE(small.Write("Subject: hi\r\n\r\n").ok());
  ASSERT_TRUE(small.Write("fine\r\n").ok());
  auto kept = small.Finish();
  ASSERT_TRUE(kept.ok());
  EXPECT_FALSE(kept->spooled);
  EXPECT_EQ(kept->content, "Subject: hi\r\n\r\nfine\r\n");
  EXPECT_EQ(BlobFiles(), 0u);

  // Past the limit, what was held first and everything after goes to one blob.
  QueueContentWriter large(*blobs_, queue_key_, 100);
  std::string expected;
  for (int i = 0; i < 1000; ++i) {
    const std::string line = "line " + std::to_string(i) + "\r\n";
    expected += line;
    ASSERT_TRUE(large.Write(line).ok());
  }
  auto spooled = large.Finish();
  ASSERT_TRUE(spooled.ok());
  ASSERT_TRUE(spooled->spooled);
  EXPECT_TRUE(spooled->content.empty());
  EXPECT_EQ(BlobFiles(), 1u);
  QueueEntry entry = ReferenceQueueEntry(*spooled->spooled, "dr@clinic.test", "p@x.test", 100);
  auto content = OpenQueueContent(*blobs_, queue_key_, entry);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ((*content)->size(), expected.size());
  EXPECT_EQ(*ReadQueueContent(**content), expected);

  // Limit 0: a blob however short (encrypted copies never sit in a row).
  QueueContentWriter always(*blobs_, queue_key_, 0);
  ASSERT_TRUE(always.Write("x").ok());
  auto one = always.Finish();
  ASSERT_TRUE(one.ok());
  ASSERT_TRUE(one->spooled);
  EXPECT_EQ(BlobFiles(), 2u);
}

// Whether content is 8-bit is learnt as it is written, whichever way it is kept: a byte
// above 127 anywhere (here after the writer has spilled into a blob) makes it 8-bit.
TEST_F(QueueContentTest, EntriesRecordWhetherTheirContentIsEightBit) {
  EXPECT_EQ(SealQueueEntry(queue_key_, "", "p@x.test", "Subject: a\r\n\r\nb\r\n", 1)->content_bits,
            ContentBits::kSevenBit);
  EXPECT_EQ(
      SealQueueEntry(queue_key_, "", "p@x.test", "Subject: \xc3\xa9\r\n\r\n", 1)->content_bits,
      ContentBits::kEightBit);
  for (const bool eight : {false, true}) {
    QueueContentWriter writer(*blobs_, queue_key_, 100);
    ASSERT_TRUE(writer.Write(std::string(150, 'a')).ok());  // past the limit: a blob
    ASSERT_TRUE(writer.Write(eight ? "caf\xc3\xa9\r\n" : "cafe\r\n").ok());
    auto written = writer.Finish();
    ASSERT_TRUE(written.ok() && written->spooled);
    const ContentBits bits = eight ? ContentBits::kEightBit : ContentBits::kSevenBit;
    EXPECT_EQ(written->spooled->bits, bits);
    EXPECT_EQ(ReferenceQueueEntry(*written->spooled, "", "p@x.test", 1).content_bits, bits);
  }
  EXPECT_EQ(SpoolQueueContent(*blobs_, queue_key_, "x\x80")->bits, ContentBits::kEightBit);
}

TEST_F(QueueContentTest, AWriterThatDoesNotFinishLeavesNoBlob) {
  {
    QueueContentWriter abandoned(*blobs_, queue_key_, 10);
    ASSERT_TRUE(abandoned.Write(std::string(100'000, 'z')).ok());
  }
  EXPECT_EQ(BlobFiles(), 0u);
}

}  // namespace
}  // namespace sealpost
