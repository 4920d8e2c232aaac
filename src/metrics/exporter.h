// The metrics listener: plain HTTP, GET /metrics only, on its own address and port
// (loopback unless configured otherwise), the way Prometheus scrapes a mail server's
// exporter. With a bearer token configured, a scrape must carry it
// ("Authorization: Bearer ..."; Prometheus's `authorization` setting), compared in
// constant time. Limits: a small request header, 10 s for the whole exchange, one
// request per connection, at most 16 connections at once.
// Threading: its own thread and event loop; rendering (which runs the collectors, and
// they read the database) happens there, one scrape at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"

namespace sealpost::metrics {

class Registry;

struct ExporterOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 9469;  // 0: any free port (tests)
  std::string bearer_token;   // empty: none asked
};

class Exporter {
 public:
  // Binds and starts serving on its own thread; a clear error when it cannot listen.
  static Result<std::unique_ptr<Exporter>> Start(ExporterOptions options, Registry& registry);
  ~Exporter();  // stops serving and joins the thread

  std::uint16_t port() const;

 private:
  struct Impl;
  explicit Exporter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sealpost::metrics
