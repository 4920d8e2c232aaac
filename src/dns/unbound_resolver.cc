#include "dns/unbound_resolver.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unbound.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/text.h"

namespace sealpost::dns {
namespace {

constexpr int kTypeA = 1;
constexpr int kTypeMx = 15;
constexpr int kTypeAaaa = 28;
constexpr int kTypeTxt = 16;
constexpr int kTypeTlsa = 52;
constexpr int kClassIn = 1;
constexpr int kRcodeServfail = 2;

struct ResultDeleter {
  void operator()(ub_result* r) const { ub_resolve_free(r); }
};
using UbResult = std::unique_ptr<ub_result, ResultDeleter>;

struct ContextDeleter {
  void operator()(ub_ctx* ctx) const { ub_ctx_delete(ctx); }
};
using UbContext = std::unique_ptr<ub_ctx, ContextDeleter>;

Error UbError(const std::string& what, int err) {
  return MakeError(ErrorCode::kIo, what + ": " + ub_strerror(err));
}

// One query in flight. Its caller waits for `done`; libunbound's callback, run on the
// pump thread, fills it in. The callback holds its own share (a heap-allocated
// shared_ptr passed as libunbound's `mydata`), so a caller that gave up may go.
struct Pending {
  std::mutex mutex;
  std::condition_variable answered;
  bool done = false;
  int err = 0;
  UbResult result;
};

void OnAnswer(void* data, int err, ub_result* result) {
  std::unique_ptr<std::shared_ptr<Pending>> share(static_cast<std::shared_ptr<Pending>*>(data));
  Pending& pending = **share;
  std::lock_guard lock(pending.mutex);
  pending.done = true;
  pending.err = err;
  pending.result.reset(result);
  pending.answered.notify_one();
}

class UnboundResolver final : public Resolver {
 public:
  UnboundResolver(UbContext ctx, int wake_fd, std::chrono::milliseconds timeout)
      : ctx_(std::move(ctx)), wake_fd_(wake_fd), timeout_(timeout),
        pump_([this] { Pump(); }) {}

  ~UnboundResolver() override {
    const std::uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
    pump_.join();
    ctx_.reset();  // stops libunbound's thread; no caller is waiting any more
    close(wake_fd_);
  }

  Result<MxAnswer> Mx(const std::string& domain) override;
  Result<AddressAnswer> Addresses(const std::string& host) override;
  Result<std::vector<std::string>> Txt(const std::string& name) override;
  Result<TlsaAnswer> Tlsa(const std::string& host, std::uint16_t port) override;

 private:
  Result<UbResult> Query(const std::string& name, int type);
  void Pump();

  UbContext ctx_;
  const int wake_fd_;  // an eventfd: written once, to stop the pump
  const std::chrono::milliseconds timeout_;
  std::thread pump_;
};

// Hands libunbound's answers to their callers: ub_process runs the callbacks of whatever
// answers are ready, on this thread.
void UnboundResolver::Pump() {
  pollfd fds[2] = {{ub_fd(ctx_.get()), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    // A broken pipe to libunbound's thread would wake poll forever: stop instead. Every
    // lookup then fails at its deadline (kIo), and delivery defers, as for a dead server.
    if ((fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return;
    if (fds[0].revents != 0 && ub_process(ctx_.get()) != 0) return;
  }
}

Result<UbResult> UnboundResolver::Query(const std::string& name, int type) {
  auto pending = std::make_shared<Pending>();
  auto* share = new std::shared_ptr<Pending>(pending);
  int id = 0;
  const int err = ub_resolve_async(ctx_.get(), name.c_str(), type, kClassIn, share, OnAnswer, &id);
  if (err != 0) {
    delete share;
    return UbError("DNS lookup of " + SanitizeForLog(name, 100), err);
  }
  std::unique_lock lock(pending->mutex);
  if (!pending->answered.wait_for(lock, timeout_, [&] { return pending->done; })) {
    lock.unlock();
    // Cancelled, the callback never runs and its share is ours to free. UB_NOID means
    // the answer is being handed over right now: the callback frees its share.
    if (ub_cancel(ctx_.get(), id) == 0) delete share;
    return MakeError(ErrorCode::kIo, "DNS lookup of " + SanitizeForLog(name, 100) +
                                         ": no answer within " +
                                         std::to_string(timeout_.count()) + " ms");
  }
  if (pending->err != 0) return UbError("DNS lookup of " + SanitizeForLog(name, 100), pending->err);
  UbResult result = std::move(pending->result);
  if (result->bogus) {
    return MakeError(ErrorCode::kIo, "DNSSEC validation failed for " + SanitizeForLog(name, 100) +
                                         (result->why_bogus ? std::string(": ") + result->why_bogus
                                                            : std::string()));
  }
  if (result->rcode == kRcodeServfail) {
    return MakeError(ErrorCode::kIo, "DNS server failure for " + SanitizeForLog(name, 100));
  }
  return result;
}

Result<MxAnswer> UnboundResolver::Mx(const std::string& domain) {
  auto result = Query(domain, kTypeMx);
  if (!result.ok()) return std::move(result).error();
  MxAnswer answer;
  answer.exists = !(*result)->nxdomain;
  answer.secure = (*result)->secure != 0;
  if (!(*result)->havedata) return answer;
  for (int i = 0; (*result)->data[i]; ++i) {
    auto mx = ParseMxRdata((*result)->data[i], (*result)->len[i]);
    if (!mx.ok()) return std::move(mx).error();
    answer.records.push_back(std::move(*mx));
  }
  // RFC 7505: a single MX with an empty name ("0 .") says the domain takes no mail.
  if (answer.records.size() == 1 && answer.records[0].host.empty()) {
    answer.null_mx = true;
    answer.records.clear();
  }
  return answer;
}

Result<std::vector<std::string>> UnboundResolver::Txt(const std::string& name) {
  auto result = Query(name, kTypeTxt);
  if (!result.ok()) return std::move(result).error();
  std::vector<std::string> records;
  if (!(*result)->havedata) return records;
  for (int i = 0; (*result)->data[i]; ++i) {
    auto text = ParseTxtRdata((*result)->data[i], (*result)->len[i]);
    if (!text.ok()) {
      return MakeError(ErrorCode::kIo, "malformed TXT record at " + SanitizeForLog(name, 100));
    }
    records.push_back(std::move(*text));
  }
  return records;
}

Result<TlsaAnswer> UnboundResolver::Tlsa(const std::string& host, std::uint16_t port) {
  auto result = Query("_" + std::to_string(port) + "._tcp." + host, kTypeTlsa);
  if (!result.ok()) return std::move(result).error();
  TlsaAnswer answer;
  answer.secure = (*result)->secure != 0;
  if (!(*result)->havedata) return answer;
  for (int i = 0; (*result)->data[i]; ++i) {
    auto record = ParseTlsaRdata((*result)->data[i], (*result)->len[i]);
    if (record.ok()) answer.records.push_back(std::move(*record));
  }
  return answer;
}

Result<AddressAnswer> UnboundResolver::Addresses(const std::string& host) {
  AddressAnswer answer;
  answer.secure = true;
  for (int type : {kTypeAaaa, kTypeA}) {
    auto result = Query(host, type);
    if (!result.ok()) return std::move(result).error();
    if (!(*result)->secure) answer.secure = false;
    if (!(*result)->havedata) continue;
    for (int i = 0; (*result)->data[i]; ++i) {
      char text[INET6_ADDRSTRLEN] = {};
      int family = type == kTypeA ? AF_INET : AF_INET6;
      int want = type == kTypeA ? 4 : 16;
      if ((*result)->len[i] != want) continue;
      if (inet_ntop(family, (*result)->data[i], text, sizeof text)) answer.addresses.push_back(text);
    }
  }
  if (answer.addresses.empty()) answer.secure = false;
  return answer;
}

}  // namespace

Result<std::unique_ptr<Resolver>> NewUnboundResolver(const UnboundOptions& options) {
  if (options.timeout.count() <= 0) {
    return MakeError(ErrorCode::kInvalidArgument, "DNS timeout must be positive");
  }
  UbContext ctx(ub_ctx_create());
  if (!ctx) return MakeError(ErrorCode::kInternal, "cannot create a DNS resolver");
  // Lookups run on a thread of libunbound's, not a forked process: this is a threaded
  // server, and a child holding a copy of its memory is no place for a resolver.
  int err = ub_ctx_async(ctx.get(), 1);
  if (err != 0) return UbError("DNS resolver threads", err);
  if (!options.forwarder.empty()) {
    // A test's DNS server listens on loopback, which libunbound skips by default.
    err = ub_ctx_set_option(ctx.get(), "do-not-query-localhost:", "no");
    if (err == 0) err = ub_ctx_set_fwd(ctx.get(), options.forwarder.c_str());
    if (err != 0) return UbError("DNS forwarder " + options.forwarder, err);
  } else {
    err = ub_ctx_resolvconf(ctx.get(), nullptr);
    if (err != 0) return UbError("reading /etc/resolv.conf", err);
  }
  if (!options.trust_anchor_file.empty()) {
    err = ub_ctx_add_ta_file(ctx.get(), options.trust_anchor_file.c_str());
    if (err != 0) return UbError("DNSSEC trust anchor " + options.trust_anchor_file, err);
  }
  const int wake_fd = eventfd(0, EFD_CLOEXEC);
  if (wake_fd < 0) return MakeError(ErrorCode::kInternal, "cannot create an eventfd for DNS");
  return std::unique_ptr<Resolver>(
      std::make_unique<UnboundResolver>(std::move(ctx), wake_fd, options.timeout));
}

}  // namespace sealpost::dns
