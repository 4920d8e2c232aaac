// SecretBytes: an owned byte buffer for keys and other secrets. It wipes itself on
// destruction and on move-from, cannot be copied by accident, and has no stream or
// format operator, so it cannot end up in a log line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace sealpost {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size);
  SecretBytes(const void* data, std::size_t size);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // An explicit copy, so every duplication of a secret is visible in the code.
  SecretBytes Copy() const { return SecretBytes(data_.get(), size_); }

  std::uint8_t* data() { return data_.get(); }
  const std::uint8_t* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const std::uint8_t> span() const { return {data_.get(), size_}; }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(data_.get()), size_};
  }

 private:
  void Wipe();

  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
};

// Wipes a buffer in a way the compiler may not optimise away.
void WipeMemory(void* data, std::size_t size);

// Compares two byte strings in time that depends only on their lengths.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

}  // namespace sealpost
