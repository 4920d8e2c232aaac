// Storage that fails on command, for tests that show what a failing disk does to
// sealpost (issue 23): nothing acknowledged is lost, and each failure comes back as a
// clear error. A Faults object is a SQLite VFS of its own (registered under a name of
// its own over the default VFS, so real files are written) that a Database opened with
// it goes through: the Nth write can fail (SQLITE_IOERR_WRITE), writes that grow a file
// can fail as on a full disk (SQLITE_FULL), and syncs — SQLite's and the group commit's
// (sqlite::Database::SyncLog) — can fail with EIO. `Blobs` puts a BlobStore under the
// same faults: a full disk refuses blob bytes too (ENOSPC), a failing sync their commit.
// Thread-safety: the switches may be flipped from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "store/blob_store.h"

struct sqlite3_file;
struct sqlite3_vfs;

namespace sealpost::sqlite {

class Faults {
 public:
  Faults();   // registers its VFS
  ~Faults();  // unregisters it: close every database opened with it first
  Faults(const Faults&) = delete;
  Faults& operator=(const Faults&) = delete;

  // The VFS name to open a database with (Database::Open).
  const std::string& vfs() const { return name_; }

  // After `after` more writes succeed, the next one fails (once).
  void FailWrite(int after) { fail_write_in_.store(after + 1); }
  // While on, a write that grows a file fails as on a full disk.
  void DiskFull(bool full) { disk_full_.store(full); }
  // While on, every sync fails with EIO.
  void FailSync(bool fail) { fail_sync_.store(fail); }
  void Clear();

  std::uint64_t writes() const { return writes_.load(); }  // writes that went through

  // fdatasync(fd), or -1 with errno EIO while syncs fail.
  int Sync(int fd);
  // A BlobStore over `real` under these faults.
  std::unique_ptr<BlobStore> Blobs(BlobStore& real);

  // For the VFS's files: SQLITE_OK, or the error the next write of `n` bytes at `offset`
  // of `file` meets.
  int BeforeWrite(sqlite3_file* file, int n, std::int64_t offset);
  bool sync_fails() const { return fail_sync_.load(); }
  bool disk_full() const { return disk_full_.load(); }

 private:
  std::string name_;
  std::unique_ptr<sqlite3_vfs> vfs_;
  std::atomic<int> fail_write_in_{0};  // 0: off; 1: the next write fails
  std::atomic<bool> disk_full_{false};
  std::atomic<bool> fail_sync_{false};
  std::atomic<std::uint64_t> writes_{0};
};

}  // namespace sealpost::sqlite
