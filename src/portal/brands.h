// The namespaces' branding as the portal shows it (issue 8): each page is dressed in
// the brand of the message it belongs to, or, for pages that belong to no message
// (the landing page, sign-in to an account, password reset), of the namespace whose
// host name the browser asked for. Pages render on the event loop, so the brands are
// kept as an immutable snapshot of every namespace, read again off the loop when it
// is `max_age_seconds` old or lacks a namespace a page asks for (one created since).
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "store/records.h"

namespace sealpost {
class OrgStore;
}

namespace sealpost::portal {

struct Brand {
  std::string name;             // the namespace; "" the shared default
  std::string display_name;     // the organisation, as every page names it
  std::string support;          // how recipients reach its help; may be empty
  bool styled = false;          // it has an accent colour: /brand/{name}/style.css
  bool logo = false;            // it has a logo: /brand/{name}/logo
  bool message_center = false;  // its recipients have a Message Center (issue 8)
};

class BrandBook {
 public:
  BrandBook(OrgStore& org, std::string organisation, const Clock& clock,
            std::int64_t max_age_seconds = 5);

  // Whether Reload() is due before showing `namespace_name` (or a host's page).
  bool Stale(const std::string& namespace_name = {}) const;
  // Blocking: reads every namespace. On error the previous snapshot stays.
  Status Reload();

  // The brand of a namespace; the server's own for "" and for unknown names.
  Brand ForNamespace(const std::string& namespace_name) const;
  // The namespace whose host name is the request's Host (port stripped,
  // case-insensitive), or "" for any other host.
  std::string NamespaceOfHost(std::string_view host_header) const;
  // "/brand/{name}/style.css": the accent colour over the shared stylesheet.
  std::optional<std::string> Stylesheet(const std::string& namespace_name) const;
  // The stored logo and its type ("image/png", "image/svg+xml").
  std::optional<std::pair<std::string, std::string>> Logo(const std::string& namespace_name) const;

 private:
  struct Snapshot {
    std::map<std::string, NamespaceRecord> by_name;
    std::map<std::string, std::string> by_host;  // lower-case host → namespace
    std::int64_t loaded_at = 0;
  };
  std::shared_ptr<const Snapshot> Current() const;

  OrgStore& org_;
  const std::string organisation_;
  const Clock& clock_;
  const std::int64_t max_age_seconds_;
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_;  // null until the first Reload
};

// The host of a Host header value: "Portal.Example:8443" → "portal.example",
// "[::1]:8443" → "[::1]".
std::string HostOnly(std::string_view host_header);

}  // namespace sealpost::portal
