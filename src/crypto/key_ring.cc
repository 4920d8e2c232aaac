#include "crypto/key_ring.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "base/encoding.h"
#include "crypto/primitives.h"
#include "crypto/random.h"

namespace sealpost {

namespace detail {

using PurposeKeys = std::array<SecretBytes, kKeyPurposeCount>;

// The generations every PurposeKey of a ring reads, newest first. Readers take a
// snapshot (a shared_ptr copy under the mutex), so a reload never frees keys in use.
struct KeyGenerations {
  mutable std::mutex mu;
  std::shared_ptr<const std::vector<PurposeKeys>> list;

  std::shared_ptr<const std::vector<PurposeKeys>> Snapshot() const {
    std::lock_guard lock(mu);
    return list;
  }
};

}  // namespace detail

namespace {

constexpr const char* kPurposeInfo[kKeyPurposeCount] = {
    "sealpost/metadata/v1", "sealpost/queue/v1",          "sealpost/signing-key/v1",
    "sealpost/csrf/v1",     "sealpost/namespace-keys/v1", "sealpost/database-keys/v1"};

Result<detail::PurposeKeys> DerivePurposes(const SecretBytes& master_key) {
  if (master_key.size() != kMasterKeySize) {
    return MakeError(ErrorCode::kInvalidArgument, "master key must be 32 bytes");
  }
  detail::PurposeKeys keys;
  for (int i = 0; i < kKeyPurposeCount; ++i) {
    auto key = HkdfSha256(master_key.view(), {}, kPurposeInfo[i]);
    if (!key.ok()) return std::move(key).error();
    keys[i] = std::move(*key);
  }
  return keys;
}

Result<std::shared_ptr<const std::vector<detail::PurposeKeys>>> DeriveAll(
    const std::vector<SecretBytes>& master_keys) {
  if (master_keys.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "a key ring needs a master key");
  }
  auto list = std::make_shared<std::vector<detail::PurposeKeys>>();
  for (const auto& master : master_keys) {
    auto keys = DerivePurposes(master);
    if (!keys.ok()) return std::move(keys).error();
    list->push_back(std::move(*keys));
  }
  return std::shared_ptr<const std::vector<detail::PurposeKeys>>(std::move(list));
}

}  // namespace

PurposeKey::PurposeKey(SecretBytes key)
    : generations_(std::make_shared<detail::KeyGenerations>()), purpose_(KeyPurpose::kMetadata) {
  auto list = std::make_shared<std::vector<detail::PurposeKeys>>(1);
  (*list)[0][0] = std::move(key);
  generations_->list = std::move(list);
}

Result<std::string> PurposeKey::Seal(std::string_view plaintext, std::string_view aad) const {
  auto list = generations_->Snapshot();
  return BoxSeal(list->front()[static_cast<int>(purpose_)], plaintext, aad);
}

Result<std::string> PurposeKey::Open(std::string_view box, std::string_view aad) const {
  auto list = generations_->Snapshot();
  Result<std::string> opened = MakeError(ErrorCode::kIntegrity, "no key");
  for (const auto& keys : *list) {
    opened = BoxOpen(keys[static_cast<int>(purpose_)], box, aad);
    if (opened.ok()) break;
  }
  return opened;
}

Result<SecretBytes> PurposeKey::OpenSecret(std::string_view box, std::string_view aad) const {
  auto list = generations_->Snapshot();
  Result<SecretBytes> opened = MakeError(ErrorCode::kIntegrity, "no key");
  for (const auto& keys : *list) {
    opened = BoxOpenSecret(keys[static_cast<int>(purpose_)], box, aad);
    if (opened.ok()) break;
  }
  return opened;
}

bool PurposeKey::OpensWithNewest(std::string_view box, std::string_view aad) const {
  auto list = generations_->Snapshot();
  return BoxOpen(list->front()[static_cast<int>(purpose_)], box, aad).ok();
}

std::string PurposeKey::Mac(std::string_view data) const {
  auto list = generations_->Snapshot();
  return HmacSha256(list->front()[static_cast<int>(purpose_)], data);
}

bool PurposeKey::MacMatches(std::string_view data, std::string_view mac) const {
  auto list = generations_->Snapshot();
  bool match = false;
  for (const auto& keys : *list) {
    match |= ConstantTimeEqual(HmacSha256(keys[static_cast<int>(purpose_)], data), mac);
  }
  return match;
}

bool PurposeKey::MacPrefixMatches(std::string_view data, std::string_view prefix) const {
  if (prefix.size() < 16 || prefix.size() > 32) return false;
  auto list = generations_->Snapshot();
  bool match = false;
  for (const auto& keys : *list) {
    const std::string mac = HmacSha256(keys[static_cast<int>(purpose_)], data);
    match |= ConstantTimeEqual(std::string_view(mac).substr(0, prefix.size()), prefix);
  }
  return match;
}

Result<KeyRing> KeyRing::Derive(const SecretBytes& master_key) {
  std::vector<SecretBytes> one;
  one.push_back(master_key.Copy());
  return Derive(one);
}

Result<KeyRing> KeyRing::Derive(const std::vector<SecretBytes>& master_keys) {
  auto list = DeriveAll(master_keys);
  if (!list.ok()) return std::move(list).error();
  KeyRing ring;
  ring.generations_ = std::make_shared<detail::KeyGenerations>();
  ring.generations_->list = std::move(*list);
  for (int i = 0; i < kKeyPurposeCount; ++i) {
    ring.purposes_.push_back(PurposeKey(ring.generations_, static_cast<KeyPurpose>(i)));
  }
  ring.newest_id_ = KeyId(master_keys.front());
  ring.lookup_ = std::make_shared<SecretBytes>();
  return ring;
}

std::string KeyRing::KeyId(const SecretBytes& master_key) {
  auto id = HkdfSha256(master_key.view(), {}, "sealpost/master-key-id/v1", 8);
  return id.ok() ? HexEncode(id->view()) : "";
}

std::string KeyRing::newest_key_id() const {
  std::lock_guard lock(generations_->mu);
  return newest_id_;
}

std::size_t KeyRing::generation_count() const { return generations_->Snapshot()->size(); }

Status KeyRing::Reload(const std::vector<SecretBytes>& master_keys) {
  auto list = DeriveAll(master_keys);
  if (!list.ok()) return std::move(list).error();
  std::lock_guard lock(generations_->mu);
  generations_->list = std::move(*list);
  newest_id_ = KeyId(master_keys.front());
  return OkStatus();
}

const SecretBytes& KeyRing::lookup() const { return *lookup_; }
void KeyRing::SetLookupKey(SecretBytes key) { *lookup_ = std::move(key); }

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

Result<SecretBytes> DerivePurposeKey(const SecretBytes& master_key, KeyPurpose purpose) {
  return HkdfSha256(master_key.view(), {}, kPurposeInfo[static_cast<int>(purpose)]);
}

Result<SecretBytes> FirstLookupKey(const SecretBytes& master_key) {
  return DerivePurposeKey(master_key, KeyPurpose::kMetadata);
}

std::string PreviousMasterKeyPath(const std::string& path) { return path + ".previous"; }

Result<std::vector<SecretBytes>> LoadMasterKeys(const std::string& path) {
  std::vector<SecretBytes> keys;
  auto current = LoadMasterKeyFile(path);
  if (!current.ok()) return std::move(current).error();
  keys.push_back(std::move(*current));
  const std::string previous = PreviousMasterKeyPath(path);
  if (::access(previous.c_str(), F_OK) == 0) {
    auto old = LoadMasterKeyFile(previous);
    if (!old.ok()) return std::move(old).error();
    keys.push_back(std::move(*old));
  }
  return keys;
}

}  // namespace sealpost
