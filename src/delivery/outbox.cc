#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "delivery/target.h"

namespace sealpost {
namespace {

class OutboxTarget final : public DeliveryTarget {
 public:
  explicit OutboxTarget(std::string dir) : dir_(std::move(dir)) {}

  void Deliver(OutboundMessage m, Done done) override {
    std::vector<RecipientResult> results;
    for (const auto& r : m.recipients) {
      DeliveryReport report;
      report.started_at = std::time(nullptr);
      Status filed = File(m, r);
      report.finished_at = std::time(nullptr);
      report.outcome = filed.ok() ? DeliveryReport::Outcome::kDelivered
                                  : DeliveryReport::Outcome::kDeferred;
      report.reply = filed.ok() ? "filed in the outbox" : filed.error().message;
      report.authentication = "none";
      results.push_back({r.queue_id, std::move(report)});
    }
    done(std::move(results));
  }

 private:
  Status File(const OutboundMessage& m, const OutboundRecipient& r) {
    std::string name = std::to_string(std::time(nullptr)) + "-" + r.queue_id + ".eml";
    std::string tmp = dir_ + "/." + name + ".tmp";
    auto content = m.content->Open();
    if (!content.ok()) return std::move(content).error();
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Fail("create " + tmp);
    auto give_up = [&](const std::string& what) {
      Error error = Fail(what);
      ::close(fd);
      ::unlink(tmp.c_str());
      return error;
    };
    std::string piece = "X-Sealpost-Envelope-From: <" + m.mail_from + ">\r\n" +
                        "X-Sealpost-Envelope-To: <" + r.address + ">\r\n" + m.prefix;
    for (bool more = true; more;) {
      if (!WriteAll(fd, piece)) return give_up("write " + tmp);
      auto next = (*content)->Next(piece);
      if (!next.ok()) {
        (void)give_up("read");
        return std::move(next).error();
      }
      more = *next;
    }
    bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced || ::rename(tmp.c_str(), (dir_ + "/" + name).c_str()) != 0) {
      ::unlink(tmp.c_str());
      return Fail("store " + name);
    }
    return OkStatus();
  }

  static bool WriteAll(int fd, std::string_view rest) {
    while (!rest.empty()) {
      ssize_t n = ::write(fd, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  static Error Fail(const std::string& what) {
    return MakeError(ErrorCode::kIo, "outbox: " + what + ": " + std::strerror(errno));
  }
  std::string dir_;
};

}  // namespace

Result<std::unique_ptr<DeliveryTarget>> NewOutboxTarget(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return MakeError(ErrorCode::kIo, "create outbox " + dir + ": " + ec.message());
  return std::unique_ptr<DeliveryTarget>(std::make_unique<OutboxTarget>(dir));
}

}  // namespace sealpost
