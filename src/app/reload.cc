#include "app/reload.h"

#include <spdlog/spdlog.h>

#include "app/key_rotation.h"
#include "app/logging.h"
#include "net/tls.h"

namespace sealpost {

Reloader::Reloader(const Config& running, net::ServerTls& tls) : running_(running), tls_(tls) {
  auto settings = ReadSettingsText(running.path);
  if (settings.ok()) at_start_ = std::move(*settings);
}

Reloader::Reloader(const Config& running, net::ServerTls& tls, KeyRing& ring, KeyStore& store,
                   const Clock& clock)
    : Reloader(running, tls) {
  ring_ = &ring;
  key_store_ = &store;
  clock_ = &clock;
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
  if (ring_ != nullptr) {
    // The running path: master_key is not a setting a reload changes.
    auto masters = LoadMasterKeys(running_.Resolve(running_.master_key));
    Status reloaded = masters.ok() ? ring_->Reload(*masters) : Status(masters.error());
    if (reloaded.ok()) reloaded = key_store_->PutHolder(ThisHolder(*ring_, *clock_));
    if (reloaded.ok()) {
      outcome.master_key = ring_->newest_key_id();
      outcome.master_keys = ring_->generation_count();
    } else {
      outcome.errors.push_back("master keys not reloaded, those in use stay: " +
                               reloaded.error().ToString());
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
  if (!outcome.master_key.empty()) {
    spdlog::info(
        "reload: sealing with master key {}{}", outcome.master_key,
        outcome.master_keys > 1 ? " (rotation under way: the previous key still opens)" : "");
  }
  spdlog::info("reload: DKIM keys are read for each message; new keys are already in use");
  for (const auto& error : outcome.errors) spdlog::error("reload: {}", error);
  if (!outcome.needs_restart.empty()) {
    std::string names;
    for (const auto& name : outcome.needs_restart) names += (names.empty() ? "" : ", ") + name;
    spdlog::warn("reload: changed settings take effect only after a restart: {}", names);
  }
}

}  // namespace sealpost
