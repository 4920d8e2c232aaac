// Tools for anyone who comes to the portal (tool_pages.cc): "Was it encrypted?" — paste
// a message's header and see each Received hop, oldest first, as a table and a small
// path diagram (issue 26; the analysis is received/received.h). Internal to the portal.
#pragma once

#include <string>

#include "http/router.h"
#include "portal/context.h"

namespace sealpost::received {
struct Path;
}

namespace sealpost::portal {

class ToolPages {
 public:
  explicit ToolPages(PortalContext& ctx) : ctx_(ctx) {}
  void Register(http::Router& router);

 private:
  boost::asio::awaitable<http::Response> Form(http::Request& req);
  boost::asio::awaitable<http::Response> Check(http::Request& req);
  http::Response Page(const Brand& brand, int status, const std::string& headers,
                      const received::Path* path, const std::string& error) const;

  PortalContext& ctx_;
};

}  // namespace sealpost::portal
