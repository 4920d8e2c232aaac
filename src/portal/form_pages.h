// Secure web forms as the public meets them (issue 24): /f/{form} on the form's
// namespace host. The page has every step of the form in it: with its script
// (static/form.js) a person sees one step at a time and the browser works the proof of
// work out in the background; without it, the steps show one under another and the
// form still works, held to a much tighter budget (forms/challenge.h). The POST streams
// in: each file goes straight into the escrow draft and into the kept submission's
// sealed blob (forms/kept.h), nothing in clear, and the checks that cost least come
// first — the rates, where the form was sent from, the honeypot, the challenge — before
// the values are checked and the submission is sealed, kept and sent to the form's
// recipients by the one road (RecipientPlanner with never_in_clear, Dispatcher).
// Internal to the portal.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/rate_limit.h"
#include "forms/challenge.h"
#include "forms/definition.h"
#include "http/router.h"
#include "portal/context.h"
#include "store/records.h"

namespace sealpost {
class BlobStore;
class FormStore;
class QueueStore;
}  // namespace sealpost
namespace sealpost::forms {
class FormDirectory;
class RequestDesk;
}

namespace sealpost::portal {

// How much the public may send. Rates are per hour (token buckets: a burst up to the
// figure, then that many an hour).
struct FormLimits {
  int per_client_per_hour = 20;      // from one client address, every form together
  int per_form_per_hour = 600;       // to one form, from everyone
  int without_script_per_hour = 20;  // to one form, from pages whose script did not run
  forms::ChallengeRules challenge;   // proof of work, fastest and slowest fill
};

struct FormServices {
  forms::FormDirectory* directory = nullptr;
  FormStore* store = nullptr;
  BlobStore* blobs = nullptr;
  FormLimits limits;
  // Receipts to the people who send forms that offer them: queued from `mail_from`,
  // the queue's runner woken.
  QueueStore* queue = nullptr;
  std::string mail_from;
  std::function<void()> notify_queue;
  // Secure requests: their one-off pages at /q/{token}, answered the same way.
  forms::RequestDesk* requests = nullptr;
};

class FormPages {
 public:
  FormPages(PortalContext& ctx, FormServices services) : ctx_(ctx), services_(services) {}
  void Register(http::Router& router);

  // Its rate limits (Portal::limits): by client address, by form, and by form for
  // browsers without script.
  RateLimiter& client_rates() { return client_rates_; }
  RateLimiter& form_rates() { return form_rates_; }
  RateLimiter& scriptless_rates() { return scriptless_rates_; }

 private:
  // A form found for this request's host, with its definition read; or a secure
  // request's page, as a form of one step sent to its requester.
  struct Found {
    Brand brand;
    std::optional<FormRecord> form;
    forms::Definition definition;
    std::optional<FormRequestRecord> request;
    std::string token;                      // the request's link token (its page posts back to it)
    std::string note;                       // what the requester asks for
    std::optional<http::Response> refused;  // not here, or the server too busy
  };
  boost::asio::awaitable<Found> Find(http::Request& req);
  boost::asio::awaitable<Found> FindRequest(http::Request& req);

  // What the page shows again after a refusal: the values sent, the problems by field.
  struct Shown {
    std::map<std::string, std::string> values;
    std::vector<forms::FieldProblem> problems;
    std::string error;  // above the form
  };
  http::Response FormPage(const Found& found, int status, const Shown& shown) const;

  boost::asio::awaitable<http::Response> Show(http::Request& req);
  boost::asio::awaitable<http::Response> Submit(http::Request& req);
  boost::asio::awaitable<http::Response> ShowRequest(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitRequest(http::Request& req);
  // Reads, checks, keeps and sends what was posted to `found`.
  boost::asio::awaitable<http::Response> Receive(http::Request& req, Found& found);
  boost::asio::awaitable<http::Response> Sent(http::Request& req);

  // The key the challenges are made with (from the CSRF purpose key).
  SecretBytes ChallengeKey() const;

  PortalContext& ctx_;
  FormServices services_;
  RateLimiter client_rates_;
  RateLimiter form_rates_;
  RateLimiter scriptless_rates_;
};

}  // namespace sealpost::portal
