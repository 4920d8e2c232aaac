// `sealpost init` and the dev-mode start: create a data directory (configuration,
// master key, TLS certificate, database, organisation signing key, first API key),
// and keep the development credentials file.
#pragma once

#include <string>

#include "app/config.h"
#include "base/result.h"

namespace sealpost {

struct InitResult {
  std::string config_path;
  std::string api_key;  // "id:secret", shown once; only its hash is stored
};

// Fails if `dir` already holds a configuration. `database`: "" for SQLite in `dir`, or a
// PostgreSQL URI (several nodes: the first node's init makes the schema, its keys and
// first API key; the others are given a copy of its configuration and master key).
Result<InitResult> InitDataDir(const std::string& dir, bool dev, const std::string& database = "");

// For `serve --dev`: the dev API key from <data>/dev-credentials when it still works,
// otherwise a new one, written there (mode 0600, NAME=value lines).
// Also a demo sending user (demo@localhost, in account "demo") with an SMTP password, so
// mail programs can submit: kept when the file's password still works.
struct DevCredentials {
  std::string api_key;
  std::string smtp_user;
  std::string smtp_password;
};
Result<DevCredentials> EnsureDevCredentials(const Config& config, const std::string& data_dir);

}  // namespace sealpost
