#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/sync.h"
#include "store/blob_store.h"

namespace sealpost {
namespace {

Error OsError(const std::string& what) {
  // A full disk (or quota) is a limit reached: the caller says "try later" (452 4.3.1).
  const bool full = errno == ENOSPC || errno == EDQUOT;
  return MakeError(full ? ErrorCode::kResourceExhausted : ErrorCode::kIo,
                   what + ": " + std::strerror(errno));
}

class FileBlobWriter final : public BlobWriter {
 public:
  FileBlobWriter(int fd, std::string tmp, std::string final_path, std::string dir)
      : fd_(fd), tmp_(std::move(tmp)), final_(std::move(final_path)), dir_(std::move(dir)) {}

  ~FileBlobWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }

  Status Append(std::string_view bytes) override {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return OsError("write blob");
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return OkStatus();
  }

  Status Commit() override {
    if (::fsync(fd_) != 0) return OsError("fsync blob");
    ::close(fd_);
    fd_ = -1;
    if (::rename(tmp_.c_str(), final_.c_str()) != 0) return OsError("rename blob");
    committed_ = true;
    return SyncPath(dir_, true);
  }

 private:
  int fd_;
  std::string tmp_, final_, dir_;
  bool committed_ = false;
};

class FileBlobReader final : public BlobReader {
 public:
  FileBlobReader(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  ~FileBlobReader() override { ::close(fd_); }

  std::uint64_t size() const override { return size_; }

  Status ReadAt(std::uint64_t offset, std::size_t length, std::string& out) override {
    if (offset > size_ || length > size_ - offset) {
      return MakeError(ErrorCode::kIntegrity, "read past the end of a blob");
    }
    out.resize(length);
    std::size_t done = 0;
    while (done < length) {
      ssize_t n = ::pread(fd_, out.data() + done, length - done,
                          static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return OsError("read blob");
      }
      if (n == 0) return MakeError(ErrorCode::kIntegrity, "blob shorter than expected");
      done += static_cast<std::size_t>(n);
    }
    return OkStatus();
  }

 private:
  int fd_;
  std::uint64_t size_;
};

class FileBlobStore final : public BlobStore {
 public:
  explicit FileBlobStore(std::string root) : root_(std::move(root)) {}

  Result<std::unique_ptr<BlobWriter>> Create(const std::string& id) override {
    if (!ValidBlobId(id)) return MakeError(ErrorCode::kInvalidArgument, "invalid blob id");
    std::string dir = root_ + "/" + id.substr(0, 2);
    std::string tmp = dir + "/." + id + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT) {
      // A directory NewFileBlobStore did not make (an id not from NewId), or one removed
      // since: made once, not tried at every blob (a mkdir per message cost an eighth of
      // the SMTP spool's time).
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) return MakeError(ErrorCode::kIo, "create " + dir + ": " + ec.message());
      // Its name is durable too, or a crash could lose every blob committed in it.
      if (auto synced = SyncPath(root_, true); !synced.ok()) return std::move(synced).error();
      fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    }
    if (fd < 0) return OsError("create blob");
    return std::unique_ptr<BlobWriter>(
        std::make_unique<FileBlobWriter>(fd, tmp, dir + "/" + id, dir));
  }

  Result<std::unique_ptr<BlobReader>> Open(const std::string& id) override {
    if (!ValidBlobId(id)) return MakeError(ErrorCode::kNotFound, "no such blob");
    std::string path = root_ + "/" + id.substr(0, 2) + "/" + id;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, "no such blob");
      return OsError("open blob");
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return OsError("stat blob");
    }
    return std::unique_ptr<BlobReader>(
        std::make_unique<FileBlobReader>(fd, static_cast<std::uint64_t>(st.st_size)));
  }

  Status Remove(const std::string& id) override {
    if (!ValidBlobId(id)) return MakeError(ErrorCode::kInvalidArgument, "invalid blob id");
    std::string path = root_ + "/" + id.substr(0, 2) + "/" + id;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return OsError("remove blob");
    return OkStatus();
  }

 private:
  std::string root_;
};

}  // namespace

// Blob ids come from NewId(); anything else could escape a file store's root.
bool ValidBlobId(std::string_view id) {
  if (id.size() < 8 || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

Result<std::unique_ptr<BlobStore>> NewFileBlobStore(const std::string& root) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return MakeError(ErrorCode::kIo, "create " + root + ": " + ec.message());
  std::filesystem::permissions(root, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  // Blobs are spread over 256 directories by the first two hex digits of their ids
  // (NewId). Made here, once, rather than by the first blob of each: on a new server each
  // of the first few hundred large messages otherwise paid a mkdir and a sync of the root
  // on the spool's critical path (7% of the spool's CPU relaying 100 KiB messages).
  bool made = false;
  for (int i = 0; i < 256; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    const std::string dir = root + "/" + kHex[i / 16] + kHex[i % 16];
    if (::mkdir(dir.c_str(), 0700) == 0) {
      made = true;
    } else if (errno != EEXIST) {
      return OsError("create " + dir);
    }
  }
  if (made) {
    if (auto synced = SyncPath(root, true); !synced.ok()) return std::move(synced).error();
  }
  return std::unique_ptr<BlobStore>(std::make_unique<FileBlobStore>(root));
}

}  // namespace sealpost
