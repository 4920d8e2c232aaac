#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

#include "base/sync.h"
#include "store/blob_store.h"

namespace sealpost {
namespace {

constexpr const char* kSpareDirectory = ".spare";

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

// Removed blobs' files kept, emptied, for new blobs to take (at most this many). Making
// a file costs an inode, and on ext4 without a journal finding a free one means skipping
// each inode freed in the last seconds, reading its table block: relaying 100 KiB
// messages (a blob each, removed once delivered) that was a tenth of the server's CPU. A
// kept file is renamed into place instead, and removing one frees no inode either. With
// 256 kept, relaying 500 such messages in a burst still made half of them anew (a fifth
// of the server's CPU finding free inodes): the bound must cover a second's removals.

class FileBlobStore final : public BlobStore {
 public:
  FileBlobStore(std::string root, std::vector<std::string> spare, std::size_t max_spare)
      : root_(std::move(root)),
        spare_dir_(root_ + "/" + kSpareDirectory),
        max_spare_(max_spare),
        spare_(std::move(spare)) {}

  Result<std::unique_ptr<BlobWriter>> Create(const std::string& id) override {
    if (!ValidBlobId(id)) return MakeError(ErrorCode::kInvalidArgument, "invalid blob id");
    std::string dir = root_ + "/" + id.substr(0, 2);
    std::string tmp = dir + "/." + id + ".tmp";
    int fd = -1;
    if (std::string spare = TakeSpare(); !spare.empty()) {
      // A kept file renamed to the temporary name (emptied again, should it hold anything).
      if (::rename((spare_dir_ + "/" + spare).c_str(), tmp.c_str()) == 0) {
        fd = ::open(tmp.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
      }
    }
    if (fd < 0) fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT) {
      // A directory NewFileBlobStore did not make (an id not from NewBlobId), or one removed
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
    bool keep = false;
    {
      std::lock_guard<std::mutex> lock(spare_mutex_);
      keep = spare_.size() + keeping_ < max_spare_;
      if (keep) ++keeping_;
    }
    if (keep) {
      // Emptied first (outside the lock: freeing a large file's blocks takes a while), so
      // a kept file holds nothing of what it held.
      const bool kept = ::truncate(path.c_str(), 0) == 0 &&
                        ::rename(path.c_str(), (spare_dir_ + "/" + id).c_str()) == 0;
      std::lock_guard<std::mutex> lock(spare_mutex_);
      --keeping_;
      if (kept) {
        spare_.push_back(id);
        return OkStatus();
      }
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return OsError("remove blob");
    return OkStatus();
  }

 private:
  std::string TakeSpare() {
    std::lock_guard<std::mutex> lock(spare_mutex_);
    if (spare_.empty()) return "";
    std::string name = std::move(spare_.back());
    spare_.pop_back();
    return name;
  }

  const std::string root_;
  const std::string spare_dir_;
  const std::size_t max_spare_;
  std::mutex spare_mutex_;
  std::vector<std::string> spare_;  // names in spare_dir_
  std::size_t keeping_ = 0;         // removals on their way into spare_
};

}  // namespace

// Blob ids come from NewBlobId(); anything else could escape a file store's root.
bool ValidBlobId(std::string_view id) {
  if (id.size() < 8 || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

bool IsSpareBlobFile(std::string_view path) {
  const std::string in = std::string("/") + kSpareDirectory + "/";
  const auto at = path.rfind(in);
  return at != std::string_view::npos && path.find('/', at + in.size()) == std::string_view::npos;
}

Result<std::unique_ptr<BlobStore>> NewFileBlobStore(const std::string& root,
                                                    std::size_t max_spare) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return MakeError(ErrorCode::kIo, "create " + root + ": " + ec.message());
  std::filesystem::permissions(root, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  // Blobs are spread over 256 directories by the first two hex digits of their ids
  // (NewBlobId). Made here, once, rather than by the first blob of each: on a new server each
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
  // Kept files from before (FileBlobStore::Remove): taken again, those beyond the bound
  // removed. Nothing needs them to survive a crash: a lost one is made anew.
  const std::string spare_dir = root + "/" + kSpareDirectory;
  if (::mkdir(spare_dir.c_str(), 0700) == 0) {
    made = true;
  } else if (errno != EEXIST) {
    return OsError("create " + spare_dir);
  }
  std::vector<std::string> spare;
  for (const auto& entry : std::filesystem::directory_iterator(spare_dir, ec)) {
    const std::string name = entry.path().filename();
    if (spare.size() < max_spare && ValidBlobId(name) && entry.is_regular_file()) {
      spare.push_back(name);
    } else {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  if (made) {
    if (auto synced = SyncPath(root, true); !synced.ok()) return std::move(synced).error();
  }
  return std::unique_ptr<BlobStore>(
      std::make_unique<FileBlobStore>(root, std::move(spare), max_spare));
}

}  // namespace sealpost
