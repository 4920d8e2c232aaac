// `sealpost admin …`: the administrator's command line for the organisation model
// (accounts, domains, users, settings at each level, the MX TLS table) and `explain`,
// which shows how a message from one sender to one recipient would be sent, and why.
#pragma once

namespace CLI { class App; }

namespace sealpost {

// Adds the `admin` subcommand tree to `app`; the chosen command runs from its
// callback and leaves its exit status in `exit_code`.
void RegisterAdminCommands(CLI::App& app, int& exit_code);

}  // namespace sealpost
