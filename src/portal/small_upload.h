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

#include "base/result.h"
#include "http/multipart.h"

namespace sealpost::http {
struct Request;
}

namespace sealpost::portal {

class SmallUpload final : public http::MultipartSink {
 public:
  // `fields`: the text fields the form has (each at most `field_limit` bytes);
  // `file_field`: its file input's name, whose content may be `file_limit` bytes. Any
  // other part refuses it.
  SmallUpload(std::set<std::string> fields, std::string file_field, std::size_t file_limit,
              std::size_t field_limit = 4 * 1024)
      : fields_(std::move(fields)),
        file_field_(std::move(file_field)),
        file_limit_(file_limit),
        field_limit_(field_limit) {}

  // Reads `req`'s body (multipart/form-data) into this. kInvalidArgument for a form that
  // is not one or has a part it should not; kResourceExhausted for a file too large.
  boost::asio::awaitable<Status> Read(http::Request& req);

  std::string Field(const std::string& name) const;
  const std::string& file() const { return file_; }
  std::string& file() { return file_; }
  bool has_file() const { return has_file_; }  // a file was chosen (even an empty one)

  Status OnPartBegin(const http::PartInfo& part) override;
  Status OnPartData(std::string_view data) override;
  Status OnPartEnd() override;

 private:
  const std::set<std::string> fields_;
  const std::string file_field_;
  const std::size_t file_limit_;
  const std::size_t field_limit_;
  std::map<std::string, std::string> values_;
  std::string file_;
  std::string* current_ = nullptr;
  bool has_file_ = false;
};

}  // namespace sealpost::portal
