#include "http/message.h"

#include <boost/json.hpp>
#include <cctype>

#include "base/text.h"

namespace sealpost::http {

std::string_view Request::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

std::optional<std::string> Request::cookie(std::string_view name) const {
  for (const auto& h : headers) {
    if (!EqualsIgnoreCase(h.name, "cookie")) continue;
    std::string_view rest = h.value;
    while (!rest.empty()) {
      auto semi = rest.find(';');
      std::string_view pair = TrimWhitespace(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        return std::string(pair.substr(eq + 1));
      }
    }
  }
  return std::nullopt;
}

Response& Response::Set(std::string name, std::string value) {
  for (auto& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) {
      h.value = std::move(value);
      return *this;
    }
  }
  headers.push_back({std::move(name), std::move(value)});
  return *this;
}

namespace {
Response WithBody(int status, std::string body, const char* content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.Set("Content-Type", content_type);
  return r;
}
}  // namespace

Response HtmlResponse(int status, std::string html) {
  return WithBody(status, std::move(html), "text/html; charset=utf-8");
}

Response TextResponse(int status, std::string text) {
  return WithBody(status, std::move(text), "text/plain; charset=utf-8");
}

Response JsonResponse(int status, std::string json) {
  return WithBody(status, std::move(json), "application/json");
}

Response RedirectResponse(std::string location) {
  Response r;
  r.status = 303;
  r.Set("Location", std::move(location));
  return r;
}

Response ProblemResponse(int status, std::string_view title, std::string_view detail,
                         const std::vector<InvalidParam>& invalid) {
  boost::json::object o{{"type", "about:blank"},
                        {"title", title},
                        {"status", status},
                        {"detail", detail}};
  if (!invalid.empty()) {
    boost::json::array list;
    for (const auto& p : invalid) list.push_back({{"name", p.name}, {"reason", p.reason}});
    o["invalid-params"] = std::move(list);
  }
  Response r;
  r.status = status;
  r.body = boost::json::serialize(o);
  r.Set("Content-Type", "application/problem+json");
  return r;
}

Response ProblemFromError(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
      return ProblemResponse(400, "Invalid request", e.message,
                             e.field.empty() ? std::vector<InvalidParam>{}
                                             : std::vector<InvalidParam>{{e.field, e.message}});
    case ErrorCode::kNotFound: return ProblemResponse(404, "Not found", e.message);
    case ErrorCode::kUnauthenticated: return ProblemResponse(401, "Unauthenticated", e.message);
    case ErrorCode::kPermissionDenied: return ProblemResponse(403, "Forbidden", e.message);
    case ErrorCode::kResourceExhausted: return ProblemResponse(413, "Too large", e.message);
    case ErrorCode::kUnavailable: {
      Response busy = ProblemResponse(503, "Busy", "The server is busy. Try again in a moment.");
      busy.Set("Retry-After", "5");
      return busy;
    }
    case ErrorCode::kFailedPrecondition: return ProblemResponse(409, "Conflict", e.message);
    case ErrorCode::kAlreadyExists: return ProblemResponse(409, "Conflict", e.message);
    default: {
      // Internal details stay in the server's log.
      Response r =
          ProblemResponse(500, "Internal error", "The server could not complete the request.");
      r.log_note = e.ToString();
      return r;
    }
  }
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> Decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<std::string> FormDecode(std::string_view s) { return Decode(s, true); }

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text) { return Decode(text, false); }

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body,
                                                                    std::size_t max_fields) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!body.empty()) {
    auto amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (pair.empty()) continue;
    if (out.size() == max_fields) {
      return MakeError(ErrorCode::kResourceExhausted, "too many form fields");
    }
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "form field without a value");
    }
    auto name = FormDecode(pair.substr(0, eq));
    auto value = FormDecode(pair.substr(eq + 1));
    if (!name || !value) return MakeError(ErrorCode::kInvalidArgument, "bad percent escape in form");
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::optional<std::string> FormValue(const std::vector<std::pair<std::string, std::string>>& form,
                                     std::string_view name) {
  for (const auto& [k, v] : form) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::optional<std::string> MediaType::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::optional<MediaType> ParseMediaType(std::string_view value) {
  MediaType mt;
  auto semi = value.find(';');
  mt.type = AsciiLower(TrimWhitespace(value.substr(0, semi)));
  if (mt.type.empty() || mt.type.find('/') == std::string::npos) return std::nullopt;
  std::string_view rest = semi == std::string_view::npos ? std::string_view{} : value.substr(semi + 1);
  while (!rest.empty()) {
    rest = TrimWhitespace(rest);
    auto eq = rest.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string name = AsciiLower(TrimWhitespace(rest.substr(0, eq)));
    rest = TrimWhitespace(rest.substr(eq + 1));
    std::string val;
    if (!rest.empty() && rest.front() == '"') {
      std::size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        val.push_back(rest[i]);
      }
      if (i >= rest.size()) return std::nullopt;  // unterminated quote
      rest = rest.substr(i + 1);
      auto next = rest.find(';');
      rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    } else {
      auto next = rest.find(';');
      val = std::string(TrimWhitespace(rest.substr(0, next)));
      rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    }
    mt.params.emplace_back(std::move(name), std::move(val));
  }
  return mt;
}

}  // namespace sealpost::http
