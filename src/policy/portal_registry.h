// The policy engine's view of portal accounts (order step 4: escrow by login when the
// recipient already has an account): confirmed accounts in the store.
#pragma once

#include "policy/selection.h"

namespace sealpost {
class PortalAccountStore;
}

namespace sealpost::policy {

class StoredPortalAccounts final : public PortalRegistry {
 public:
  explicit StoredPortalAccounts(PortalAccountStore& store) : store_(store) {}
  // Confirmed accounts only: an unconfirmed registration proves nothing yet. A store
  // that cannot be read counts as no account (the walk goes on to the next step).
  bool HasAccount(std::string_view namespace_name, std::string_view address) const override;

 private:
  PortalAccountStore& store_;
};

}  // namespace sealpost::policy
