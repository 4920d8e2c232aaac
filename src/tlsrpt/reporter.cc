#include "tlsrpt/reporter.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/url/parse.hpp>
#include <map>

#include "base/text.h"
#include "crypto/random.h"
#include "delivery/https_client.h"
#include "queue/queue_entry.h"
#include "dns/resolver.h"
#include "delivery/tls_sessions.h"
#include "tlsrpt/report.h"
#include "net/tls.h"
#include "store/stores.h"

namespace sealpost::tlsrpt {

namespace {

namespace asio = boost::asio;

// A plain function with pointers, not a capturing coroutine lambda (g++ 12).
asio::awaitable<void> Exchange(asio::ssl::context* https, const delivery::HttpsRequest* request,
                               Result<delivery::HttpsResponse>* out) {
  *out = co_await delivery::HttpsExchange(co_await asio::this_coro::executor, *https, *request);
}

}  // namespace

TlsReporter::TlsReporter(TlsReporterSettings settings, TlsReportStore& store, QueueStore& queue,
                         const PurposeKey& queue_key, dns::Resolver& resolver, const Clock& clock)
    : settings_(std::move(settings)), store_(store), queue_(queue), queue_key_(queue_key),
      resolver_(resolver), clock_(clock),
      https_(std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client)) {
  net::ConfigureClientTls(*https_);
  // Without CAs every upload fails its certificate check, and says so. (The delivery
  // target loads the same file first and refuses to start when it cannot.)
  auto trusted = net::LoadTrustedCas(*https_, settings_.trusted_ca_file);
  if (!trusted.ok()) spdlog::error("TLS reports: {}", trusted.error().message);
}

TlsReporter::~TlsReporter() = default;

Status TlsReporter::Upload(const std::string& url, const std::string& gzipped) {
  auto uri = boost::urls::parse_uri(url);
  if (!uri || uri->scheme() != "https" || uri->host().empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "not an https URL");
  }
  delivery::HttpsRequest request;
  request.method = "POST";
  request.host = AsciiLower(uri->host());
  request.port = uri->has_port() ? uri->port_number() : 443;
  request.target = uri->encoded_resource().empty() ? "/" : std::string(uri->encoded_resource());
  request.content_type = "application/tlsrpt+gzip";
  request.body = gzipped;
  auto addresses = resolver_.Addresses(request.host);
  if (!addresses.ok()) return std::move(addresses).error();
  Status last = MakeError(ErrorCode::kIo, "no address for " + request.host);
  for (const auto& a : addresses->addresses) {
    request.address = a;
    Result<delivery::HttpsResponse> response = MakeError(ErrorCode::kInternal, "not sent");
    asio::io_context io;
    asio::co_spawn(io, Exchange(https_.get(), &request, &response), asio::detached);
    io.run();
    if (!response.ok()) {
      last = std::move(response).error();
      continue;
    }
    if (response->status < 200 || response->status > 299) {
      return MakeError(ErrorCode::kIo, "HTTP " + std::to_string(response->status));
    }
    return OkStatus();
  }
  return last;
}

Status TlsReporter::Keep(delivery::TlsSessionLog& log) { return store_.AddSessions(log.Drain()); }

Result<int> TlsReporter::Report(const std::string& day) {
  if (auto start = delivery::UtcDayStart(day); !start.ok()) return std::move(start).error();
  auto sessions = store_.TakeDay(day);
  if (!sessions.ok()) return std::move(sessions).error();
  std::map<std::string, std::vector<TlsSessionCount>> by_domain;
  for (auto& s : *sessions) by_domain[s.domain].push_back(std::move(s));

  const std::int64_t now = clock_.NowUnix();
  std::vector<QueueEntry> mails;
  int uploaded = 0;
  for (auto& [domain, counts] : by_domain) {
    auto txt = resolver_.Txt("_smtp._tls." + domain);
    if (!txt.ok()) {
      spdlog::info("TLS report for {} ({}): not sent: {}", SanitizeForLog(domain, 100), day,
                   txt.error().message);
      continue;
    }
    auto rua = ParseTlsRptRecord(*txt);
    if (!rua.ok()) {
      if (rua.error().code != ErrorCode::kNotFound) {
        spdlog::info("TLS report for {}: {}", SanitizeForLog(domain, 100), rua.error().message);
      }
      continue;  // the domain asks for no reports
    }
    TlsReportInput input;
    input.organisation = settings_.organisation;
    input.submitter = settings_.submitter;
    input.contact = settings_.from;
    input.domain = domain;
    input.day = day;
    input.report_id = day + "." + NewId() + "@" + settings_.submitter;
    input.sessions = std::move(counts);
    for (const auto& uri : *rua) {
      if (uri.rfind("https://", 0) == 0) {
        auto gz = Gzip(BuildTlsReportJson(input));
        Status sent = gz.ok() ? Upload(uri, *gz) : Status(std::move(gz).error());
        if (sent.ok()) {
          ++uploaded;
        } else {
          spdlog::info("TLS report for {} to {}: not taken: {}", SanitizeForLog(domain, 100),
                       SanitizeForLog(uri, 200), sent.error().message);
        }
        continue;
      }
      const std::string to = uri.substr(7);  // a valid address (ParseTlsRptRecord)
      auto mail = BuildTlsReportMail(input, settings_.from, to, now);
      if (!mail.ok()) {
        spdlog::info("TLS report for {}: {}", SanitizeForLog(domain, 100), mail.error().message);
        continue;
      }
      auto entry = SealQueueEntry(queue_key_, "", to, *mail, now);
      if (!entry.ok()) return std::move(entry).error();
      mails.push_back(std::move(*entry));
    }
  }
  if (mails.empty()) return uploaded;
  auto queued = queue_.Record({}, mails, {});
  if (!queued.ok()) return std::move(queued).error();
  return uploaded + static_cast<int>(mails.size());
}

Result<int> TlsReporter::ReportDue() {
  auto days = store_.DaysBefore(delivery::UtcDay(clock_.NowUnix()));
  if (!days.ok()) return std::move(days).error();
  int sent = 0;
  for (const auto& day : *days) {
    auto n = Report(day);
    if (!n.ok()) return std::move(n).error();
    sent += *n;
  }
  return sent;
}

}  // namespace sealpost::tlsrpt
