// A contact's way out (issue 25): GET /u/{token} shows one button; POST /u/{token}
// takes them off the campaign's list at once — what RFC 8058's one-click
// List-Unsubscribe-Post does from the mail program (body "List-Unsubscribe=One-Click",
// no cookie, no page), and what the button does from the page. The token is the whole
// authority (MAC-bound to the campaign and contact): no sign-in, and routes are logged
// by pattern, never with it.
#pragma once

#include <string>

namespace sealpost::http {
class Offloader;
class Router;
}  // namespace sealpost::http

namespace sealpost::campaigns {

class Campaigns;

void RegisterUnsubscribePages(http::Router& router, http::Offloader& offloader,
                              Campaigns& campaigns, std::string organisation);

}  // namespace sealpost::campaigns
