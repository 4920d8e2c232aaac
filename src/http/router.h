// Router: maps a method and a path to a handler. Patterns are literal segments and
// {placeholders} ("/api/v1/messages/{id}"); a placeholder matches one non-empty
// segment. Each route says how its body is read: buffered up to a limit, or streamed.
// A gate, set for every route under a path prefix, runs once the header is read and
// before any of the body: it may refuse (a response) — so an unauthenticated client
// cannot make the server read, buffer or store an upload it will never accept.
// Thread-safety: build it before the server starts; then read-only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace sealpost::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;
// nullopt: go on to the body and the handler; a response: refused, the body unread.
using Gate = std::function<boost::asio::awaitable<std::optional<Response>>(Request&)>;

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
  const Gate* gate = nullptr;  // what the route passes first, if any
};

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler,
           BodyMode mode = BodyMode::kBuffered, std::uint64_t body_limit = 64 * 1024);
  // Every route whose pattern starts with `prefix` (added before or after) passes
  // `gate` first. One gate per route: the longest prefix wins.
  void SetGate(std::string prefix, Gate gate);
  RouteMatch Match(std::string_view method, std::string_view path) const;
  // Every route as (method, pattern), in the order added: what the API's description
  // must cover.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  const Gate* GateFor(const std::string& pattern) const;

  std::vector<Route> routes_;
  std::vector<std::pair<std::string, std::unique_ptr<Gate>>> gates_;
};

}  // namespace sealpost::http
