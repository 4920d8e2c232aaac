// Blobs in PostgreSQL (issue 23 point 3): what several nodes share needs no shared
// filesystem, is backed up with the database, and is removed in the transactions that
// end what refers to it. A blob is written in chunks of kChunkBytes, each in a short
// transaction of its own (a 100 MB attachment never sits whole in memory or in one
// transaction), and becomes visible only when Commit inserts its `blobs` row. Chunks of a
// writer that died before its Commit have no such row; a later Create of the same id, or
// the sweep of unreferenced chunks, removes them.
#include <algorithm>
#include <optional>

#include "base/secret.h"
#include "store/postgres/stores.h"

namespace sealpost::pg {
namespace {

constexpr std::size_t kChunkBytes = 256 * 1024;

class PgBlobWriter final : public BlobWriter {
 public:
  PgBlobWriter(Database& db, std::string id) : db_(db), id_(std::move(id)) {}

  ~PgBlobWriter() override {
    WipeBuffer();
    if (!committed_ && chunks_ > 0) {
      (void)db_.Transaction([&](Connection& c) {
        return Statement(c,
                         "DELETE FROM blob_chunks WHERE blob_id = ? AND NOT EXISTS "
                         "(SELECT 1 FROM blobs WHERE id = ?)")
            .Bind(1, id_)
            .Bind(2, id_)
            .Run();
      });
    }
  }

  Status Append(std::string_view bytes) override {
    if (committed_) return MakeError(ErrorCode::kFailedPrecondition, "blob already committed");
    while (!bytes.empty()) {
      const std::size_t take = std::min(bytes.size(), kChunkBytes - buffer_.size());
      buffer_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      size_ += take;
      if (buffer_.size() == kChunkBytes) {
        if (auto s = Flush(); !s.ok()) return s;
      }
    }
    return OkStatus();
  }

  Status Commit() override {
    if (committed_) return MakeError(ErrorCode::kFailedPrecondition, "blob already committed");
    auto status = db_.Transaction([&](Connection& c) -> Status {
      if (!buffer_.empty()) {
        auto s = Statement(c, "INSERT INTO blob_chunks VALUES (?, ?, ?)")
                     .Bind(1, id_)
                     .Bind(2, static_cast<std::int64_t>(chunks_))
                     .BindBlob(3, buffer_)
                     .Run();
        if (!s.ok()) return s;
      }
      return Statement(c, "INSERT INTO blobs VALUES (?, ?, ?)")
          .Bind(1, id_)
          .Bind(2, static_cast<std::int64_t>(size_))
          .Bind(3, static_cast<std::int64_t>(kChunkBytes))
          .Run();
    });
    if (!status.ok()) return status;
    if (!buffer_.empty()) ++chunks_;
    WipeBuffer();
    committed_ = true;
    return OkStatus();
  }

 private:
  Status Flush() {
    auto status = db_.Transaction([&](Connection& c) {
      return Statement(c, "INSERT INTO blob_chunks VALUES (?, ?, ?)")
          .Bind(1, id_)
          .Bind(2, static_cast<std::int64_t>(chunks_))
          .BindBlob(3, buffer_)
          .Run();
    });
    if (!status.ok()) return status;
    ++chunks_;
    WipeBuffer();
    return OkStatus();
  }

  // What passes through is sealed already; cleared all the same.
  void WipeBuffer() {
    WipeMemory(buffer_.data(), buffer_.size());
    buffer_.clear();
  }

  Database& db_;
  const std::string id_;
  std::string buffer_;
  std::uint64_t size_ = 0;
  std::size_t chunks_ = 0;
  bool committed_ = false;
};

class PgBlobReader final : public BlobReader {
 public:
  PgBlobReader(Database& db, std::string id, std::uint64_t size, std::uint64_t chunk_bytes)
      : db_(db), id_(std::move(id)), size_(size), chunk_bytes_(chunk_bytes) {}

  std::uint64_t size() const override { return size_; }

  Status ReadAt(std::uint64_t offset, std::size_t length, std::string& out) override {
    if (offset > size_ || length > size_ - offset) {
      return MakeError(ErrorCode::kIntegrity, "read past the end of a blob");
    }
    out.clear();
    out.reserve(length);
    while (out.size() < length) {
      const std::uint64_t at = offset + out.size();
      const std::uint64_t n = at / chunk_bytes_;
      if (auto s = Load(n); !s.ok()) return s;
      const std::size_t from = static_cast<std::size_t>(at - n * chunk_bytes_);
      if (from >= chunk_.size()) return MakeError(ErrorCode::kIntegrity, "blob chunk missing");
      out.append(chunk_, from, std::min(chunk_.size() - from, length - out.size()));
    }
    return OkStatus();
  }

 private:
  // The chunk that holds byte n * chunk_bytes_, kept for the reads that follow (they come
  // in pieces smaller than a chunk, in order).
  Status Load(std::uint64_t n) {
    if (loaded_ && n == chunk_number_) return OkStatus();
    loaded_ = false;
    chunk_.clear();
    auto status = db_.Read([&](Connection& c) -> Status {
      Statement s(c, "SELECT data FROM blob_chunks WHERE blob_id = ? AND n = ?");
      s.Bind(1, id_).Bind(2, static_cast<std::int64_t>(n));
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return MakeError(ErrorCode::kIntegrity, "blob chunk missing");
      chunk_ = s.Text(0);
      return OkStatus();
    });
    if (!status.ok()) return status;
    chunk_number_ = n;
    loaded_ = true;
    return OkStatus();
  }

  Database& db_;
  const std::string id_;
  const std::uint64_t size_, chunk_bytes_;
  std::string chunk_;
  std::uint64_t chunk_number_ = 0;
  bool loaded_ = false;
};

class PgBlobStore final : public BlobStore {
 public:
  explicit PgBlobStore(Database& db) : db_(db) {}

  Result<std::unique_ptr<BlobWriter>> Create(const std::string& id) override {
    if (!ValidBlobId(id)) return MakeError(ErrorCode::kInvalidArgument, "invalid blob id");
    // Chunks a writer left before dying, never committed, go first.
    auto status = db_.Transaction([&](Connection& c) {
      return Statement(c,
                       "DELETE FROM blob_chunks WHERE blob_id = ? AND NOT EXISTS "
                       "(SELECT 1 FROM blobs WHERE id = ?)")
          .Bind(1, id)
          .Bind(2, id)
          .Run();
    });
    if (!status.ok()) return std::move(status).error();
    return std::unique_ptr<BlobWriter>(std::make_unique<PgBlobWriter>(db_, id));
  }

  Result<std::unique_ptr<BlobReader>> Open(const std::string& id) override {
    if (!ValidBlobId(id)) return MakeError(ErrorCode::kNotFound, "no such blob");
    std::optional<std::pair<std::int64_t, std::int64_t>> found;
    auto status = db_.Read([&](Connection& c) -> Status {
      Statement s(c, "SELECT size, chunk_bytes FROM blobs WHERE id = ?");
      s.Bind(1, id);
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      if (*row) found.emplace(s.Int(0), s.Int(1));
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    if (!found || found->second <= 0) return MakeError(ErrorCode::kNotFound, "no such blob");
    return std::unique_ptr<BlobReader>(
        std::make_unique<PgBlobReader>(db_, id, static_cast<std::uint64_t>(found->first),
                                       static_cast<std::uint64_t>(found->second)));
  }

  Status Remove(const std::string& id) override {
    if (!ValidBlobId(id)) return MakeError(ErrorCode::kInvalidArgument, "invalid blob id");
    return db_.Transaction([&](Connection& c) -> Status {
      auto s = Statement(c, "DELETE FROM blobs WHERE id = ?").Bind(1, id).Run();
      if (!s.ok()) return s;
      return Statement(c, "DELETE FROM blob_chunks WHERE blob_id = ?").Bind(1, id).Run();
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<BlobStore> NewBlobStore(Database& db) { return std::make_unique<PgBlobStore>(db); }

}  // namespace sealpost::pg
