// A small multipart form read whole: named text fields and at most one file, each
// bounded, for forms whose file is checked as a whole before anything is stored (a CSV
// of questions, a namespace's logo). Large uploads stream into drafts instead
// (writing.h). Internal to the portal.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "http/multipart.h"

namespace sealpost::http {
struct Request;
}

namespace sealpost::portal {

class SmallUpload final : public http::MultipartSink {
 public:
  struct File {
    std::string name;  // as the browser sent it (a file name, untrusted)
    std::string data;
  };
  // `fields`: the text fields the form has (each at most `field_limit` bytes);
  // `file_field`: its file input's name, whose files may be `file_limit` bytes together,
  // at most `max_files` of them (an input with "multiple"). Any other part refuses it.
  SmallUpload(std::set<std::string> fields, std::string file_field, std::size_t file_limit,
              std::size_t field_limit = 4 * 1024, std::size_t max_files = 1)
      : fields_(std::move(fields)),
        file_field_(std::move(file_field)),
        file_limit_(file_limit),
        field_limit_(field_limit),
        max_files_(max_files) {}

  // Reads `req`'s body (multipart/form-data) into this. kInvalidArgument for a form that
  // is not one or has a part it should not; kResourceExhausted for files too large or
  // too many.
  boost::asio::awaitable<Status> Read(http::Request& req);

  std::string Field(const std::string& name) const;
  // The first file's content (empty when none was chosen).
  const std::string& file() const { return files_.empty() ? none_ : files_.front().data; }
  std::string& file() { return files_.empty() ? none_ : files_.front().data; }
  bool has_file() const { return !files_.empty(); }  // a file was chosen (even an empty one)
  std::vector<File>& files() { return files_; }
  // Wipes every file's content (what was uploaded may be secret).
  void Wipe();

  Status OnPartBegin(const http::PartInfo& part) override;
  Status OnPartData(std::string_view data) override;
  Status OnPartEnd() override;

 private:
  const std::set<std::string> fields_;
  const std::string file_field_;
  const std::size_t file_limit_;
  const std::size_t field_limit_;
  const std::size_t max_files_;
  std::map<std::string, std::string> values_;
  std::vector<File> files_;
  std::size_t file_bytes_ = 0;
  std::string none_;
  std::string* current_ = nullptr;
  bool in_file_ = false;
};

}  // namespace sealpost::portal
