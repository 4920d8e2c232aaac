#include "api/oauth.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <set>

#include "api/gate.h"
#include "base/client_key.h"
#include "base/encoding.h"
#include "base/secret.h"
#include "crypto/random.h"

namespace sealpost::api {
namespace json = boost::json;
using boost::asio::awaitable;
using http::Response;

namespace {

constexpr std::uint64_t kMaxFormBody = 8 * 1024;
using Form = std::vector<std::pair<std::string, std::string>>;

// RFC 6749 §5.2's error, which OAuth libraries read ("error"), written as an RFC 9457
// problem too (whose documents may carry members of their own): one body serves both.
// RFC 6749 asks for application/json, so that is its media type.
Response OAuthError(int status, std::string_view error, std::string_view description) {
  json::object o{{"error", error},
                 {"error_description", description},
                 {"type", "about:blank"},
                 {"title", status == 401 ? "Unauthenticated" : "Invalid OAuth request"},
                 {"status", status},
                 {"detail", description}};
  Response r = http::JsonResponse(status, json::serialize(o));
  r.Set("Cache-Control", "no-store");
  if (status == 401) r.Set("WWW-Authenticate", "Basic realm=\"sealpost\"");
  return r;
}

Response NoClientCredentials() {
  return OAuthError(401, "invalid_client",
                    "Authenticate the client with HTTP Basic or with client_id and "
                    "client_secret in the body (one of them).");
}

struct ParsedForm {
  Form form;
  std::optional<Response> refused;
};

// RFC 6749 §3.2: form-encoded, and no parameter twice.
ParsedForm ReadForm(const http::Request& req) {
  ParsedForm out;
  auto media = http::ParseMediaType(req.header("content-type"));
  if (!media || media->type != "application/x-www-form-urlencoded") {
    out.refused = OAuthError(400, "invalid_request",
                             "Send the parameters as application/x-www-form-urlencoded.");
    return out;
  }
  auto form = http::ParseForm(req.body, 16);
  if (!form.ok()) {
    out.refused = OAuthError(400, "invalid_request", "The form body is malformed.");
    return out;
  }
  std::set<std::string> seen;
  for (const auto& [name, value] : *form) {
    if (!seen.insert(name).second) {
      out.refused =
          OAuthError(400, "invalid_request",
                     "The parameter " + SanitizeForLog(name, 40) + " is given more than once.");
      return out;
    }
  }
  out.form = std::move(*form);
  return out;
}

// RFC 6749 §2.3.1: the client's id and secret in HTTP Basic, or in the body; not both.
std::optional<Credentials> ClientCredentials(const http::Request& req, const Form& form) {
  const auto id = http::FormValue(form, "client_id");
  const auto secret = http::FormValue(form, "client_secret");
  const std::string_view authorization = req.header("authorization");
  if (!authorization.empty()) {
    if (secret) return std::nullopt;
    Credentials c = ReadCredentials("", authorization);
    if (c.method != Credentials::Method::kBasic) return std::nullopt;
    if (id && *id != c.id) return std::nullopt;
    return c;
  }
  if (!id || !secret) return std::nullopt;
  Credentials c;
  c.method = Credentials::Method::kBasic;
  c.id = *id;
  c.secret = *secret;
  c.malformed = c.id.empty() || c.secret.empty();
  return c;
}

// What the client asked for ("scope", RFC 6749 §3.3) within what it may have.
Result<Scopes> RequestedScopes(const Form& form, Scopes allowed) {
  const auto scope = http::FormValue(form, "scope");
  if (!scope) return allowed;
  auto asked = ParseScopes(*scope);
  if (!asked.ok()) return std::move(asked).error();
  if (*asked == 0 || (*asked & ~allowed) != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "This client may ask for: " + FormatScopes(allowed) + ".", "scope");
  }
  return *asked;
}

}  // namespace

// What a token request came to: a response, made on the worker pool.
struct OAuthApi::Outcome {
  Response response;
  bool failed_sign_in = false;  // the client's secret or the user's password was wrong
};

awaitable<Response> OAuthApi::Guarded(const http::Request& req,
                                      std::function<Result<Outcome>()> work) {
  FailureGuard::Verdict verdict;
  std::optional<FailureGuard::Try> attempt =
      failures_.Begin(ClientKey(req.client_address), &verdict);
  if (!attempt) co_return TooManyFailures(600);
  if (verdict.wait > 0) co_return TooManyFailures(verdict.wait);
  auto outcome = co_await http::Offload<Outcome>(offloader_, work);
  if (!outcome.ok()) co_return http::ProblemFromError(outcome.error());
  if (outcome->failed_sign_in) attempt->Failed();
  co_return std::move(outcome->response);
}

void OAuthApi::Register(http::Router& router) {
  router.Add(
      "POST", "/api/v1/oauth/token", [this](http::Request& r) { return Token(r); },
      http::BodyMode::kBuffered, kMaxFormBody);
  router.Add(
      "POST", "/api/v1/oauth/revoke", [this](http::Request& r) { return Revoke(r); },
      http::BodyMode::kBuffered, kMaxFormBody);
  router.Add(
      "POST", "/api/v1/oauth/introspect", [this](http::Request& r) { return Introspect(r); },
      http::BodyMode::kBuffered, kMaxFormBody);
}

awaitable<Response> OAuthApi::Token(http::Request& req) {
  ParsedForm parsed = ReadForm(req);
  if (parsed.refused) co_return std::move(*parsed.refused);
  const Form& form = parsed.form;
  auto presented = ClientCredentials(req, form);
  const std::string grant = http::FormValue(form, "grant_type").value_or("");
  co_return co_await Guarded(req, [&]() -> Result<Outcome> {
    if (!presented) return Outcome{NoClientCredentials()};
    auto client = auth_.Authenticate(*presented, req.client_address);
    if (!client.ok()) {
      if (client.error().code != ErrorCode::kUnauthenticated) return std::move(client).error();
      return Outcome{OAuthError(401, "invalid_client", "The client's id or secret is not valid."),
                     true};
    }
    AccessTokenRecord token;
    token.client_id = client->client_id;
    token.grant_type = grant;
    Scopes allowed = client->scopes;
    if (grant == "client_credentials") {
      token.user = client->user;
    } else if (grant == "password") {
      if (!client->user.empty()) {
        return Outcome{OAuthError(400, "unauthorized_client",
                                  "A client bound to a user cannot act for another.")};
      }
      const auto username = http::FormValue(form, "username");
      auto password = http::FormValue(form, "password");
      if (!username || !password) {
        return Outcome{OAuthError(400, "invalid_request", "username and password are required.")};
      }
      SecretBytes secret(password->data(), password->size());
      WipeMemory(password->data(), password->size());
      const Response wrong = OAuthError(400, "invalid_grant", "The username or password is wrong.");
      // The password is checked first, the same way for every name, so no answer tells
      // whether a user exists or where.
      auto user = users_.Authenticate(*username, secret, req.client_address);
      if (!user.ok()) {
        if (user.error().code != ErrorCode::kUnauthenticated) return std::move(user).error();
        return Outcome{wrong, true};
      }
      const std::string& address = user->front();
      auto account = directory_.AccountOfUser(address);
      if (!account.ok() || *account != client->account) return Outcome{wrong, true};
      auto settings = directory_.EffectiveFor(address);
      if (!settings.ok()) return std::move(settings).error();
      if (!settings->api_password_grant.value) {
        return Outcome{OAuthError(400, "unauthorized_client",
                                  "The password grant is off for this user's account "
                                  "(an administrator turns it on: api_password_grant).")};
      }
      token.user = address;
      allowed &= kSenderScopes;  // a user's token sends and reads as that user, no more
    } else {
      return Outcome{OAuthError(400, grant.empty() ? "invalid_request" : "unsupported_grant_type",
                                "grant_type must be client_credentials or password.")};
    }
    auto scopes = RequestedScopes(form, allowed);
    if (!scopes.ok()) return Outcome{OAuthError(400, "invalid_scope", scopes.error().message)};
    if (*scopes == 0) {
      return Outcome{
          OAuthError(400, "invalid_scope", "This client holds no scope a token could carry.")};
    }
    const std::string access_token = "spt_" + Base64UrlEncode(RandomBytes(32));
    const std::int64_t now = clock_.NowUnix();
    token.hash = HashAccessToken(access_token);
    token.scopes = FormatScopes(*scopes);
    token.issued_at = now;
    token.expires_at = now + settings_.access_token_seconds;
    // A token is a sign-in: on record with it (never the token).
    audit::AuditRecord record = CallRecord(req, *client, now);
    record.action = "auth.oauth.token";
    record.subject = token.user.empty() ? client->client_id : token.user;
    record.details = json::serialize(json::object{{"grant_type", grant},
                                                  {"scope", token.scopes},
                                                  {"expires_at", FormatRfc3339(token.expires_at)}});
    audit::PendingRecord pending(std::move(record));
    if (auto stored = clients_.InsertToken(token); !stored.ok()) return std::move(stored).error();
    json::object body{{"access_token", access_token},
                      {"token_type", "Bearer"},
                      {"expires_in", settings_.access_token_seconds},
                      {"scope", token.scopes}};
    Response r = http::JsonResponse(200, json::serialize(body));
    r.Set("Cache-Control", "no-store");
    r.Set("Pragma", "no-cache");
    return Outcome{std::move(r)};
  });
}

awaitable<Response> OAuthApi::Revoke(http::Request& req) {
  ParsedForm parsed = ReadForm(req);
  if (parsed.refused) co_return std::move(*parsed.refused);
  auto presented = ClientCredentials(req, parsed.form);
  const auto token = http::FormValue(parsed.form, "token");
  co_return co_await Guarded(req, [&]() -> Result<Outcome> {
    if (!presented) return Outcome{NoClientCredentials()};
    if (!token || token->empty()) {
      return Outcome{OAuthError(400, "invalid_request", "token is required.")};
    }
    auto client = auth_.Authenticate(*presented, req.client_address);
    if (!client.ok()) {
      if (client.error().code != ErrorCode::kUnauthenticated) return std::move(client).error();
      return Outcome{OAuthError(401, "invalid_client", "The client's id or secret is not valid."),
                     true};
    }
    audit::AuditRecord record = CallRecord(req, *client, clock_.NowUnix());
    record.action = "auth.oauth.revoke";
    record.subject = client->client_id;
    audit::PendingRecord pending(std::move(record));
    // RFC 7009 §2.2: the same answer whether or not there was such a token of this
    // client's, so the endpoint tells nobody which tokens exist.
    auto revoked =
        clients_.RevokeToken(HashAccessToken(*token), client->client_id, clock_.NowUnix());
    if (!revoked.ok()) return std::move(revoked).error();
    Response r = http::JsonResponse(200, "{}");
    r.Set("Cache-Control", "no-store");
    return Outcome{std::move(r)};
  });
}

awaitable<Response> OAuthApi::Introspect(http::Request& req) {
  if (!CallerOf(req))
    co_return Unauthenticated(MakeError(ErrorCode::kUnauthenticated, "Credentials are required."),
                              {});
  ParsedForm parsed = ReadForm(req);
  if (parsed.refused) co_return std::move(*parsed.refused);
  const auto token = http::FormValue(parsed.form, "token");
  if (!token || token->empty()) co_return OAuthError(400, "invalid_request", "token is required.");
  auto outcome = co_await http::Offload<Outcome>(offloader_, [&]() -> Result<Outcome> {
    const std::int64_t now = clock_.NowUnix();
    json::object out{{"active", false}};
    auto found = clients_.FindToken(HashAccessToken(*token));
    if (!found.ok()) return std::move(found).error();
    if (found->has_value()) {
      const AccessTokenRecord& t = **found;
      auto client = clients_.Find(t.client_id);
      if (!client.ok()) return std::move(client).error();
      const bool active =
          !t.revoked_at && now < t.expires_at && client->has_value() && !(*client)->revoked_at;
      if (active) {
        out = json::object{{"active", true},
                           {"scope", t.scopes},
                           {"client_id", t.client_id},
                           {"token_type", "Bearer"},
                           {"exp", t.expires_at},
                           {"iat", t.issued_at},
                           {"sub", t.user.empty() ? t.client_id : t.user}};
        if (!t.user.empty()) out["username"] = t.user;
      }
    }
    Response r = http::JsonResponse(200, json::serialize(out));
    r.Set("Cache-Control", "no-store");
    return Outcome{std::move(r)};
  });
  if (!outcome.ok()) co_return http::ProblemFromError(outcome.error());
  co_return std::move(outcome->response);
}

}  // namespace sealpost::api
