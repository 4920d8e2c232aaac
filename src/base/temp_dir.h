// TempDir: a fresh directory under /tmp, removed with everything in it when the object
// goes away. For tests.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace sealpost {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sealpost-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sealpost
