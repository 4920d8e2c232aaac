// What the administration handlers share: a JSON object body, and the problem an Error
// becomes (400 naming the field, "body" when none).
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "base/result.h"
#include "http/message.h"

namespace sealpost::api {

Result<boost::json::object> ParseObject(const std::string& body);
http::Response Problem(const Error& e);

}  // namespace sealpost::api
