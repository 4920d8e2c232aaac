#include "policy/portal_registry.h"

#include "store/stores.h"

namespace sealpost::policy {

bool StoredPortalAccounts::HasAccount(std::string_view address) const {
  auto found = store_.FindByAddress("", std::string(address));  // the shared pool (issue 8: per namespace)
  return found.ok() && found->has_value() && (*found)->confirmed_at.has_value();
}

}  // namespace sealpost::policy
