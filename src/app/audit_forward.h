// Forwarding of the audit trail to the organisation's log system (issue 21), so that a
// SIEM holds a copy sealpost cannot alter afterwards: every record, in order, once the
// transaction that wrote it committed, as JSON Lines appended to a file (synced before
// its position is kept) or as RFC 5424 syslog messages over UDP (RFC 5426) or a local
// datagram socket (/dev/log). Delivery is at least once: after a crash the records
// since the last kept position go again; each carries its seq.
// Thread-safety: one thread (the server's PollingWorker).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "store/stores.h"

namespace sealpost {

class AuditSink;

class AuditForwarder {
 public:
  // `target`: "file:PATH", "syslog:udp:HOST:PORT" or "syslog:unix:PATH".
  // kInvalidArgument for anything else.
  static Result<std::unique_ptr<AuditForwarder>> Open(const std::string& target, AuditStore& store);
  ~AuditForwarder();

  // Forwards up to `batch` records not yet forwarded; returns how many went.
  Result<int> RunOnce(int batch = 1000);

 private:
  AuditForwarder(std::string target, AuditStore& store, std::unique_ptr<AuditSink> sink);

  const std::string target_;
  AuditStore& store_;
  std::unique_ptr<AuditSink> sink_;
  bool loaded_ = false;
  std::int64_t through_ = 0;
};

// Checks a target's form, for the configuration ("" is none).
Status CheckAuditForwardTarget(const std::string& target);

}  // namespace sealpost
