#include "base/secret.h"

#include <sodium.h>

#include <cstring>

namespace sealpost {

SecretBytes::SecretBytes(std::size_t size)
    : data_(size ? new std::uint8_t[size]() : nullptr), size_(size) {}

SecretBytes::SecretBytes(const void* data, std::size_t size) : SecretBytes(size) {
  if (size) std::memcpy(data_.get(), data, size);
}

SecretBytes::~SecretBytes() { Wipe(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(other.size_) {
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::move(other.data_);
    size_ = other.size_;
    other.size_ = 0;
  }
  return *this;
}

void SecretBytes::Wipe() {
  if (data_) WipeMemory(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

void WipeMemory(void* data, std::size_t size) { sodium_memzero(data, size); }

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sealpost
