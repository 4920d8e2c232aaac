#include "policy/portal_registry.h"

#include "store/stores.h"

namespace sealpost::policy {

bool StoredPortalAccounts::HasAccount(std::string_view namespace_name, std::string_view address) const {
  auto found = store_.FindByAddress(std::string(namespace_name), std::string(address));
  return found.ok() && found->has_value() && (*found)->confirmed_at.has_value();
}

}  // namespace sealpost::policy
