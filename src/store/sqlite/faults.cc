#include "store/sqlite/faults.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace sealpost::sqlite {
namespace {

// A file of the faulty VFS: ours first, the default VFS's file right after it.
struct FaultFile {
  sqlite3_file base;
  Faults* faults;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

FaultFile* Ours(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Ours(f)->real(); }
const sqlite3_io_methods* Methods(sqlite3_file* f) { return Real(f)->pMethods; }

int Close(sqlite3_file* f) { return Methods(f)->xClose(Real(f)); }
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 offset) {
  return Methods(f)->xRead(Real(f), buf, n, offset);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 offset) {
  if (int rc = Ours(f)->faults->BeforeWrite(Real(f), n, offset); rc != SQLITE_OK) return rc;
  return Methods(f)->xWrite(Real(f), buf, n, offset);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) { return Methods(f)->xTruncate(Real(f), size); }
int Sync(sqlite3_file* f, int flags) {
  if (Ours(f)->faults->sync_fails()) return SQLITE_IOERR_FSYNC;
  return Methods(f)->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) { return Methods(f)->xFileSize(Real(f), size); }
int Lock(sqlite3_file* f, int level) { return Methods(f)->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Methods(f)->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Methods(f)->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Methods(f)->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Methods(f)->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) { return Methods(f)->xDeviceCharacteristics(Real(f)); }
// The write-ahead log's shared memory (version 2) and memory-mapped reads (version 3).
int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return Methods(f)->xShmMap(Real(f), page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Methods(f)->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Methods(f)->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int remove) { return Methods(f)->xShmUnmap(Real(f), remove); }
int Fetch(sqlite3_file* f, sqlite3_int64 offset, int n, void** out) {
  if (Methods(f)->iVersion < 3) {
    *out = nullptr;  // read instead
    return SQLITE_OK;
  }
  return Methods(f)->xFetch(Real(f), offset, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  if (Methods(f)->iVersion < 3) return SQLITE_OK;
  return Methods(f)->xUnfetch(Real(f), offset, p);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

sqlite3_vfs* Underlying() { return sqlite3_vfs_find(nullptr); }

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  FaultFile* ours = Ours(file);
  ours->faults = static_cast<Faults*>(vfs->pAppData);
  sqlite3_vfs* real = Underlying();
  const int rc = real->xOpen(real, name, ours->real(), flags, out_flags);
  ours->base.pMethods = ours->real()->pMethods ? &kMethods : nullptr;
  return rc;
}
int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return Underlying()->xDelete(Underlying(), name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return Underlying()->xAccess(Underlying(), name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return Underlying()->xFullPathname(Underlying(), name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return Underlying()->xDlOpen(Underlying(), name); }
void DlError(sqlite3_vfs*, int n, char* out) { Underlying()->xDlError(Underlying(), n, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return Underlying()->xDlSym(Underlying(), handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) { Underlying()->xDlClose(Underlying(), handle); }
int Randomness(sqlite3_vfs*, int n, char* out) {
  return Underlying()->xRandomness(Underlying(), n, out);
}
int Sleep(sqlite3_vfs*, int micros) { return Underlying()->xSleep(Underlying(), micros); }
int CurrentTime(sqlite3_vfs*, double* out) { return Underlying()->xCurrentTime(Underlying(), out); }
int GetLastError(sqlite3_vfs*, int n, char* out) {
  return Underlying()->xGetLastError(Underlying(), n, out);
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return Underlying()->xCurrentTimeInt64(Underlying(), out);
}

class FaultBlobWriter final : public BlobWriter {
 public:
  FaultBlobWriter(Faults& faults, std::unique_ptr<BlobWriter> real)
      : faults_(faults), real_(std::move(real)) {}
  Status Append(std::string_view bytes) override {
    if (faults_.disk_full()) {
      return MakeError(ErrorCode::kResourceExhausted, "write blob: No space left on device");
    }
    return real_->Append(bytes);
  }
  Status Commit() override {
    if (faults_.sync_fails()) return MakeError(ErrorCode::kIo, "sync blob: Input/output error");
    return real_->Commit();
  }

 private:
  Faults& faults_;
  std::unique_ptr<BlobWriter> real_;
};

class FaultBlobStore final : public BlobStore {
 public:
  FaultBlobStore(Faults& faults, BlobStore& real) : faults_(faults), real_(real) {}
  Result<std::unique_ptr<BlobWriter>> Create(const std::string& id) override {
    auto writer = real_.Create(id);
    if (!writer.ok()) return std::move(writer).error();
    return std::unique_ptr<BlobWriter>(
        std::make_unique<FaultBlobWriter>(faults_, std::move(*writer)));
  }
  Result<std::unique_ptr<BlobReader>> Open(const std::string& id) override {
    return real_.Open(id);
  }
  Status Remove(const std::string& id) override { return real_.Remove(id); }

 private:
  Faults& faults_;
  BlobStore& real_;
};

}  // namespace

// A name of each object's own (tests may hold several): its address.
Faults::Faults()
    : name_("sealpost-faults-" + std::to_string(reinterpret_cast<std::uintptr_t>(this))) {
  sqlite3_vfs* real = Underlying();
  vfs_ = std::make_unique<sqlite3_vfs>();
  vfs_->iVersion = 2;
  vfs_->szOsFile = static_cast<int>(sizeof(FaultFile)) + real->szOsFile;
  vfs_->mxPathname = real->mxPathname;
  vfs_->zName = name_.c_str();
  vfs_->pAppData = this;
  vfs_->xOpen = Open;
  vfs_->xDelete = Delete;
  vfs_->xAccess = Access;
  vfs_->xFullPathname = FullPathname;
  vfs_->xDlOpen = DlOpen;
  vfs_->xDlError = DlError;
  vfs_->xDlSym = DlSym;
  vfs_->xDlClose = DlClose;
  vfs_->xRandomness = Randomness;
  vfs_->xSleep = Sleep;
  vfs_->xCurrentTime = CurrentTime;
  vfs_->xGetLastError = GetLastError;
  vfs_->xCurrentTimeInt64 = CurrentTimeInt64;
  sqlite3_vfs_register(vfs_.get(), /*makeDflt=*/0);
}

Faults::~Faults() { sqlite3_vfs_unregister(vfs_.get()); }

void Faults::Clear() {
  fail_write_in_.store(0);
  disk_full_.store(false);
  fail_sync_.store(false);
}

int Faults::BeforeWrite(sqlite3_file*, int, std::int64_t) {
  for (int in = fail_write_in_.load(); in > 0;) {
    if (fail_write_in_.compare_exchange_weak(in, in - 1)) {
      if (in == 1) return SQLITE_IOERR_WRITE;
      break;
    }
  }
  if (disk_full_.load()) return SQLITE_FULL;
  ++writes_;
  return SQLITE_OK;
}

int Faults::Sync(int fd) {
  if (fail_sync_.load()) {
    errno = EIO;
    return -1;
  }
  return ::fdatasync(fd);
}

std::unique_ptr<BlobStore> Faults::Blobs(BlobStore& real) {
  return std::make_unique<FaultBlobStore>(*this, real);
}

}  // namespace sealpost::sqlite
