#include <gtest/gtest.h>

#include "http/multipart.h"

namespace sealpost::http {
namespace {

struct Recorder : MultipartSink {
  Status OnPartBegin(const PartInfo& p) override {
    parts.push_back({p.name, p.filename, p.content_type, ""});
    return OkStatus();
  }
  Status OnPartData(std::string_view d) override {
    parts.back().data.append(d);
    max_piece = std::max(max_piece, d.size());
    return OkStatus();
  }
  Status OnPartEnd() override {
    ++ended;
    return OkStatus();
  }
  struct Part { std::string name, filename, type, data; };
  std::vector<Part> parts;
  int ended = 0;
  std::size_t max_piece = 0;
};

const std::string kBody =
    "preamble to ignore\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"message\"\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    "{\"a\":1}\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"r\xc3\xa9sum\xc3\xa9.pdf\"\r\n"
    "Content-Type: application/pdf\r\n"
    "\r\n"
    "line1\r\n--XyNot a delimiter\r\n\r\n"
    "--XyZ--\r\n"
    "epilogue";

TEST(Multipart, ParsesWholeBody) {
  Recorder r;
  MultipartParser p("XyZ", r);
  ASSERT_TRUE(p.Feed(kBody).ok());
  ASSERT_TRUE(p.Finish().ok());
  ASSERT_EQ(r.parts.size(), 2u);
  EXPECT_EQ(r.parts[0].name, "message");
  EXPECT_EQ(r.parts[0].type, "application/json");
  EXPECT_EQ(r.parts[0].data, "{\"a\":1}");
  EXPECT_EQ(r.parts[1].filename, "r\xc3\xa9sum\xc3\xa9.pdf");
  EXPECT_EQ(r.parts[1].data, "line1\r\n--XyNot a delimiter\r\n");
  EXPECT_EQ(r.ended, 2);
}

TEST(Multipart, SameResultForEverySplit) {
  for (std::size_t step : {1u, 2u, 3u, 7u, 13u, 64u}) {
    Recorder r;
    MultipartParser p("XyZ", r);
    for (std::size_t i = 0; i < kBody.size(); i += step) {
      ASSERT_TRUE(p.Feed(kBody.substr(i, step)).ok()) << step;
    }
    ASSERT_TRUE(p.Finish().ok()) << step;
    ASSERT_EQ(r.parts.size(), 2u) << step;
    EXPECT_EQ(r.parts[1].data, "line1\r\n--XyNot a delimiter\r\n") << step;
  }
}

TEST(Multipart, BodyAtStartWithoutPreamble) {
  Recorder r;
  MultipartParser p("b", r);
  ASSERT_TRUE(p.Feed("--b\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n--b--").ok());
  EXPECT_TRUE(p.Finish().ok());
  ASSERT_EQ(r.parts.size(), 1u);
  EXPECT_EQ(r.parts[0].data, "v");
}

TEST(Multipart, StreamsLargePartsInBoundedPieces) {
  Recorder r;
  MultipartParser p("bnd", r);
  ASSERT_TRUE(p.Feed("--bnd\r\nContent-Disposition: form-data; name=f; filename=a\r\n\r\n").ok());
  std::string chunk(64 * 1024, 'z');
  for (int i = 0; i < 32; ++i) ASSERT_TRUE(p.Feed(chunk).ok());
  ASSERT_TRUE(p.Feed("\r\n--bnd--\r\n").ok());
  ASSERT_TRUE(p.Finish().ok());
  EXPECT_EQ(r.parts[0].data.size(), 32u * 64 * 1024);
  EXPECT_LE(r.max_piece, 64u * 1024 + 16);
}

TEST(Multipart, RefusesMalformedBodies) {
  struct Case { const char* name; std::string body; };
  const Case cases[] = {
      {"truncated", "--b\r\nContent-Disposition: form-data; name=x\r\n\r\nvalue"},
      {"no disposition", "--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--"},
      {"not form-data", "--b\r\nContent-Disposition: attachment; name=x\r\n\r\nv\r\n--b--"},
      {"garbage after delimiter", "--bXX\r\n"},
      {"huge headers", "--b\r\nX-Pad: " + std::string(10000, 'a') + "\r\n\r\n--b--"},
      {"folded header", "--b\r\nContent-Disposition: form-data;\r\n name=x\r\n\r\nv\r\n--b--"},
  };
  for (const auto& c : cases) {
    Recorder r;
    MultipartParser p("b", r);
    Status s = p.Feed(c.body);
    if (s.ok()) s = p.Finish();
    EXPECT_FALSE(s.ok()) << c.name;
    if (!s.ok()) {
      EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << c.name;
    }
  }
}

TEST(Multipart, LimitsNumberOfParts) {
  std::string body;
  for (int i = 0; i < 5; ++i) body += "--b\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n";
  body += "--b--";
  Recorder r;
  MultipartParser p("b", r, {8 * 1024, 3});
  EXPECT_FALSE(p.Feed(body).ok());
}

TEST(Multipart, ValidatesBoundary) {
  EXPECT_TRUE(MultipartParser::ValidBoundary("------------------------abc123"));
  EXPECT_FALSE(MultipartParser::ValidBoundary(""));
  EXPECT_FALSE(MultipartParser::ValidBoundary(std::string(71, 'a')));
  EXPECT_FALSE(MultipartParser::ValidBoundary("a\r\nb"));
}

}  // namespace
}  // namespace sealpost::http
