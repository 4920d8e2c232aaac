// Result<T>: a value or an Error, the way every fallible call in sealpost reports.
// Errors are values: convert a library's error once, where it arises, into an Error
// with a code a caller can act on and a message a person can read. Messages never
// carry secrets (content, answers, passwords, tokens, keys).
// Thread-safety: like any value type; const methods may be called concurrently.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sealpost {

enum class ErrorCode {
  kInvalidArgument,     // the caller's input is wrong; say which part
  kNotFound,
  kAlreadyExists,
  kUnauthenticated,     // no or wrong credentials
  kPermissionDenied,    // authenticated, but not allowed
  kFailedPrecondition,  // the object is in the wrong state (locked, expired, ...)
  kResourceExhausted,   // a limit was reached
  kUnavailable,         // busy now: nothing was done, try again later
  kIntegrity,           // authentication of data failed: tampered, wrong key
  kIo,                  // the operating system said no
  kInternal,            // a bug or a library failure we cannot explain to the caller
};

const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // For kInvalidArgument: the input field or location the message is about
  // ("to[1]", "config.toml:12"), so replies can point at it.
  std::string field;

  std::string ToString() const;
};

inline Error MakeError(ErrorCode code, std::string message, std::string field = {}) {
  return Error{code, std::move(message), std::move(field)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status OkStatus() { return Status(); }

}  // namespace sealpost
