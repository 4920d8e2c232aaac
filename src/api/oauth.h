// OAuth 2.0 for API clients (issue 20):
//   POST /api/v1/oauth/token       RFC 6749: grant_type=client_credentials (§4.4), or
//                                  grant_type=password (§4.3) for a user of the client's
//                                  account, where an administrator turned it on
//                                  (api_password_grant; RFC 9700 §2.4 deprecates this
//                                  grant: it hands the user's password to the client)
//   POST /api/v1/oauth/revoke      RFC 7009: a client revokes a token it was given
//   POST /api/v1/oauth/introspect  RFC 7662: for administrators (the admin scope)
// Token and revoke authenticate the client themselves (HTTP Basic or client_id and
// client_secret in the form body, RFC 6749 §2.3.1), so the API's gate lets them pass;
// introspect is behind it. Bodies are application/x-www-form-urlencoded; answers JSON.
// Access tokens are 256 random bits ("spt_…"), kept as hashes, and expire after
// `access_token_seconds`.
#pragma once

#include <cstdint>

#include "api/auth.h"
#include "base/failure_guard.h"
#include "http/router.h"
#include "http/server.h"
#include "policy/org_directory.h"
#include "submission/user_authenticator.h"

namespace sealpost::api {

struct OAuthSettings {
  std::int64_t access_token_seconds = 15 * 60;
};

class OAuthApi {
 public:
  // `users` checks the password grant's passwords (as "auth.oauth.password");
  // `failures`: failed sign-ins by client address, shared with the API's gate.
  OAuthApi(OAuthSettings settings, Authenticator& auth, ApiClientStore& clients,
           submission::UserAuthenticator& users, policy::OrgDirectory& directory,
           FailureGuard& failures, const Clock& clock, http::Offloader& offloader)
      : settings_(settings),
        auth_(auth),
        clients_(clients),
        users_(users),
        directory_(directory),
        failures_(failures),
        clock_(clock),
        offloader_(offloader) {}

  void Register(http::Router& router);

 private:
  struct Outcome;  // oauth.cc: a response, and whether it counts as a failed sign-in
  boost::asio::awaitable<http::Response> Token(http::Request& req);
  boost::asio::awaitable<http::Response> Revoke(http::Request& req);
  boost::asio::awaitable<http::Response> Introspect(http::Request& req);
  // Runs `work` on the worker pool unless the client's address has failed too often; an
  // outcome of 401 (the client) or invalid_grant (the user's password) counts as a failure.
  boost::asio::awaitable<http::Response> Guarded(const http::Request& req,
                                                 std::function<Result<Outcome>()> work);

  OAuthSettings settings_;
  Authenticator& auth_;
  ApiClientStore& clients_;
  submission::UserAuthenticator& users_;
  policy::OrgDirectory& directory_;
  FailureGuard& failures_;
  const Clock& clock_;
  http::Offloader& offloader_;
};

}  // namespace sealpost::api
