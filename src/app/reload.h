// What SIGHUP reloads while sealpost runs: the TLS certificate and key of every
// listener (a renewed certificate, or new paths in [tls]), the log format, and the
// master keys (a rotation started, or ended: app/key_rotation.h). DKIM
// keys need nothing: they
// are read from the database for each message. Every other setting is read once at
// start; a reload names those that changed in the file, which need a restart.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"

namespace sealpost {

class Clock;
class KeyRing;
class KeyStore;

namespace net {
class ServerTls;
}

class Reloader {
 public:
  // Reads the running configuration's file, the baseline later reloads compare with.
  Reloader(const Config& running, net::ServerTls& tls);
  // Master keys too: reloaded into `ring`, and the key this process now seals with
  // recorded in `store` (a rotation waits for every process to seal with the new key).
  Reloader(const Config& running, net::ServerTls& tls, KeyRing& ring, KeyStore& store,
           const Clock& clock);

  struct Outcome {
    std::string certificate;                // the one now in use; "" when not reloaded
    std::string log_format;                 // the format now in use
    std::string master_key;                 // the id of the key sealing now; "" when not reloaded
    std::size_t master_keys = 0;            // how many keys open (2 while a rotation is under way)
    std::vector<std::string> errors;        // why something was not reloaded
    std::vector<std::string> needs_restart; // settings changed in the file
  };
  // Loads the file and the certificate again; the certificate in use stays on an error.
  Outcome Reload();

 private:
  const Config& running_;
  net::ServerTls& tls_;
  KeyRing* ring_ = nullptr;
  KeyStore* key_store_ = nullptr;
  const Clock* clock_ = nullptr;
  SettingsText at_start_;  // empty when the file could not be read at start
};

// The log lines for an outcome ("reloaded ...", "needs a restart: ...").
void LogReload(const Reloader::Outcome& outcome);

}  // namespace sealpost
