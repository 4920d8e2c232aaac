// Replies from the portal (reply_pages.cc): the form under a verified copy, and the
// reply sent to the message's sender as a secure message of its own. Internal to the
// portal.
#pragma once

#include <string>

#include "http/router.h"
#include "portal/context.h"
#include "portal/message_pages.h"
#include "portal/writing.h"

namespace sealpost::portal {

class ReplyPages {
 public:
  ReplyPages(PortalContext& ctx, MessagePages& messages, Writing& writing)
      : ctx_(ctx), messages_(messages), writing_(writing) {}
  void Register(http::Router& router);

 private:
  boost::asio::awaitable<http::Response> ReplyForm(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitReply(http::Request& req);
  http::Response ReplyPage(const Brand& brand, const MessagePages::SessionCopy& copy,
                           const std::string& error) const;

  PortalContext& ctx_;
  MessagePages& messages_;
  Writing& writing_;
};

}  // namespace sealpost::portal
