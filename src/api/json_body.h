// What the administration handlers share: a JSON object body, and the problem an Error
// becomes (400 naming the field, "body" when none).
#pragma once

#include <boost/json/object.hpp>
#include <initializer_list>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/message.h"

namespace sealpost::api {

Result<boost::json::object> ParseObject(const std::string& body);
// kInvalidArgument naming the first member of `o` not in `known`.
Status OnlyFields(const boost::json::object& o, std::initializer_list<std::string_view> known);
// The string member `key`: "" when absent or null, unless `required` (then it must be
// there and not empty); kInvalidArgument naming it otherwise.
Result<std::string> StringField(const boost::json::object& o, std::string_view key,
                                bool required);
http::Response Problem(const Error& e);
// A list's `limit` query parameter: a whole number from 1 to `max`; kInvalidArgument
// naming "limit" otherwise.
Result<int> PageLimit(std::string_view value, int max);

}  // namespace sealpost::api
