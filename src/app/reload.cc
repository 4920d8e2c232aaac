#include "app/reload.h"

#include <spdlog/spdlog.h>

#include "app/logging.h"
#include "net/tls.h"

namespace sealpost {

Reloader::Reloader(const Config& running, net::ServerTls& tls) : running_(running), tls_(tls) {
  auto settings = ReadSettingsText(running.path);
  if (settings.ok()) at_start_ = std::move(*settings);
}

Reloader::Outcome Reloader::Reload() {
  Outcome outcome;
  // The running paths, unless the file (valid as a whole) names others.
  std::string cert_file = running_.Resolve(running_.certificate);
  std::string key_file = running_.Resolve(running_.private_key);
  auto fresh = LoadConfig(running_.path);
  auto settings = ReadSettingsText(running_.path);
  if (!fresh.ok() || !settings.ok()) {
    const Error& error = !fresh.ok() ? fresh.error() : settings.error();
    outcome.errors.push_back("configuration not read (" + error.ToString() +
                             "); certificate reloaded from the paths in use");
  } else {
    cert_file = fresh->Resolve(fresh->certificate);
    key_file = fresh->Resolve(fresh->private_key);
    outcome.log_format = fresh->log_format;
    UseLogFormat(ParseLogFormat(fresh->log_format).value_or(LogFormat::kText));
    for (auto& name : ChangedSettings(at_start_, *settings)) {
      if (name != "tls.certificate" && name != "tls.private_key" && name != "log.format") {
        outcome.needs_restart.push_back(std::move(name));
      }
    }
  }
  auto loaded = tls_.Reload(cert_file, key_file);
  if (loaded.ok()) {
    outcome.certificate = std::move(*loaded);
  } else {
    outcome.errors.push_back("certificate not reloaded, the one in use stays: " +
                             loaded.error().ToString());
  }
  return outcome;
}

void LogReload(const Reloader::Outcome& outcome) {
  if (!outcome.certificate.empty()) {
    spdlog::info("reload: TLS certificate for HTTPS and SMTP reloaded: {}", outcome.certificate);
  }
  if (!outcome.log_format.empty()) spdlog::info("reload: log format {}", outcome.log_format);
  spdlog::info("reload: DKIM keys are read for each message; new keys are already in use");
  for (const auto& error : outcome.errors) spdlog::error("reload: {}", error);
  if (!outcome.needs_restart.empty()) {
    std::string names;
    for (const auto& name : outcome.needs_restart) names += (names.empty() ? "" : ", ") + name;
    spdlog::warn("reload: changed settings take effect only after a restart: {}", names);
  }
}

}  // namespace sealpost
