#include "console/roles.h"

namespace sealpost::console {

std::optional<Role> ParseRole(std::string_view name) {
  if (name.empty() || name == "none") return Role::kNone;
  if (name == "sender") return Role::kSender;
  if (name == "auditor") return Role::kAuditor;
  if (name == "domain-admin") return Role::kDomainAdmin;
  if (name == "org-admin") return Role::kOrgAdmin;
  return std::nullopt;
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kNone:
      return "";
    case Role::kSender:
      return "sender";
    case Role::kAuditor:
      return "auditor";
    case Role::kDomainAdmin:
      return "domain-admin";
    case Role::kOrgAdmin:
      return "org-admin";
  }
  return "";
}

const char* RoleTitle(Role role) {
  switch (role) {
    case Role::kNone:
      return "no console access";
    case Role::kSender:
      return "sender";
    case Role::kAuditor:
      return "auditor";
    case Role::kDomainAdmin:
      return "domain administrator";
    case Role::kOrgAdmin:
      return "organisation administrator";
  }
  return "";
}

const char* AreaName(Area area) {
  switch (area) {
    case Area::kSelf:
      return "self";
    case Area::kTools:
      return "tools";
    case Area::kSend:
      return "send";
    case Area::kAudit:
      return "audit";
    case Area::kDomain:
      return "domain";
    case Area::kOrganisation:
      return "organisation";
  }
  return "";
}

bool Reaches(Role role, Area area) {
  switch (area) {
    case Area::kSelf:
    case Area::kTools:
      return role != Role::kNone;
    // Administrators send too; an auditor only reads.
    case Area::kSend:
      return role == Role::kSender || role == Role::kDomainAdmin || role == Role::kOrgAdmin;
    case Area::kAudit:
      return role == Role::kAuditor || role == Role::kOrgAdmin;
    case Area::kDomain:
      return role == Role::kDomainAdmin || role == Role::kOrgAdmin;
    case Area::kOrganisation:
      return role == Role::kOrgAdmin;
  }
  return false;
}

}  // namespace sealpost::console
