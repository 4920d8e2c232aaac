#include "delivery/smtp_target.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/ssl.h>

#include <algorithm>
#include <deque>
#include <map>
#include <thread>

#include "dns/resolver.h"
#include "delivery/smtp_wire.h"
#include "delivery/tls_sessions.h"
#include "store/stores.h"
#include "net/tls.h"

namespace sealpost::delivery {

namespace asio = boost::asio;
using Outcome = DeliveryReport::Outcome;

namespace {

struct Job {
  OutboundMessage message;
  DeliveryTarget::Done done;
};

// Runs `work` on whatever executor the coroutine is spawned on. A plain function taking
// a pointer, not a capturing coroutine lambda: g++ 12 destroys such captures twice.
asio::awaitable<void> RunWork(const std::function<void()>* work) {
  (*work)();
  co_return;
}

}  // namespace

struct SmtpTarget::Impl {
  Impl(SmtpTargetOptions o, std::unique_ptr<dns::Resolver> r, const Clock& c)
      : options(std::move(o)), resolver(std::move(r)), clock(c),
        guard(asio::make_work_guard(io)) {
    net::ConfigureClientTls(tls);
    net::ConfigureClientTls(https);
    // DANE checks are per connection, but OpenSSL wants them allowed on the context.
    SSL_CTX_dane_enable(tls.native_handle());
  }

  SmtpTargetOptions options;
  std::unique_ptr<dns::Resolver> resolver;
  const Clock& clock;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  asio::thread_pool dns{2};
  asio::ssl::context tls{asio::ssl::context::tls_client};
  asio::ssl::context https{asio::ssl::context::tls_client};  // MTA-STS policies
  StsCache sts{options.mta_sts.max_cached_domains};
  // Per domain, on the event-loop thread only: transactions running, and waiting.
  struct DomainState {
    int active = 0;
    std::deque<std::shared_ptr<Job>> waiting;
  };
  std::map<std::string, DomainState> domains;
  std::thread thread;

  // Blocking work (DNS) on the pool; resumes on the event loop.
  asio::awaitable<void> OffLoop(const std::function<void()>& work) {
    co_await asio::co_spawn(dns, RunWork(&work), asio::use_awaitable);
  }

  // Connections kept after a transaction for the domain's next one, as Postfix's
  // connection cache does: saves the connect, greeting, EHLO and TLS handshake. On the
  // event loop only.
  struct IdleConnection {
    explicit IdleConnection(asio::any_io_executor executor) : timer(std::move(executor)) {}
    std::unique_ptr<SmtpConnection> connection;
    int uses = 0;
    asio::steady_timer timer;
  };
  std::map<std::string, std::deque<std::shared_ptr<IdleConnection>>> idle;

  std::unique_ptr<SmtpConnection> TakeIdle(const std::string& domain,
                                           const Destination& destination, int* uses);
  asio::awaitable<void> Keep(const std::string& domain, std::unique_ptr<SmtpConnection> c,
                             int uses);
  asio::awaitable<void> CloseWhenIdle(std::string domain, std::shared_ptr<IdleConnection> c);

  asio::awaitable<Result<std::vector<Destination>>> Route(const std::string& domain);
  asio::awaitable<std::optional<StsPolicy>> StsPolicyFor(const std::string& domain);
  asio::awaitable<void> Transaction(std::shared_ptr<Job> job);
  void Start(std::shared_ptr<Job> job);
  void Finished(const std::string& domain);
};

asio::awaitable<Result<std::vector<Destination>>> SmtpTarget::Impl::Route(
    const std::string& domain) {
  Result<std::vector<Destination>> out = MakeError(ErrorCode::kInternal, "not looked up");
  co_await OffLoop([&] { out = FindDestinations(domain, options.route, *resolver); });
  co_return out;
}

// RFC 8461 §5.1: the policy the domain's record announces, fetched when its id is new
// to us; otherwise (no record, a failed fetch) whatever unexpired policy we hold.
asio::awaitable<std::optional<StsPolicy>> SmtpTarget::Impl::StsPolicyFor(
    const std::string& domain) {
  const std::int64_t now = clock.NowUnix();
  Result<std::vector<std::string>> txt = MakeError(ErrorCode::kInternal, "not looked up");
  co_await OffLoop([&] { txt = resolver->Txt("_mta-sts." + domain); });
  if (!txt.ok()) co_return sts.Valid(domain, now);
  auto id = FindStsRecordId(*txt);
  if (!id.ok()) {
    if (id.error().code != ErrorCode::kNotFound) {
      spdlog::info("delivery to {}: {}", domain, id.error().message);
    }
    co_return sts.Valid(domain, now);
  }
  if (!sts.IsNew(domain, *id, now)) co_return sts.Valid(domain, now);
  Result<dns::AddressAnswer> addresses = MakeError(ErrorCode::kInternal, "not looked up");
  co_await OffLoop([&] { addresses = resolver->Addresses("mta-sts." + domain); });
  Error failure = MakeError(ErrorCode::kIo, "MTA-STS policy of " + domain + ": no address");
  std::string result_type = "sts-policy-fetch-error";  // for TLS reports
  if (addresses.ok()) {
    constexpr std::size_t kMaxTries = 2;
    for (std::size_t i = 0; i < addresses->addresses.size() && i < kMaxTries; ++i) {
      auto text = co_await FetchStsPolicy(io.get_executor(), https, domain,
                                          addresses->addresses[i], options.mta_sts);
      if (!text.ok()) {
        failure = std::move(text).error();
        continue;
      }
      auto policy = ParseStsPolicy(*text);
      if (!policy.ok()) {
        failure = std::move(policy).error();
        result_type = "sts-policy-invalid";
        break;
      }
      policy->id = *id;
      sts.Put(domain, *policy, now);
      if (options.sts_store) {
        auto kept = options.sts_store->Put({domain, *id, *text, now + policy->max_age});
        if (!kept.ok()) spdlog::error("MTA-STS policy of {} not kept: {}", domain, kept.error().message);
      }
      co_return std::move(*policy);
    }
  }
  spdlog::info("delivery to {}: {}", domain, failure.message);
  auto kept = sts.Valid(domain, now);
  if (!kept && options.tls_sessions) {
    // RFC 8460 §4.3.2.2: the domain announced a policy nobody could have.
    TlsSession s;
    s.domain = domain;
    s.policy_type = "no-policy-found";
    s.result_type = result_type;
    options.tls_sessions->Add(s, now);
  }
  co_return kept;
}

namespace {

// A kept connection serves a transaction that would open the same one.
bool SameDestination(const Destination& a, const Destination& b) {
  return a.host == b.host && a.address == b.address && a.port == b.port && a.tls == b.tls &&
         a.authentication == b.authentication && a.tlsa == b.tlsa;
}

}  // namespace

std::unique_ptr<SmtpConnection> SmtpTarget::Impl::TakeIdle(const std::string& domain,
                                                           const Destination& destination,
                                                           int* uses) {
  auto it = idle.find(domain);
  if (it == idle.end()) return nullptr;
  auto& kept = it->second;
  for (auto c = kept.begin(); c != kept.end(); ++c) {
    if (!SameDestination((*c)->connection->destination(), destination)) continue;
    auto taken = *c;
    kept.erase(c);
    if (kept.empty()) idle.erase(it);
    taken->timer.cancel();
    *uses = taken->uses;
    return std::move(taken->connection);
  }
  return nullptr;
}

asio::awaitable<void> SmtpTarget::Impl::Keep(const std::string& domain,
                                             std::unique_ptr<SmtpConnection> connection,
                                             int uses) {
  auto& kept = idle[domain];
  if (options.connection_idle.count() <= 0 || uses >= options.max_connection_reuse ||
      kept.size() >= static_cast<std::size_t>(options.max_connections_per_domain)) {
    if (kept.empty()) idle.erase(domain);
    co_await connection->Quit();
    co_return;
  }
  auto c = std::make_shared<IdleConnection>(io.get_executor());
  c->connection = std::move(connection);
  c->uses = uses;
  kept.push_back(c);
  asio::co_spawn(io, CloseWhenIdle(domain, std::move(c)), asio::detached);
}

asio::awaitable<void> SmtpTarget::Impl::CloseWhenIdle(std::string domain,
                                                      std::shared_ptr<IdleConnection> c) {
  c->timer.expires_after(options.connection_idle);
  co_await c->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!c->connection) co_return;  // taken for another transaction
  auto it = idle.find(domain);
  if (it != idle.end()) {
    auto& kept = it->second;
    kept.erase(std::remove(kept.begin(), kept.end(), c), kept.end());
    if (kept.empty()) idle.erase(it);
  }
  co_await c->connection->Quit();
}

void SmtpTarget::Impl::Start(std::shared_ptr<Job> job) {
  std::string domain = DomainOf(job->message.recipients.front().address);
  DomainState& state = domains[domain];
  if (state.active >= options.max_connections_per_domain) {
    state.waiting.push_back(std::move(job));
    return;
  }
  ++state.active;
  asio::co_spawn(io, Transaction(std::move(job)), asio::detached);
}

void SmtpTarget::Impl::Finished(const std::string& domain) {
  auto it = domains.find(domain);
  if (it == domains.end()) return;
  --it->second.active;
  if (!it->second.waiting.empty()) {
    auto next = std::move(it->second.waiting.front());
    it->second.waiting.pop_front();
    ++it->second.active;
    asio::co_spawn(io, Transaction(std::move(next)), asio::detached);
  } else if (it->second.active == 0) {
    domains.erase(it);
  }
}

namespace {

// The report's "authentication": PKIX checks are made for MTA-STS only.
const char* AuthenticationName(Authentication a) {
  switch (a) {
    case Authentication::kDane: return "dane";
    case Authentication::kPkix: return "mta-sts";
    case Authentication::kPkixReported:
    case Authentication::kNone: break;
  }
  return "none";
}

// A session as TLS reports tell it: under the destination's DANE records, else under
// the domain's MTA-STS policy, else under none.
TlsSession SessionOf(const std::string& domain, const Destination& d,
                     const std::optional<StsPolicy>& sts, const TlsAttempt& attempt) {
  TlsSession s;
  s.domain = domain;
  s.mx_host = d.host;
  s.receiving_ip = d.address;
  s.result_type = attempt.failure;
  if (d.authentication == Authentication::kDane) {
    s.policy_type = "tlsa";
    for (const auto& r : d.tlsa) s.policy_strings.push_back(r.Presentation());
  } else if (sts && sts->mode != StsMode::kNone) {
    s.policy_type = "sts";
    s.policy_strings = StsPolicyLines(*sts);
  } else {
    s.policy_type = "no-policy-found";
  }
  return s;
}

Outcome OutcomeOf(const SmtpReply& reply) {
  if (reply.Positive()) return Outcome::kDelivered;
  if (reply.Permanent()) return Outcome::kBounced;
  return Outcome::kDeferred;
}

}  // namespace

asio::awaitable<void> SmtpTarget::Impl::Transaction(std::shared_ptr<Job> job) {
  const OutboundMessage& m = job->message;
  const std::string domain = DomainOf(m.recipients.front().address);
  std::vector<RecipientResult> results;
  for (const auto& r : m.recipients) {
    DeliveryReport report;
    report.started_at = clock.NowUnix();
    report.authentication = "none";
    results.push_back({r.queue_id, std::move(report)});
  }
  auto set_all = [&](Outcome outcome, const std::string& reply) {
    for (auto& r : results) {
      r.report.outcome = outcome;
      r.report.reply = reply;
    }
  };

  auto routes = co_await Route(domain);
  // Mail to the domain's own servers: their TLS sessions are reported to the domain.
  const bool to_domain = !FindTransport(options.route.transports, domain);
  std::optional<StsPolicy> policy;
  // Where DANE does not prove every server, the domain's MTA-STS policy may.
  if (routes.ok() && to_domain &&
      std::any_of(routes->begin(), routes->end(), [](const Destination& d) {
        return d.authentication != Authentication::kDane;
      })) {
    policy = co_await StsPolicyFor(domain);
    if (policy) {
      auto applied = ApplyStsPolicy(*policy, *routes);
      if (!applied.ok()) routes = MakeError(ErrorCode::kIo, applied.error().message);
    }
  }
  if (!routes.ok()) {
    set_all(routes.error().code == ErrorCode::kNotFound ? Outcome::kBounced : Outcome::kDeferred,
            routes.error().message);
  } else {
    std::vector<std::string> addresses;
    for (const auto& r : m.recipients) addresses.push_back(r.address);
    std::string last_error = "no mail server of " + domain + " answered";
    bool answered = false;
    std::string no_tls;  // TLS-only: why a server that answered could not give TLS
    for (Destination destination : *routes) {
      if (m.tls_required) {
        if (destination.tls == TlsPolicy::kNone) {
          no_tls = "the transport map sends mail for " + domain + " in clear";
          continue;
        }
        destination.tls = TlsPolicy::kRequired;
      }
      // A connection left open by the domain's last transaction, else a new one. A
      // kept connection the server has since closed fails at once: then a new one.
      int uses = 0;
      std::unique_ptr<SmtpConnection> connection = TakeIdle(domain, destination, &uses);
      Result<std::vector<SmtpReply>> replies = MakeError(ErrorCode::kInternal, "not sent");
      for (bool reused = connection != nullptr;; reused = false) {
        if (!connection) {
          uses = 0;
          TlsAttempt attempt;
          auto opened = co_await SmtpConnection::Open(io.get_executor(), tls, destination,
                                                      options.client, &attempt);
          if (options.tls_sessions && to_domain && attempt.attempted) {
            options.tls_sessions->Add(SessionOf(domain, destination, policy, attempt),
                                      clock.NowUnix());
          }
          if (!opened.ok()) {
            last_error = opened.error().message;
            if (m.tls_required && opened.error().code == ErrorCode::kFailedPrecondition) {
              no_tls = destination.host + ": " + last_error;
            }
            break;
          }
          connection = std::move(*opened);
        }
        replies = co_await connection->Send(m, addresses);
        if (replies.ok() || !reused) break;
        connection.reset();
      }
      if (!connection) {
        spdlog::info("delivery to {}: {}", domain, last_error);
        continue;
      }
      std::string version = connection->tls_version();
      std::string cipher = connection->tls_cipher();
      std::string authentication = AuthenticationName(connection->authenticated());
      if (replies.ok() && connection->usable()) {
        co_await Keep(domain, std::move(connection), uses + 1);
      } else {
        co_await connection->Quit();
      }
      if (!replies.ok()) {
        last_error = replies.error().message;
        spdlog::info("delivery to {}: {}", domain, last_error);
        continue;
      }
      for (std::size_t i = 0; i < results.size(); ++i) {
        DeliveryReport& report = results[i].report;
        report.outcome = OutcomeOf((*replies)[i]);
        report.reply = (*replies)[i].Summary();
        report.mx_host = destination.host;
        report.mx_address = destination.address;
        report.tls_version = version;
        report.tls_cipher = cipher;
        report.authentication = authentication;
      }
      answered = true;
      break;
    }
    // TLS-only mail goes to its fallback once a server was reached without TLS; if
    // none could be reached at all, it waits like any other mail.
    if (!answered && !no_tls.empty()) {
      set_all(Outcome::kNoTls, "TLS could not be had: " + no_tls);
    } else if (!answered) {
      set_all(Outcome::kDeferred, last_error);
    }
  }
  for (auto& r : results) r.report.finished_at = clock.NowUnix();
  job->done(std::move(results));
  Finished(domain);
}

Result<std::unique_ptr<SmtpTarget>> SmtpTarget::Create(SmtpTargetOptions options,
                                                       std::unique_ptr<dns::Resolver> resolver,
                                                       const Clock& clock) {
  if (!resolver) return MakeError(ErrorCode::kInvalidArgument, "no resolver");
  if (options.max_connections_per_domain < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "max_connections_per_domain must be at least 1");
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(resolver), clock);
  for (auto* context : {&impl->tls, &impl->https}) {
    auto trusted = net::LoadTrustedCas(*context, impl->options.trusted_ca_file);
    if (!trusted.ok()) return std::move(trusted).error();
  }
  // Policies fetched before a restart still hold (RFC 8461 §5.1).
  if (impl->options.sts_store) {
    auto kept = impl->options.sts_store->Unexpired(
        clock.NowUnix(), static_cast<int>(impl->options.mta_sts.max_cached_domains));
    if (!kept.ok()) return std::move(kept).error();
    for (const auto& k : *kept) {
      auto policy = ParseStsPolicy(k.policy);
      if (!policy.ok()) continue;
      policy->id = k.id;
      impl->sts.Restore(k.domain, std::move(*policy), k.expires_at);
    }
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<SmtpTarget>(new SmtpTarget(std::move(impl)));
}

SmtpTarget::SmtpTarget(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SmtpTarget::~SmtpTarget() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->dns.stop();
  impl_->dns.join();
}

void SmtpTarget::Deliver(OutboundMessage message, Done done) {
  if (message.recipients.empty()) {
    done({});
    return;
  }
  auto job = std::make_shared<Job>(Job{std::move(message), std::move(done)});
  asio::post(impl_->io, [impl = impl_.get(), job = std::move(job)]() mutable {
    impl->Start(std::move(job));
  });
}

}  // namespace sealpost::delivery
