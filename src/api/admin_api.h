// REST API v1, administration: settings at each level and address books.
//   GET  /api/v1/settings/{level}/{name}            a level's own settings (answers masked)
//   PUT  /api/v1/settings/{level}/{name}            replace them (JSON; all or nothing)
//   POST /api/v1/address-books                      {"book": "level:owner:name"}
//   GET  /api/v1/address-books/{book}/entries       addresses and kinds
//   PUT  /api/v1/address-books/{book}/entries/{address}   {"question", "answer"}
//   PUT  /api/v1/address-books/{book}/keys/{address}      OpenPGP key or S/MIME certificate
//   POST /api/v1/address-books/{book}/keys          {"keys": [{"address", "data"}]} in bulk
//   GET  /api/v1/address-books/{book}/keys          every key (armored) and certificate (PEM)
//   DELETE /api/v1/address-books/{book}/entries/{address}
//   POST /api/v1/address-books/{book}/import        text/csv → imported count and problems
//   GET  /api/v1/address-books/{book}/export        text/csv (answers in clear; audited)
//   GET  /api/v1/namespaces, POST /api/v1/namespaces   list; create (JSON, logo in base64)
//   GET  /api/v1/namespaces/{name}                  one, with the Message Center's trade-off
//   PATCH /api/v1/namespaces/{name}                 change (the same fields, but the name)
//   /api/v1/clients…                               API clients (clients_api.cc)
//   /api/v1/accounts, /domains, /users             the organisation (org_api.cc)
//   /api/v1/webhooks…                              webhook endpoints (webhooks_api.cc)
//   /api/v1/forms…                                 secure web forms (forms_api.cc)
//   POST /api/v1/namespaces/{name}/accounts/import  {"addresses": [...]} (default: all) copied
//                                                   from the shared pool
// Behind the API's gate (gate.h): clients with the admin scope only (audit:read for the
// trail). Path segments are percent-decoded ("account:Springfield%20Clinic:shared").
#pragma once

#include "api/auth.h"
#include "base/clock.h"
#include "crypto/key_ring.h"
#include "http/router.h"
#include "http/server.h"
#include "policy/address_books.h"
#include "policy/org_directory.h"
#include "store/stores.h"

namespace boost::json {
class object;
}

namespace sealpost {
class Backlog;
}
namespace sealpost::integrations {
class WebhookEndpoints;
}
namespace sealpost::forms {
class FormDirectory;
}

namespace sealpost::api {

// What the webhook endpoints' administration needs.
struct WebhookAdmin {
  WebhookStore* store = nullptr;                        // listing, deliveries
  // made, changed, deleted, rotated, deliveries sent again
  integrations::WebhookEndpoints* endpoints = nullptr;
};

using integrations::CreateClientChecked;

class AdminApi {
 public:
  // `audit` records who exported answers in clear, from where, and when.
  AdminApi(ApiClientStore& clients, policy::OrgDirectory& directory,
           policy::AddressBookDirectory& books, AuditStore& audit, OrgStore& org,
           PortalAccountStore& portal_accounts, const KeyRing& keys, const Clock& clock,
           http::Offloader& offloader)
      : clients_(clients),
        directory_(directory),
        books_(books),
        audit_(audit),
        org_(org),
        portal_accounts_(portal_accounts),
        keys_(keys),
        clock_(clock),
        offloader_(offloader) {}

  // GET /api/v1/queue/backlog: what waits, and whether acceptance slows or refuses.
  // Set before Register.
  void ShowBacklog(const Backlog& backlog) { backlog_ = &backlog; }
  // /api/v1/webhooks…; set before Register.
  void ManageWebhooks(WebhookAdmin webhooks) { webhooks_ = std::move(webhooks); }
  // /api/v1/forms…; set before Register.
  void ManageForms(forms::FormDirectory& forms) { forms_ = &forms; }
  void Register(http::Router& router);

 private:
  void RegisterNamespaces(http::Router& router);  // namespaces_api.cc
  void RegisterAudit(http::Router& router);
  void RegisterClients(http::Router& router);  // clients_api.cc
  void RegisterOrg(http::Router& router);      // org_api.cc
  void RegisterAccounts(http::Router& router);
  void RegisterDomains(http::Router& router);
  void RegisterUsers(http::Router& router);
  void RegisterUserBooks(http::Router& router);
  Status PatchSettings(const boost::json::object& body, OrgLevel level, const std::string& name);
  http::Response PatchLevel(const http::Request& req, OrgLevel level);
  void RegisterWebhooks(http::Router& router);  // webhooks_api.cc
  void RegisterForms(http::Router& router);     // forms_api.cc
  // Replaces a level's own settings with `json`, the change's before and after in the
  // audit record (PUT /settings, PATCH of an account, domain or user).
  Status ReplaceSettings(OrgLevel level, const std::string& name, std::string_view json);
  // Runs `work` off the event loop for an authenticated administrator.
  boost::asio::awaitable<http::Response> AsAdmin(
      http::Request& req, std::function<http::Response(const Principal&)> work);

  ApiClientStore& clients_;
  policy::OrgDirectory& directory_;
  policy::AddressBookDirectory& books_;
  AuditStore& audit_;
  OrgStore& org_;
  PortalAccountStore& portal_accounts_;
  const KeyRing& keys_;
  const Clock& clock_;
  http::Offloader& offloader_;
  const Backlog* backlog_ = nullptr;
  WebhookAdmin webhooks_;
  forms::FormDirectory* forms_ = nullptr;
};

}  // namespace sealpost::api
