// Router: maps a method and a path to a handler. Patterns are literal segments and
// {placeholders} ("/api/v1/messages/{id}"); a placeholder matches one non-empty
// segment. Each route says how its body is read: buffered up to a limit, or streamed.
// Thread-safety: build it before the server starts; then read-only.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace sealpost::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

enum class BodyMode { kBuffered, kStreamed };

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;
  Handler handler;
  BodyMode body_mode = BodyMode::kBuffered;
  std::uint64_t body_limit = 64 * 1024;
};

struct RouteMatch {
  const Route* route = nullptr;     // null: no route
  bool method_not_allowed = false;  // the path exists with other methods
  std::vector<std::string> params;
};

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler,
           BodyMode mode = BodyMode::kBuffered, std::uint64_t body_limit = 64 * 1024);
  RouteMatch Match(std::string_view method, std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace sealpost::http
