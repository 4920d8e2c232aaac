#include "app/audit_forward.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "audit/export.h"

namespace sealpost {

// Where forwarded records go.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual Status Write(const audit::AuditRecord& record) = 0;
  // After a batch: what was written is kept (a file is synced).
  virtual Status Flush() = 0;
};

namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class FileSink final : public AuditSink {
 public:
  static Result<std::unique_ptr<AuditSink>> Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
      return MakeError(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
    }
    return std::unique_ptr<AuditSink>(new FileSink(path, fd));
  }

  Status Write(const audit::AuditRecord& record) override {
    pending_ += audit::RecordJson(record);
    pending_ += '\n';
    return OkStatus();
  }

  Status Flush() override {
    std::size_t done = 0;
    while (done < pending_.size()) {
      ssize_t n = ::write(fd_.get(), pending_.data() + done, pending_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return MakeError(ErrorCode::kIo, "cannot write " + path_);
      done += static_cast<std::size_t>(n);
    }
    pending_.clear();
    if (::fdatasync(fd_.get()) != 0) return MakeError(ErrorCode::kIo, "cannot sync " + path_);
    return OkStatus();
  }

 private:
  FileSink(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  const std::string path_;
  Fd fd_;
  std::string pending_;
};

class SyslogSink final : public AuditSink {
 public:
  static Result<std::unique_ptr<AuditSink>> Open(const std::string& where) {
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    if (where.rfind("unix:", 0) == 0) {
      const std::string path = where.substr(5);
      sockaddr_un addr{};
      if (path.empty() || path.size() >= sizeof addr.sun_path) {
        return MakeError(ErrorCode::kInvalidArgument, "a socket path is needed", "forward");
      }
      addr.sun_family = AF_UNIX;
      std::memcpy(addr.sun_path, path.c_str(), path.size());
      int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return MakeError(ErrorCode::kIo, "cannot make a socket");
      auto sink = std::unique_ptr<SyslogSink>(new SyslogSink(host, fd));
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        return MakeError(ErrorCode::kUnavailable,
                         "cannot reach " + path + ": " + std::strerror(errno));
      }
      return std::unique_ptr<AuditSink>(std::move(sink));
    }
    // udp:HOST:PORT (HOST may be an IPv6 literal in brackets).
    const std::string rest = where.substr(4);
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return MakeError(ErrorCode::kInvalidArgument, "syslog:udp:HOST:PORT is needed", "forward");
    }
    std::string name = rest.substr(0, colon);
    if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
      name = name.substr(1, name.size() - 2);
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(name.c_str(), rest.substr(colon + 1).c_str(), &hints, &found) != 0 ||
        found == nullptr) {
      return MakeError(ErrorCode::kUnavailable, "cannot resolve " + rest);
    }
    int fd = ::socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int connected = fd < 0 ? -1 : ::connect(fd, found->ai_addr, found->ai_addrlen);
    ::freeaddrinfo(found);
    auto sink = std::unique_ptr<SyslogSink>(new SyslogSink(host, fd));
    if (fd < 0 || connected != 0) return MakeError(ErrorCode::kIo, "cannot reach " + rest);
    return std::unique_ptr<AuditSink>(std::move(sink));
  }

  Status Write(const audit::AuditRecord& record) override {
    const std::string message = audit::SyslogMessage(record, host_, ::getpid());
    if (::send(fd_.get(), message.data(), message.size(), 0) < 0) {
      return MakeError(ErrorCode::kUnavailable,
                       std::string("syslog did not take a record: ") + std::strerror(errno));
    }
    return OkStatus();
  }
  Status Flush() override { return OkStatus(); }

 private:
  SyslogSink(std::string host, int fd) : host_(std::move(host)), fd_(fd) {}
  const std::string host_;
  Fd fd_;
};

}  // namespace

Status CheckAuditForwardTarget(const std::string& target) {
  if (target.empty()) return OkStatus();
  if ((target.rfind("file:", 0) == 0 && target.size() > 5) ||
      (target.rfind("syslog:unix:", 0) == 0 && target.size() > 12) ||
      (target.rfind("syslog:udp:", 0) == 0 && target.find(':', 11) != std::string::npos)) {
    return OkStatus();
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "must be \"file:PATH\", \"syslog:udp:HOST:PORT\" or \"syslog:unix:PATH\"",
                   "forward");
}

Result<std::unique_ptr<AuditForwarder>> AuditForwarder::Open(const std::string& target,
                                                             AuditStore& store) {
  if (auto checked = CheckAuditForwardTarget(target); !checked.ok() || target.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "not a forwarding target", "forward");
  }
  auto sink = target.rfind("file:", 0) == 0 ? FileSink::Open(target.substr(5))
                                            : SyslogSink::Open(target.substr(7));
  if (!sink.ok()) return std::move(sink).error();
  return std::unique_ptr<AuditForwarder>(new AuditForwarder(target, store, std::move(*sink)));
}

AuditForwarder::AuditForwarder(std::string target, AuditStore& store,
                               std::unique_ptr<AuditSink> sink)
    : target_(std::move(target)), store_(store), sink_(std::move(sink)) {}

AuditForwarder::~AuditForwarder() = default;

Result<int> AuditForwarder::RunOnce(int batch) {
  if (!loaded_) {
    auto through = store_.ForwardedThrough(target_);
    if (!through.ok()) return std::move(through).error();
    through_ = *through;
    loaded_ = true;
  }
  auto records = store_.Read(through_, batch);
  if (!records.ok()) return std::move(records).error();
  if (records->empty()) return 0;
  for (const auto& r : *records) {
    if (auto written = sink_->Write(r); !written.ok()) return std::move(written).error();
  }
  if (auto flushed = sink_->Flush(); !flushed.ok()) return std::move(flushed).error();
  through_ = records->back().seq;
  if (auto kept = store_.SetForwardedThrough(target_, through_); !kept.ok()) {
    return std::move(kept).error();
  }
  return static_cast<int>(records->size());
}

}  // namespace sealpost
