// A message written in the portal — a reply to a message, or a new one from the
// Message Center (writing.cc): its multipart form parsed as it streams in, files going
// straight into an escrow draft's encrypted attachments (a 100 MB upload is never held
// in memory), then sent by the road every way in takes (RecipientPlanner, Dispatcher).
// Internal to the portal.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "portal/context.h"

namespace sealpost::portal {

// The fields of a reply or new-message form (the files go into a draft).
struct UploadForm {
  std::string csrf, text, to, subject;
  std::map<std::string, std::string> extra;  // the fields a form names beyond these
};

class Writing {
 public:
  explicit Writing(PortalContext& ctx) : ctx_(ctx) {}

  // A multipart form streamed in: its fields, and its files in a draft. `extra_fields`:
  // the names the form may have beyond csrf, text, to and subject (each up to 16 KiB);
  // any other refuses it.
  struct Upload {
    Status status;
    std::unique_ptr<Draft> draft;
    UploadForm form;
  };
  boost::asio::awaitable<Upload> ReadUpload(http::Request& req,
                                            const std::set<std::string>& extra_fields = {});
  // The page to answer with when the upload cannot be sent: `again` shows the form with
  // an error; a bad CSRF token (of `purpose`, bound to `binding`) gets a refusal.
  std::optional<http::Response> UploadRefused(
      const Brand& brand, const Upload& up,
      const std::function<http::Response(const std::string&)>& again, std::string_view purpose,
      const std::string& binding) const;
  // A reply or a new message written here, its files already in `draft`, sent as any
  // other submission is. Blocking: call it off the event loop. Returns its message id.
  Result<std::string> SendWritten(const PortalMessage& message, const std::string& text,
                                  std::unique_ptr<Draft> draft, const std::string& client_address);

 private:
  PortalContext& ctx_;
};

}  // namespace sealpost::portal
