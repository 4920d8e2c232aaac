#include "crypto/key_ring.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "crypto/primitives.h"
#include "crypto/random.h"

namespace sealpost {

Result<KeyRing> KeyRing::Derive(const SecretBytes& master_key) {
  if (master_key.size() != kMasterKeySize) {
    return MakeError(ErrorCode::kInvalidArgument, "master key must be 32 bytes");
  }
  KeyRing ring;
  struct { SecretBytes* key; const char* info;
  } purposes[] = {
      {&ring.metadata_, "sealpost/metadata/v1"},         {&ring.queue_, "sealpost/queue/v1"},
      {&ring.signing_, "sealpost/signing-key/v1"},       {&ring.csrf_, "sealpost/csrf/v1"},
      {&ring.namespaces_, "sealpost/namespace-keys/v1"},
  };
  for (auto& p : purposes) {
    auto key = HkdfSha256(master_key.view(), {}, p.info);
    if (!key.ok()) return std::move(key).error();
    *p.key = std::move(*key);
  }
  return ring;
}

Status CreateMasterKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(ErrorCode::kIo, "cannot create " + path + ": " + std::strerror(errno));
  }
  SecretBytes key = RandomSecret(kMasterKeySize);
  bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return MakeError(ErrorCode::kIo, "cannot write " + path);
  return OkStatus();
}

Result<SecretBytes> LoadMasterKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kIo, "cannot open master key " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
    ::close(fd);
    return MakeError(ErrorCode::kPermissionDenied,
                     "master key " + path + " must not be readable by group or others (chmod 600)");
  }
  SecretBytes key(kMasterKeySize + 1);
  ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(kMasterKeySize)) {
    return MakeError(ErrorCode::kInvalidArgument, "master key " + path + " must hold 32 bytes");
  }
  return SecretBytes(key.data(), kMasterKeySize);
}

}  // namespace sealpost
