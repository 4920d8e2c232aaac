// Who may do what in the web console (issue 22), decided here and nowhere else: each
// console route names the area it belongs to, and a user's role reaches some areas.
// The server checks it on every request (console.cc); pages only hide what a role
// cannot reach, they never decide it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealpost::console {

enum class Role {
  kNone,         // no console sign-in
  kSender,       // sends as themselves, sees their own messages and book
  kAuditor,      // reads the audit trail and reports only
  kDomainAdmin,  // runs their own domain: its users, books and settings
  kOrgAdmin,     // runs the organisation
};

// "", "sender", "auditor", "domain-admin", "org-admin" (UserRecord::console_role).
std::optional<Role> ParseRole(std::string_view name);
const char* RoleName(Role role);
// How a person reads it: "sender", "auditor", "domain administrator", ….
const char* RoleTitle(Role role);

enum class Area {
  kSelf,          // their own sign-in: home, password, two-step, sign-out
  kTools,         // tools anyone may use (the Received-header analyser)
  kSend,          // compose and their sent messages
  kAudit,         // the audit trail and reports
  kDomain,        // their domain's users, books and settings
  kOrganisation,  // accounts, domains, every user, namespaces, keys, clients
};
const char* AreaName(Area area);

bool Reaches(Role role, Area area);

}  // namespace sealpost::console
