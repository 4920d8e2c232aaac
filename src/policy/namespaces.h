// Namespaces (issue 8) as administrators define them: a pool of portal accounts with its
// own branding. What makes one valid lives here, so the CLI and the API refuse the same
// things with the same words.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "store/records.h"

namespace sealpost::policy {

// A namespace name: 1 to 63 of a-z, 0-9 and '-', not starting or ending with '-'.
bool IsNamespaceName(std::string_view name);

// The WCAG contrast ratio of "#rrggbb" against white (1 to 21); 0 when it is not a colour.
double ContrastWithWhite(std::string_view colour);

// Checks `ns` before it is stored, and fills in what follows from it (`logo_type`, from
// the logo's content). kInvalidArgument naming the field: the name; a display name of
// one line, at most 100 characters; an accent colour white text can be read on (4.5:1,
// WCAG 2.1 AA, as the portal's buttons put it); a support contact of one line; host
// names; a PNG or SVG logo of at most 256 KiB.
Status CheckNamespace(NamespaceRecord& ns);

// The audit record's details of a change to a namespace: what it was and became (the
// logo by type and size), {"before": {...}, "after": {...}}.
std::string NamespaceChangeDetails(const NamespaceRecord& before, const NamespaceRecord& after);

// What turning the Message Center on gives up, as administrators are told it (CLI, API).
inline constexpr char kMessageCenterTradeoff[] =
    "Key-in-link mode (Message Center off): nobody but the recipient can open a message; its "
    "key exists only in their link (and answer). Message Center on: the server keeps each new "
    "message's key, wrapped by this namespace's key under the master key, so a signed-in "
    "recipient can open their messages without the link - and so can the server, or anyone "
    "holding its database and master key. A change applies to messages sent from then on; "
    "recipients sign in (login mode) by default.";

}  // namespace sealpost::policy
