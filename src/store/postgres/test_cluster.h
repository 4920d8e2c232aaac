// A PostgreSQL cluster of a test's own: initdb in a temporary directory, the server on
// loopback on a free port (and a Unix socket in that directory), stopped and removed when
// the object goes. Debian's PostgreSQL binaries (/usr/lib/postgresql/<version>/bin, or
// $SEALPOST_PG_BIN). PostgreSQL refuses to run as root: as root, the server runs as the
// `postgres` user that Debian's package creates.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "base/result.h"

namespace sealpost::pg {

class TestCluster {
 public:
  static Result<std::unique_ptr<TestCluster>> Start();
  ~TestCluster();
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  // A new, empty database in the cluster; its libpq conninfo.
  Result<std::string> CreateDatabase(const std::string& name);
  // The conninfo of a database of the cluster, by its Unix socket (the server listens on
  // 127.0.0.1:port() too).
  std::string conninfo(const std::string& database = "postgres") const;
  int port() const { return port_; }

 private:
  TestCluster() = default;
  std::string dir_;
  std::string bin_;
  int port_ = 0;
  pid_t server_ = -1;
};

}  // namespace sealpost::pg
