#include "api/gate.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "audit/pending.h"
#include "base/client_key.h"
#include "base/text.h"
#include "crypto/primitives.h"

namespace sealpost::api {

using boost::asio::awaitable;
using http::Response;

void ApiGate::Install(http::Router& router) {
  router.SetGate("/api/v1/", [this](http::Request& r) { return (*this)(r); });
  const http::Gate open = [](http::Request&) -> awaitable<std::optional<Response>> {
    co_return std::nullopt;
  };
  router.SetGate("/api/v1/oauth/token", open);
  router.SetGate("/api/v1/oauth/revoke", open);
  router.SetGate("/api/v1/openapi.yaml", open);  // the API's description is public
}

Response TooManyFailures(std::int64_t retry_after) {
  Response r = http::ProblemResponse(
      429, "Too many failed sign-ins",
      "Too many requests from this address failed to authenticate. Try again later.");
  r.Set("Retry-After", std::to_string(std::max<std::int64_t>(retry_after, 1)));
  return r;
}

namespace {

// The body a signed request's Content-Digest names, checked as it arrives.
class DigestCheck final : public http::BodyCheck {
 public:
  explicit DigestCheck(std::string expected) : expected_(std::move(expected)) {}
  void Update(std::string_view bytes) override { hasher_.Update(bytes); }
  Status Finish() override {
    if (hasher_.Final() == expected_) return OkStatus();
    return MakeError(ErrorCode::kInvalidArgument, "the body does not match its Content-Digest",
                     "Content-Digest");
  }

 private:
  std::string expected_;
  Sha256Hasher hasher_;
};

// RFC 9421 §2.1: every field line's value, trimmed, joined by ", ".
std::optional<std::string> FieldValue(const http::Request& req, std::string_view name) {
  std::optional<std::string> out;
  for (const auto& h : req.headers) {
    if (!EqualsIgnoreCase(h.name, name)) continue;
    std::string_view v = h.value;
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    if (out)
      *out += ", ";
    else
      out.emplace();
    *out += v;
  }
  return out;
}

SignedCall SignedCallOf(const http::Request& req) {
  SignedCall call;
  call.signature_input = std::string(req.header("signature-input"));
  call.signature = std::string(req.header("signature"));
  call.has_body = !req.header("transfer-encoding").empty() ||
                  (!req.header("content-length").empty() && req.header("content-length") != "0");
  call.request.method = req.method;
  call.request.authority = AsciiLower(req.header("host"));
  call.request.path = req.path;
  call.request.query = req.query;
  call.request.field = [&req](std::string_view name) { return FieldValue(req, name); };
  return call;
}

}  // namespace

awaitable<std::optional<Response>> ApiGate::operator()(http::Request& req) {
  Credentials presented = ReadCredentials(req.header("x-api-key"), req.header("authorization"));
  const bool signed_request =
      !req.header("signature-input").empty() || !req.header("signature").empty();
  if (signed_request) {
    // A signature and other credentials: which one is meant is not ours to guess.
    presented.malformed = presented.method != Credentials::Method::kNone;
    if (!presented.malformed) presented.method = Credentials::Method::kSignature;
  }
  // Basic credentials are the one kind a browser attaches by itself once a person has
  // typed them into its prompt: a page of another site could then make it send mail.
  // Browsers say where a request comes from (Fetch Metadata); programs send no such field.
  if (presented.method == Credentials::Method::kBasic) {
    const std::string_view site = req.header("sec-fetch-site");
    if (!site.empty() && site != "same-origin" && site != "none") {
      co_return http::ProblemResponse(
          403, "Cross-site request refused",
          "A request from another site may not use Basic credentials a browser keeps.");
    }
  }
  const std::string address = ClientKey(req.client_address);
  FailureGuard::Verdict verdict;
  std::optional<FailureGuard::Try> attempt = failures_.Begin(address, &verdict);
  // An API client is a program: it is told to come back rather than held waiting.
  if (!attempt) co_return TooManyFailures(600);
  if (verdict.wait > 0) co_return TooManyFailures(verdict.wait);
  std::string body_sha256;
  auto principal = co_await http::Offload<Principal>(offloader_, [&] {
    if (presented.method == Credentials::Method::kSignature) {
      return auth_.AuthenticateSigned(SignedCallOf(req), req.client_address, &body_sha256);
    }
    return auth_.Authenticate(presented, req.client_address);
  });
  if (!body_sha256.empty()) req.body_check = std::make_shared<DigestCheck>(body_sha256);
  if (!principal.ok()) {
    if (principal.error().code == ErrorCode::kUnauthenticated) {
      // Credentials that fail count against the address; none at all guess nothing.
      if (presented.method != Credentials::Method::kNone) attempt->Failed();
      spdlog::warn("api[{}]: authentication failed from {}", req.id, req.client_address);
    }
    co_return Unauthenticated(principal.error(), presented);
  }
  attempt.reset();
  const std::int64_t per_minute = principal->rate_limit_per_minute > 0
                                      ? principal->rate_limit_per_minute
                                      : settings_.rate_limit_per_minute;
  if (per_minute > 0) {
    const std::int64_t now_ms = RateLimiter::NowMs();
    const RateLimiter::Decision rate = rates_.Take(principal->client_id, per_minute, now_ms);
    req.response_headers.push_back({"RateLimit-Policy", RateLimiter::PolicyField(rate)});
    req.response_headers.push_back({"RateLimit", RateLimiter::StateField(rate)});
    if (!rate.allowed) {
      Response r = http::ProblemResponse(
          429, "Too many requests",
          "This API client has used its " + std::to_string(rate.quota) +
              " requests a minute. Try again in " + std::to_string(rate.retry_after) + " s.");
      r.Set("Retry-After", std::to_string(rate.retry_after));
      co_return r;
    }
  }
  const Scope needed = ScopeFor(req.method, req.route);
  if (!principal->Has(needed)) {
    // A client reaching past its scope is on record: it may be probing.
    audit::AuditRecord record = CallRecord(req, *principal, clock_.NowUnix());
    record.result = "refused";
    record.details = "{\"status\":403,\"needs\":\"" + std::string(ScopeName(needed)) + "\"}";
    (void)co_await http::Offload<void>(offloader_, [&] { return audit_.Note(std::move(record)); });
    co_return InsufficientScope(needed, presented);
  }
  req.caller = std::move(*principal);
  co_return std::nullopt;
}

audit::AuditRecord CallRecord(const http::Request& req, const Principal& caller, std::int64_t now) {
  audit::AuditRecord r;
  r.at = now;
  r.actor_kind = "api_client";
  r.actor = caller.client_id;
  r.client_address = req.client_address;
  r.account = caller.account;
  r.action = "api." + req.method + " " + req.route;
  for (const auto& p : req.params) {
    if (!r.subject.empty()) r.subject += "/";
    r.subject += SanitizeForLog(http::PercentDecode(p).value_or(p), 320);
  }
  r.result = "ok";
  return r;
}

const Principal* CallerOf(const http::Request& req) {
  return std::any_cast<Principal>(&req.caller);
}

Status RecordAccess(http::Request& req, const Principal& caller, AuditStore& audit,
                    const Clock& clock, const std::string& shown) {
  auto taken = audit::TakePending();
  audit::AuditRecord record =
      taken.empty() ? CallRecord(req, caller, clock.NowUnix()) : std::move(taken.front());
  if (!shown.empty()) record.subject += "/" + SanitizeForLog(shown, 320);
  return audit.Append(std::move(record));
}

boost::asio::awaitable<http::Response> RunRecorded(
    http::Request& req, http::Offloader& offloader, AuditStore& audit, const Clock& clock,
    std::function<http::Response(const Principal&)> work) {
  const Principal* caller = CallerOf(req);
  if (!caller) {
    co_return Unauthenticated(MakeError(ErrorCode::kUnauthenticated, "Credentials are required."),
                              {});
  }
  std::optional<http::Response> response;
  auto ran = co_await http::Offload<void>(offloader, [&]() -> sealpost::Status {
    audit::AuditRecord record = CallRecord(req, *caller, clock.NowUnix());
    audit::ActingAs acting(ActorOf(*caller, req.client_address));
    std::optional<audit::PendingRecord> pending;
    if (req.method != "GET") pending.emplace(record);
    response = work(*caller);
    if (pending && !pending->taken() && response->status >= 400) {
      pending.reset();
      record.result = response->status >= 500 ? "failed" : "refused";
      record.details = "{\"status\":" + std::to_string(response->status) + "}";
      (void)audit.Note(std::move(record));
    }
    return OkStatus();
  });
  if (!ran.ok()) co_return http::ProblemFromError(ran.error());
  co_return std::move(*response);
}

}  // namespace sealpost::api
