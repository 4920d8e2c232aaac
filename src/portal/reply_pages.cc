// Replies from the portal: a form under the verified copy (text and files, no script
// needed), its upload read by Writing, then sent to the message's sender as a secure
// message of its own.
#include "portal/reply_pages.h"

#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include "base/text.h"
#include "crypto/primitives.h"
#include "portal/common.h"
#include "policy/recipient_planner.h"
#include "submission/dispatcher.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

void ReplyPages::Register(http::Router& router) {
  router.Add("GET", "/r/{rid}/reply", [this](http::Request& r) { return ReplyForm(r); });
  // The upload's limit: the attachments, the text and the multipart framing.
  router.Add("POST", "/r/{rid}/reply", [this](http::Request& r) { return SubmitReply(r); },
             http::BodyMode::kStreamed, ctx_.settings.max_reply_bytes + 1024 * 1024);
}

Response ReplyPages::ReplyPage(const Brand& brand, const MessagePages::SessionCopy& copy,
                           const std::string& error) const {
  return ctx_.Page(brand, error.empty() ? 200 : 400, "reply.tpl", "Reply",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("RID", copy.link.recipient.id);
                d.SetValue("SENDER", copy.link.message.sender);
                const std::string& subject = copy.manifest.subject;
                d.SetValue("SUBJECT", subject.rfind("Re: ", 0) == 0 ? subject : "Re: " + subject);
                d.SetValue("CSRF", ctx_.FormToken("reply", copy.session_token));
                d.SetValue("MAX", HumanSize(ctx_.settings.max_reply_bytes));
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

awaitable<Response> ReplyPages::ReplyForm(http::Request& req) {
  MessagePages::SessionCopy copy = co_await messages_.OpenSessionCopy(req, true);
  if (copy.refused) co_return std::move(*copy.refused);
  const Brand& brand = copy.brand;
  co_return ReplyPage(brand, copy, "");
}

awaitable<Response> ReplyPages::SubmitReply(http::Request& req) {
  // Who is replying is settled before a byte of the upload is read.
  MessagePages::SessionCopy copy = co_await messages_.OpenSessionCopy(req, true);
  if (copy.refused) co_return std::move(*copy.refused);
  const Brand& brand = copy.brand;
  Writing::Upload up = co_await writing_.ReadUpload(req);
  auto again = [&](const std::string& error) { return ReplyPage(brand, copy, error); };
  if (auto refused = writing_.UploadRefused(brand, up, again, "reply", copy.session_token)) {
    co_return std::move(*refused);
  }
  std::optional<Result<std::string>> sent;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        sent.emplace(writing_.SendWritten(ctx_.escrow.ReplyTo(copy.link, copy.manifest.subject), up.form.text,
                                 std::move(up.draft), req.client_address));
      })) {
    co_return std::move(*busy);
  }
  if (!sent->ok()) {
    spdlog::error("portal[{}]: reply for {} not sent: {}", req.id, copy.link.recipient.id,
                  sent->error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Your reply was not sent", "Something went wrong on our side.",
                        "Please try again in a moment.");
  }
  spdlog::info("portal[{}]: recipient {} replied: message {}", req.id, copy.link.recipient.id,
               **sent);
  co_return ctx_.InfoPage(brand, "Your reply was sent",
                     {"It is on its way to " + copy.link.message.sender + " as a secure message."},
                     "/r/" + copy.link.recipient.id, "Back to the message");
}

}  // namespace sealpost::portal
