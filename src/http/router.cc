#include "http/router.h"

namespace sealpost::http {
namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsPlaceholder(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler, BodyMode mode,
                 std::uint64_t body_limit) {
  Route r;
  r.method = std::move(method);
  r.segments = Split(pattern);
  r.pattern = std::move(pattern);
  r.handler = std::move(handler);
  r.body_mode = mode;
  r.body_limit = body_limit;
  routes_.push_back(std::move(r));
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

void Router::SetGate(std::string prefix, Gate gate) {
  gates_.emplace_back(std::move(prefix), std::make_unique<Gate>(std::move(gate)));
}

const Gate* Router::GateFor(const std::string& pattern) const {
  const Gate* found = nullptr;
  std::size_t longest = 0;
  for (const auto& [prefix, gate] : gates_) {
    if (pattern.rfind(prefix, 0) == 0 && prefix.size() >= longest) {
      found = gate.get();
      longest = prefix.size();
    }
  }
  return found;
}

RouteMatch Router::Match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  const auto segments = Split(path);
  if (segments.empty()) return result;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      if (IsPlaceholder(route.segments[i])) {
        ok = !segments[i].empty();
        params.push_back(segments[i]);
      } else {
        ok = route.segments[i] == segments[i];
      }
    }
    if (!ok) continue;
    if (route.method != method) {
      result.method_not_allowed = true;
      continue;
    }
    result.route = &route;
    result.method_not_allowed = false;
    result.params = std::move(params);
    result.gate = GateFor(route.pattern);
    return result;
  }
  return result;
}

}  // namespace sealpost::http
