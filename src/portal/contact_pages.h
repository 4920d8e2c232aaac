// A campaign's contacts on the portal (issue 25), in the brand of the host they came to:
// /u/{token}, their preferences (which lists they stay on, or nothing at all), where
// RFC 8058's one-click POST ("List-Unsubscribe=One-Click", no cookie, no page) lands
// too; /t/o/{token}, the pixel that counts an open; /t/c/{token}, a link that counts a
// click and sends them on to the address the token carries (only addresses we wrote
// into a message: campaigns/tracking.h). The tokens are the whole authority; log lines
// name route patterns only. Internal to the portal.
#pragma once

#include "http/router.h"
#include "portal/campaign_services.h"
#include "portal/context.h"

namespace sealpost::portal {

class ContactPages {
 public:
  ContactPages(PortalContext& ctx, CampaignServices services) : ctx_(ctx), services_(services) {}
  void Register(http::Router& router);

 private:
  boost::asio::awaitable<http::Response> PreferencesPage(http::Request& req);
  boost::asio::awaitable<http::Response> SavePreferences(http::Request& req);
  boost::asio::awaitable<http::Response> Pixel(http::Request& req);
  boost::asio::awaitable<http::Response> Click(http::Request& req);

  PortalContext& ctx_;
  CampaignServices services_;
};

}  // namespace sealpost::portal
