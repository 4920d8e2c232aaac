#include "api/credentials.h"

#include <algorithm>
#include <array>

#include "base/encoding.h"
#include "base/text.h"

namespace sealpost::api {
namespace {

// Longest credentials accepted: an id, a colon and a 43-character secret fit many
// times over; anything longer is not ours.
constexpr std::size_t kMaxCredentialBytes = 512;

bool SplitIdSecret(std::string_view value, Credentials& c) {
  const auto colon = value.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 64 || colon + 1 == value.size()) {
    return false;
  }
  c.id = std::string(value.substr(0, colon));
  c.secret = std::string(value.substr(colon + 1));
  return true;
}

// RFC 9110 §11.1: the scheme is case-insensitive, then one or more spaces.
bool HasScheme(std::string_view value, std::string_view scheme, std::string_view* rest) {
  if (value.size() <= scheme.size() || value[scheme.size()] != ' ') return false;
  if (AsciiLower(value.substr(0, scheme.size())) != AsciiLower(scheme)) return false;
  std::string_view r = value.substr(scheme.size());
  while (!r.empty() && r.front() == ' ') r.remove_prefix(1);
  while (!r.empty() && r.back() == ' ') r.remove_suffix(1);
  *rest = r;
  return true;
}

}  // namespace

Credentials ReadCredentials(std::string_view x_api_key, std::string_view authorization) {
  Credentials c;
  if (!x_api_key.empty() && !authorization.empty()) {
    // Two sets of credentials: which one is meant is not ours to guess.
    c.method = Credentials::Method::kApiKey;
    c.malformed = true;
    return c;
  }
  if (!x_api_key.empty()) {
    c.method = Credentials::Method::kApiKey;
    c.malformed = x_api_key.size() > kMaxCredentialBytes || !SplitIdSecret(x_api_key, c);
    return c;
  }
  if (authorization.empty()) return c;
  std::string_view rest;
  if (authorization.size() > kMaxCredentialBytes * 2) {
    c.method = Credentials::Method::kBasic;
    c.malformed = true;
  } else if (HasScheme(authorization, "Basic", &rest)) {
    c.method = Credentials::Method::kBasic;
    auto decoded = Base64Decode(rest);
    c.malformed = !decoded || decoded->size() > kMaxCredentialBytes || !SplitIdSecret(*decoded, c);
  } else if (HasScheme(authorization, "Bearer", &rest)) {
    c.method = Credentials::Method::kBearer;
    // RFC 6750 §2.1: b64token.
    const bool valid = !rest.empty() && rest.size() <= kMaxCredentialBytes &&
                       std::all_of(rest.begin(), rest.end(), [](char ch) {
                         return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                                (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
                                ch == '~' || ch == '+' || ch == '/' || ch == '=';
                       });
    c.malformed = !valid;
    if (valid) c.token = std::string(rest);
  } else {
    c.method = Credentials::Method::kBasic;  // answered with the schemes we know
    c.malformed = true;
  }
  if (c.malformed) {
    c.id.clear();
    c.secret.clear();
  }
  return c;
}

std::string_view MethodName(Credentials::Method method) {
  switch (method) {
    case Credentials::Method::kApiKey:
      return "api_key";
    case Credentials::Method::kBasic:
      return "basic";
    case Credentials::Method::kBearer:
      return "bearer";
    case Credentials::Method::kSignature:
      return "signature";
    case Credentials::Method::kNone:
      break;
  }
  return "none";
}

bool LooksLikeId(std::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace sealpost::api
