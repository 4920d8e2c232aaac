#include "api/json_body.h"

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

http::Response Problem(const Error& e) {
  if (e.code == ErrorCode::kInvalidArgument) {
    return http::ProblemResponse(400, "Invalid request", e.message,
                                 {{e.field.empty() ? "body" : e.field, e.message}});
  }
  return http::ProblemFromError(e);  // an internal error is logged with the request's id
}

}  // namespace sealpost::api
