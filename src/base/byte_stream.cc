#include "base/byte_stream.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "base/secret.h"

namespace sealpost {
namespace {

class View final : public ByteSource {
 public:
  explicit View(std::string_view bytes) : rest_(bytes) {}
  Result<bool> Next(std::string& piece) override {
    if (rest_.empty()) return false;
    const std::size_t take = std::min(rest_.size(), kStreamPiece);
    piece.assign(rest_.data(), take);
    rest_.remove_prefix(take);
    return true;
  }

 private:
  std::string_view rest_;
};

class Owned final : public ByteSource {
 public:
  explicit Owned(std::string bytes) : bytes_(std::move(bytes)), view_(bytes_) {}
  ~Owned() override { WipeMemory(bytes_.data(), bytes_.size()); }
  Result<bool> Next(std::string& piece) override { return view_.Next(piece); }

 private:
  std::string bytes_;
  View view_;
};

}  // namespace

std::unique_ptr<ByteSource> ViewSource(std::string_view bytes) {
  return std::make_unique<View>(bytes);
}

std::unique_ptr<ByteSource> OwnedSource(std::string bytes) {
  return std::make_unique<Owned>(std::move(bytes));
}

OpenSource OpenView(std::string_view bytes) {
  return [bytes]() -> Result<std::unique_ptr<ByteSource>> { return ViewSource(bytes); };
}

OpenSource OpenMadeOnce(std::function<Result<std::string>()> make) {
  struct Made {
    std::function<Result<std::string>()> make;
    std::optional<std::string> content;
    ~Made() {
      if (content) WipeMemory(content->data(), content->size());
    }
  };
  auto made = std::make_shared<Made>();
  made->make = std::move(make);
  return [made]() -> Result<std::unique_ptr<ByteSource>> {
    if (!made->content) {
      auto content = made->make();
      if (!content.ok()) return std::move(content).error();
      made->content.emplace(std::move(*content));
    }
    return ViewSource(*made->content);
  };
}

Status Copy(ByteSource& source, ByteSink& sink) {
  std::string piece;
  for (;;) {
    auto more = source.Next(piece);
    if (!more.ok()) return std::move(more).error();
    if (!*more) break;
    if (auto s = sink.Write(piece); !s.ok()) return s;
  }
  WipeMemory(piece.data(), piece.size());
  return OkStatus();
}

Result<std::string> ReadAll(ByteSource& source, std::uint64_t max_size) {
  std::string out, piece;
  for (;;) {
    auto more = source.Next(piece);
    if (!more.ok()) return std::move(more).error();
    if (!*more) break;
    if (out.size() + piece.size() > max_size) {
      WipeMemory(out.data(), out.size());
      WipeMemory(piece.data(), piece.size());
      return MakeError(ErrorCode::kResourceExhausted,
                       "content is larger than " + std::to_string(max_size) + " bytes");
    }
    out += piece;
  }
  WipeMemory(piece.data(), piece.size());
  return out;
}

SourceReader::~SourceReader() { WipeMemory(piece_.data(), piece_.size()); }

Result<std::size_t> SourceReader::Read(char* out, std::size_t size) {
  std::size_t given = 0;
  while (given < size) {
    if (used_ == piece_.size()) {
      if (ended_) break;
      WipeMemory(piece_.data(), piece_.size());
      used_ = 0;
      auto more = source_.Next(piece_);
      if (!more.ok()) return std::move(more).error();
      if (!*more) {
        piece_.clear();
        ended_ = true;
        break;
      }
      continue;
    }
    const std::size_t take = std::min(size - given, piece_.size() - used_);
    std::memcpy(out + given, piece_.data() + used_, take);
    used_ += take;
    given += take;
  }
  return given;
}

}  // namespace sealpost
