#include "campaigns/unsubscribe_page.h"

#include <spdlog/spdlog.h>

#include "campaigns/campaigns.h"
#include "http/router.h"
#include "http/server.h"

namespace sealpost::campaigns {
namespace {

http::Response Page(int status, const std::string& organisation, const std::string& heading,
                    const std::string& body) {
  return http::HtmlResponse(
      status,
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta "
      "name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
          http::EscapeHtml(heading) + " — " + http::EscapeHtml(organisation) +
          "</title><link rel=\"stylesheet\" href=\"/static/portal.css\"></head><body>"
          "<main><h1>" +
          http::EscapeHtml(heading) + "</h1>" + body + "</main></body></html>");
}

}  // namespace

void RegisterUnsubscribePages(http::Router& router, http::Offloader& offloader,
                              Campaigns& campaigns, std::string organisation) {
  router.Add("GET", "/u/{token}",
             [organisation](http::Request& req) -> boost::asio::awaitable<http::Response> {
               // No token of ours is longer; a longer one is not put back on the page.
               if (req.params[0].size() > 200) {
                 co_return Page(404, organisation, "This link does not work",
                                "<p>It may have been copied incompletely.</p>");
               }
               // The button posts to this same address: the token is in the path, never in a form
               // field a page could be tricked into sending elsewhere.
               co_return Page(
                   200, organisation, "Stop these messages",
                   "<p>You will get no more messages of this kind from " +
                       http::EscapeHtml(organisation) + ".</p><form method=\"post\" action=\"/u/" +
                       http::EscapeHtml(req.params[0]) +
                       "\"><input type=\"hidden\" name=\"List-Unsubscribe\" "
                       "value=\"One-Click\"><button type=\"submit\">Unsubscribe</button></form>");
             });
  router.Add(
      "POST", "/u/{token}",
      [&offloader, &campaigns,
       organisation](http::Request& req) -> boost::asio::awaitable<http::Response> {
        auto done = co_await http::Offload<bool>(offloader, [&]() -> Result<bool> {
          auto s = campaigns.Unsubscribe(req.params[0], req.client_address);
          if (!s.ok()) return std::move(s).error();
          return true;
        });
        if (!done.ok()) {
          if (done.error().code == ErrorCode::kNotFound) {
            co_return Page(404, organisation, "This link does not work",
                           "<p>It may have been copied incompletely.</p>");
          }
          if (done.error().code != ErrorCode::kUnavailable) {
            spdlog::error("campaigns[{}]: an unsubscribe failed: {}", req.id,
                          done.error().ToString());
          }
          co_return Page(503, organisation, "Please try again",
                         "<p>We could not do this just now.</p>");
        }
        co_return Page(200, organisation, "You are unsubscribed",
                       "<p>You will get no more messages of this kind from " +
                           http::EscapeHtml(organisation) + ".</p>");
      },
      http::BodyMode::kBuffered, 4 * 1024);
}

}  // namespace sealpost::campaigns
