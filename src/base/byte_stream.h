// Bytes read and written piece by piece: how a message of any size is composed,
// encrypted and spooled with one piece in memory at a time (a 20 MB attachment to 20
// recipients must not mean 20 copies in RAM).
//   ByteSource: pulled, a piece at a time; OpenSource: a source opened from the start,
//     as often as a consumer needs (an S/MIME signature reads the entity once, its
//     encryption again).
//   ByteSink: pushed to.
//   SourceReader: a source read into a caller's buffer of any size — the bridge to C
//     libraries that pull (OpenSSL BIOs, RNP's input callbacks).
// Thread-safety: each object belongs to one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealpost {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // The next piece into `piece` (replaced; may be empty before the end); false once
  // the stream has ended.
  virtual Result<bool> Next(std::string& piece) = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Write(std::string_view bytes) = 0;
};

using OpenSource = std::function<Result<std::unique_ptr<ByteSource>>()>;

// The pieces a source built over memory hands out: big enough that per-piece costs
// vanish, small enough that a copy of one is nothing.
inline constexpr std::size_t kStreamPiece = 64 * 1024;

// `bytes`, in pieces; the caller keeps them alive while the source is read.
std::unique_ptr<ByteSource> ViewSource(std::string_view bytes);
// A source that owns its bytes (wiped when it goes).
std::unique_ptr<ByteSource> OwnedSource(std::string bytes);
// Opens a ViewSource of `bytes` each time (kept alive by the caller).
OpenSource OpenView(std::string_view bytes);
// Content made by `make` on the first open and kept for the next ones, wiped when the
// last copy of the returned function goes (for content small enough to hold whole).
OpenSource OpenMadeOnce(std::function<Result<std::string>()> make);

// Appends to a string the caller owns.
class StringSink final : public ByteSink {
 public:
  explicit StringSink(std::string& out) : out_(out) {}
  Status Write(std::string_view bytes) override {
    out_.append(bytes);
    return OkStatus();
  }

 private:
  std::string& out_;
};

// Bytes counted and dropped (sizes of copies, benches).
class CountingSink final : public ByteSink {
 public:
  Status Write(std::string_view bytes) override {
    count_ += bytes.size();
    return OkStatus();
  }
  std::uint64_t count() const { return count_; }

 private:
  std::uint64_t count_ = 0;
};

// Every byte of `source` into `sink`.
Status Copy(ByteSource& source, ByteSink& sink);
// All of `source`; kResourceExhausted past `max_size`.
Result<std::string> ReadAll(ByteSource& source, std::uint64_t max_size);

// Reads a source into buffers of whatever size the caller has, keeping the rest of a
// piece for the next call. What it held is wiped when it goes (pieces may be plaintext).
class SourceReader {
 public:
  explicit SourceReader(ByteSource& source) : source_(source) {}
  ~SourceReader();
  SourceReader(const SourceReader&) = delete;
  SourceReader& operator=(const SourceReader&) = delete;

  // Up to `size` bytes into `out`; 0 only at the end of the source.
  Result<std::size_t> Read(char* out, std::size_t size);

 private:
  ByteSource& source_;
  std::string piece_;
  std::size_t used_ = 0;
  bool ended_ = false;
};

}  // namespace sealpost
