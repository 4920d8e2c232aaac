#include "api/json_body.h"

#include <algorithm>

#include <boost/json.hpp>

namespace sealpost::api {

Result<boost::json::object> ParseObject(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "must be a JSON object", "body");
  }
  return std::move(v.get_object());
}

Status OnlyFields(const boost::json::object& o, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : o) {
    bool found = false;
    for (std::string_view k : known) found = found || k == std::string_view(key);
    if (!found) return MakeError(ErrorCode::kInvalidArgument, "is not a field here", std::string(key));
  }
  return OkStatus();
}

Result<std::string> StringField(const boost::json::object& o, std::string_view key,
                                bool required) {
  const boost::json::value* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (!required) return std::string();
    return MakeError(ErrorCode::kInvalidArgument, "is required (a string)", std::string(key));
  }
  if (!v->is_string() || (required && v->get_string().empty())) {
    return MakeError(ErrorCode::kInvalidArgument,
                     required ? "is required (a string)" : "must be a string", std::string(key));
  }
  return std::string(v->get_string());
}

Result<int> PageLimit(std::string_view value, int max) {
  int n = 0;
  const bool digits = !value.empty() && value.size() <= 9 &&
                      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) n = std::stoi(std::string(value));
  if (!digits || n < 1 || n > max) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a whole number from 1 to " + std::to_string(max), "limit");
  }
  return n;
}

http::Response Problem(const Error& e) {
  if (e.code == ErrorCode::kInvalidArgument) {
    return http::ProblemResponse(400, "Invalid request", e.message,
                                 {{e.field.empty() ? "body" : e.field, e.message}});
  }
  return http::ProblemFromError(e);  // an internal error is logged with the request's id
}

}  // namespace sealpost::api
