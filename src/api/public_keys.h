// The organisation's public signing keys, for anyone to download and verify signed
// mail with (no authentication: they are public by nature):
//   GET /keys/{domain}/openpgp.asc   the OpenPGP key that signs the domain's mail
//   GET /keys/{domain}/smime.pem     the S/MIME certificate that signs it
// The domain's own identity, else its account's; 404 when there is none.
#pragma once

#include "http/router.h"
#include "http/server.h"
#include "policy/signing_identities.h"

namespace sealpost::api {

class PublicKeys {
 public:
  PublicKeys(policy::SigningIdentities& identities, http::Offloader& offloader)
      : identities_(identities), offloader_(offloader) {}
  void Register(http::Router& router);

 private:
  boost::asio::awaitable<http::Response> Serve(http::Request& req, const char* kind);

  policy::SigningIdentities& identities_;
  http::Offloader& offloader_;
};

}  // namespace sealpost::api
