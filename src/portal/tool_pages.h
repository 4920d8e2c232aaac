// Tools for anyone who comes to the portal (tool_pages.cc): "Was it encrypted?" — paste
// a message's header and see each Received hop, oldest first, as a table and a small
// path diagram (issue 26; the analysis is received/received.h). Internal to the portal.
#pragma once

#include <optional>
#include <string>

#include "http/router.h"
#include "portal/context.h"
#include "received/received.h"

namespace sealpost::portal {

class ToolPages {
 public:
  // A form-encoded header is at most three times its size (every byte escaped).
  static constexpr std::uint64_t kMaxFormBytes = 3 * received::kMaxHeaderBytes + 1024;

  explicit ToolPages(PortalContext& ctx) : ctx_(ctx) {}
  void Register(http::Router& router);

  // A posted header, analysed (off the event loop): the page's status, what was pasted,
  // the path or why there is none. The console shows it in its own frame (console_pages.h).
  struct Outcome {
    int status = 200;
    std::string headers;
    std::optional<received::Path> path;
    std::string error;
    std::optional<http::Response> busy;  // the server was too busy to analyse it
  };
  boost::asio::awaitable<Outcome> Analyse(http::Request& req, const Brand& brand);
  // received.tpl's values for `outcome` (its ACTION is the caller's).
  void Fill(ctemplate::TemplateDictionary& d, const Outcome& outcome) const;

 private:
  boost::asio::awaitable<http::Response> Form(http::Request& req);
  boost::asio::awaitable<http::Response> Check(http::Request& req);
  http::Response Page(const Brand& brand, const Outcome& outcome) const;

  PortalContext& ctx_;
};

}  // namespace sealpost::portal
