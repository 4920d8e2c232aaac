#include "api/messages_api.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <set>

#include "api/gate.h"
#include "api/json_body.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "http/multipart.h"
#include "http/upload.h"
#include "mime/address.h"
#include "received/received.h"
#include "submission/composed.h"
#include "submission/saved_answers.h"

namespace sealpost::api {
namespace json = boost::json;
using boost::asio::awaitable;
using http::InvalidParam;
using http::Response;

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

// A user's key reaches that user's messages only; an administrator's (a key bound to
// no user) the whole account's.
MessageOwner OwnerOf(const Principal& principal) { return {principal.account, principal.user}; }

Response Problems(const std::vector<InvalidParam>& problems) {
  return http::ProblemResponse(400, "Invalid request",
                               "The request has " + std::to_string(problems.size()) +
                                   " problem(s); see invalid-params.",
                               problems);
}

Response NeedsQuestion(const std::vector<std::string>& addresses) {
  json::array list;
  for (const auto& a : addresses) list.emplace_back(a);
  json::object o{{"type", "about:blank"},
                 {"title", "Needs input"},
                 {"status", 422},
                 {"detail",
                  "These recipients need a question and answer to verify them: set "
                  "options.escrow.question and options.escrow.answer. Nothing was sent."},
                 {"recipients", std::move(list)}};
  Response r;
  r.status = 422;
  r.body = json::serialize(o);
  r.Set("Content-Type", "application/problem+json");
  return r;
}

awaitable<Result<std::string>> ReadBody(http::BodyStream& stream, std::size_t limit) {
  std::string out;
  std::string chunk(kReadChunk, '\0');
  for (;;) {
    auto n = co_await stream.Read(chunk.data(), chunk.size());
    if (!n.ok()) co_return std::move(n).error();
    if (*n == 0) break;
    if (out.size() + *n > limit) {
      co_return MakeError(ErrorCode::kResourceExhausted,
                          "The JSON body is larger than " + std::to_string(limit) + " bytes.");
    }
    out.append(chunk.data(), *n);
  }
  co_return out;
}

// Receives a multipart upload: the "message" part is kept (bounded), file parts stream
// straight into the draft's encrypted attachments.
class UploadSink final : public http::MultipartSink {
 public:
  UploadSink(Draft& draft, std::size_t json_limit, const submission::RequestLimits& limits)
      : draft_(draft), json_limit_(json_limit), limits_(limits) {}

  Status OnPartBegin(const http::PartInfo& part) override {
    if (part.has_filename) {
      std::string field = "files[" + std::to_string(files_) + "]";
      if (++files_ > limits_.max_attachments) {
        return MakeError(ErrorCode::kInvalidArgument, "too many attachments", field);
      }
      auto problems = submission::CheckAttachmentMeta(field, part.filename, part.content_type);
      if (!problems.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, problems[0].reason, problems[0].name);
      }
      in_file_ = true;
      return draft_.StartAttachment(part.filename, part.content_type.empty()
                                                       ? "application/octet-stream"
                                                       : part.content_type);
    }
    if (part.name != "message" || seen_message_) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "expected one \"message\" part and file parts only",
                       SanitizeForLog(part.name, 64));
    }
    seen_message_ = true;
    in_message_ = true;
    return OkStatus();
  }

  Status OnPartData(std::string_view data) override {
    if (in_file_) {
      if (draft_.attachment_bytes() + data.size() > limits_.max_attachment_bytes) {
        return MakeError(ErrorCode::kResourceExhausted,
                         "attachments are larger than " +
                             std::to_string(limits_.max_attachment_bytes) + " bytes in all");
      }
      return draft_.AppendAttachment(data);
    }
    if (message_.size() + data.size() > json_limit_) {
      return MakeError(ErrorCode::kResourceExhausted, "the message part is too large");
    }
    message_.append(data);
    return OkStatus();
  }

  Status OnPartEnd() override {
    if (in_file_) {
      in_file_ = false;
      return draft_.FinishAttachment();
    }
    in_message_ = false;
    return OkStatus();
  }

  bool seen_message() const { return seen_message_; }
  const std::string& message() const { return message_; }

 private:
  Draft& draft_;
  std::size_t json_limit_;
  const submission::RequestLimits& limits_;
  std::string message_;
  std::size_t files_ = 0;
  bool in_file_ = false, in_message_ = false, seen_message_ = false;
};

Response ErrorResponse(const Error& e) {
  if (e.code == ErrorCode::kInvalidArgument && !e.field.empty()) {
    return Problems({{e.field, e.message}});
  }
  return http::ProblemFromError(e);  // an internal error is logged with the request's id
}

json::object RecipientJson(const std::string& address, const std::string& kind,
                           const std::string& method, const std::string& status,
                           const std::string& why) {
  return json::object{{"address", address}, {"kind", kind}, {"method", method},
                      {"status", status}, {"why", why}};
}

}  // namespace

void MessagesApi::Register(http::Router& router) {
  // The route's limit covers the largest multipart upload; JSON bodies have their own.
  const std::uint64_t upload_limit =
      settings_.limits.max_attachment_bytes + settings_.max_json_bytes + 1024 * 1024;
  router.Add("POST", "/api/v1/messages",
             [this](http::Request& r) { return Send(r); }, http::BodyMode::kStreamed, upload_limit);
  router.Add("GET", "/api/v1/messages/{id}", [this](http::Request& r) { return Get(r); });
  router.Add("GET", "/api/v1/messages", [this](http::Request& r) { return List(r); });
  // Sender controls (issue 7): withdraw a message, change its expiry, see what happened.
  router.Add("POST", "/api/v1/messages/{id}/retract", [this](http::Request& r) { return Retract(r); });
  router.Add("POST", "/api/v1/messages/{id}/extend", [this](http::Request& r) { return Extend(r); });
  router.Add("GET", "/api/v1/messages/{id}/events", [this](http::Request& r) { return Events(r); });
  // A header is read up to its limit; the JSON around it, and its escapes, need room too.
  router.Add("POST", "/api/v1/tools/received-headers",
             [this](http::Request& r) { return ReceivedHeaders(r); }, http::BodyMode::kBuffered,
             2 * received::kMaxHeaderBytes);
}

Result<Principal> MessagesApi::Caller(const http::Request& req) {
  if (const Principal* p = CallerOf(req)) return *p;
  return MakeError(ErrorCode::kUnauthenticated, "Credentials are required.");
}

awaitable<Response> MessagesApi::Send(http::Request& req) {
  auto principal = Caller(req);
  if (!principal.ok()) co_return Unauthenticated(principal.error(), {});
  auto media = http::ParseMediaType(req.header("content-type"));
  if (!media || (media->type != "application/json" && media->type != "multipart/form-data")) {
    co_return http::ProblemResponse(415, "Unsupported media type",
                                    "Send application/json, or multipart/form-data with a "
                                    "\"message\" part.");
  }
  // Back-pressure: refused before the body is read, so nothing is stored.
  if (backlog_ && backlog_->pressure() == Backlog::Pressure::kRefuse) {
    Response busy = http::ProblemResponse(
        503, "Too much mail waiting",
        "Too much mail is waiting to be sent; nothing was stored. Try again later.");
    busy.Set("Retry-After", "60");
    co_return busy;
  }

  std::unique_ptr<Draft> draft = escrow_.BeginDraft();
  std::string body;
  if (media->type == "application/json") {
    auto read = co_await ReadBody(*req.stream, settings_.max_json_bytes);
    if (!read.ok()) co_return ErrorResponse(read.error());
    body = std::move(*read);
  } else {
    auto boundary = media->param("boundary");
    if (!boundary || !http::MultipartParser::ValidBoundary(*boundary)) {
      co_return Problems({{"Content-Type", "multipart/form-data needs a valid boundary"}});
    }
    UploadSink sink(*draft, settings_.max_json_bytes, settings_.limits);
    http::MultipartParser parser(*boundary, sink);
    Status fed = co_await http::StreamMultipart(*req.stream, parser, offloader_);
    if (!fed.ok()) co_return ErrorResponse(fed.error());
    if (!sink.seen_message()) {
      co_return Problems({{"message", "the multipart body needs a \"message\" part holding the JSON"}});
    }
    body = sink.message();
  }

  auto parsed = co_await http::Offload<ParsedRequest>(
      offloader_, [&]() -> Result<ParsedRequest> { return ParseMessageRequest(body, settings_.limits); });
  if (!parsed.ok()) co_return ErrorResponse(parsed.error());
  if (!parsed->problems.empty()) co_return Problems(parsed->problems);
  // Content rules read text attachments too: the JSON ones decoded, the streamed ones
  // read back from the draft. A text that cannot be read fails the request rather than
  // let the message go unencrypted past a rule it would have matched.
  auto texts = co_await http::Offload<void>(offloader_, [&]() -> Status {
    submission::Submission& request = parsed->request;
    std::size_t budget = submission::kMaxRuleText;
    for (const auto& a : request.attachments) {
      if (AsciiLower(a.content_type).rfind("text/", 0) != 0) continue;
      if (auto decoded = Base64Decode(a.content_base64)) {
        submission::AddRuleText(request, a.content_type, std::move(*decoded), &budget);
      }
    }
    return submission::AddDraftRuleTexts(*draft, request, &budget);
  });
  if (!texts.ok()) co_return ErrorResponse(texts.error());
  const submission::Submission& m = parsed->request;
  if (!principal->user.empty() && CanonicalAddress(m.from) != CanonicalAddress(principal->user) &&
      AsciiLower(m.from) != AsciiLower(principal->user)) {
    spdlog::warn("api[{}]: client {} of {} refused as sender {}", req.id, principal->client_id,
                 principal->user, SanitizeForLog(m.from));
    co_return http::ProblemResponse(403, "Forbidden",
                                    "This API client sends only as " + principal->user + ".",
                                    {{"from", "must be " + principal->user}});
  }
  if (draft->attachment_bytes() > settings_.limits.max_attachment_bytes) {
    co_return Problems({{"attachments", "are too large in all"}});
  }

  auto plan = co_await http::Offload<policy::RecipientPlan>(
      offloader_, [&] { return planner_.Plan(submission::PlanInputOf(m, true)); });
  if (!plan.ok()) co_return ErrorResponse(plan.error());
  if (plan->refused) co_return http::ProblemResponse(422, "Cannot send", *plan->refused);
  if (!plan->need_question.empty()) co_return NeedsQuestion(plan->need_question);

  const std::string client = req.client_address;
  auto submitted = co_await http::Offload<SubmitResult>(offloader_, [&]() -> Result<SubmitResult> {
    audit::ActingAs acting(ActorOf(*principal, client));
    // JSON attachments: decoded here, off the event loop, straight into encryption.
    for (std::size_t i = 0; i < m.attachments.size(); ++i) {
      const auto& a = m.attachments[i];
      auto decoded = Base64Decode(a.content_base64);
      if (!decoded) {
        return MakeError(ErrorCode::kInvalidArgument, "is not valid base64",
                         "attachments[" + std::to_string(i) + "].content_base64");
      }
      Status s = draft->StartAttachment(a.filename, a.content_type.empty()
                                                        ? "application/octet-stream"
                                                        : a.content_type);
      if (s.ok()) s = draft->AppendAttachment(*decoded);
      if (s.ok()) s = draft->FinishAttachment();
      if (!s.ok()) return std::move(s).error();
    }
    submission::Dispatch d;
    d.submission = &m;
    d.plan = std::move(*plan);
    d.account = principal->account;
    d.client_address = client;
    // Recipients who get the message itself get it composed from the request, its
    // attachments read back from the draft (before the dispatcher seals it).
    d.message = submission::ComposedFrom(m, *draft);
    d.draft = std::move(draft);
    return dispatcher_.Send(std::move(d));
  });
  if (!submitted.ok()) co_return ErrorResponse(submitted.error());

  // The message is committed; saving its answers is a courtesy that must not undo it.
  std::string saved_to;
  if (m.save_answer) {
    auto saved = co_await http::Offload<std::string>(offloader_, [&] {
      audit::ActingAs acting(ActorOf(*principal, client));
      return submission::SaveSendersAnswers(planner_, m, *submitted, escrow_.clock().NowUnix());
    });
    if (saved.ok()) {
      saved_to = *saved;
    } else {
      spdlog::warn("api[{}]: message {} sent, but its answers were not saved: {}", req.id,
                   submitted->message_id, saved.error().ToString());
    }
  }

  json::array recipients;
  for (const auto& r : submitted->recipients) {
    recipients.push_back(RecipientJson(r.address, r.kind, r.method, r.status, r.trace));
  }
  json::object reply{{"id", submitted->message_id}, {"recipients", std::move(recipients)}};
  if (!saved_to.empty()) reply["answers_saved_to"] = saved_to;
  Response res = http::JsonResponse(202, json::serialize(reply));
  res.Set("Location", "/api/v1/messages/" + submitted->message_id);
  co_return res;
}

namespace {

// The message list's filters from its query string; kInvalidArgument naming the bad one.
Result<MessageQuery> MessageQueryOf(const http::Request& req) {
  auto form = http::ParseForm(req.query, 16);
  if (!form.ok()) return MakeError(ErrorCode::kInvalidArgument, "a malformed query string", "query");
  MessageQuery q;
  for (const auto& [name, value] : *form) {
    if (value.size() > 320) return MakeError(ErrorCode::kInvalidArgument, "too long", name);
    if (name == "sender") {
      q.sender = value;
    } else if (name == "recipient") {
      q.recipient = value;
    } else if (name == "status") {
      if (!ParseRecipientStatus(value)) {
        return MakeError(ErrorCode::kInvalidArgument, "not a recipient status", name);
      }
      q.status = value;
    } else if (name == "method") {
      q.method = value;
    } else if (name == "since" || name == "until") {
      auto t = ParseRfc3339OrDate(value);
      if (!t.ok()) return MakeError(ErrorCode::kInvalidArgument, t.error().message, name);
      (name == "since" ? q.from : q.to) = *t;
    } else if (name == "limit") {
      auto n = PageLimit(value, 200);
      if (!n.ok()) return std::move(n).error();
      q.limit = *n;
    } else if (name == "cursor") {
      // A message id, as next_cursor gives it.
      if (!LooksLikeId(value)) {
        return MakeError(ErrorCode::kInvalidArgument, "not a cursor this list gave", name);
      }
      q.after_id = value;
    } else {
      return MakeError(ErrorCode::kInvalidArgument,
                       "not a filter (sender, recipient, status, method, since, until, limit, "
                       "cursor)",
                       name);
    }
  }
  return q;
}

}  // namespace

awaitable<Response> MessagesApi::List(http::Request& req) {
  auto principal = Caller(req);
  if (!principal.ok()) co_return Unauthenticated(principal.error(), {});
  auto query = MessageQueryOf(req);
  if (!query.ok()) co_return ErrorResponse(query.error());
  auto found = co_await http::Offload<std::vector<MessageRecord>>(
      offloader_, [&] { return escrow_.List(*query, OwnerOf(*principal)); });
  if (!found.ok()) co_return ErrorResponse(found.error());
  json::array messages;
  for (const auto& m : *found) {
    json::array recipients;
    for (const auto& r : m.recipients) {
      recipients.push_back(json::object{{"address", r.address},
                                        {"kind", r.kind},
                                        {"method", r.method},
                                        {"status", RecipientStatusName(r.status)}});
    }
    json::object o{{"id", m.id},
                   {"sender", m.sender},
                   {"created_at", FormatRfc3339(m.created_at)},
                   {"expires_at", FormatRfc3339(m.expires_at)},
                   {"recipients", std::move(recipients)}};
    if (m.retracted_at) o["retracted_at"] = FormatRfc3339(*m.retracted_at);
    messages.push_back(std::move(o));
  }
  json::object out{{"messages", std::move(messages)}};
  if (static_cast<int>(found->size()) == query->limit) {
    out["next_cursor"] = found->back().id;
  }
  co_return http::JsonResponse(200, json::serialize(out));
}

awaitable<Response> MessagesApi::Get(http::Request& req) {
  auto principal = Caller(req);
  if (!principal.ok()) co_return Unauthenticated(principal.error(), {});
  struct Found {
    MessageStatus status;
    std::vector<QueueEntry> deliveries;
  };
  const std::string id = req.params[0];
  const MessageOwner owner = OwnerOf(*principal);
  auto found = co_await http::Offload<Found>(offloader_, [&]() -> Result<Found> {
    auto status = escrow_.Status(id, owner);
    if (!status.ok()) return std::move(status).error();
    auto deliveries = queue_.ForMessage(id);  // only once it is theirs
    if (!deliveries.ok()) return std::move(deliveries).error();
    return Found{std::move(*status), std::move(*deliveries)};
  });
  if (!found.ok()) co_return ErrorResponse(found.error());
  const MessageStatus& s = found->status;
  json::array recipients;
  for (const auto& r : s.message.recipients) {
    json::object o =
        RecipientJson(r.address, r.kind, r.method, ReportedStatus(r, s), r.trace);
    // What became of the mail that reached this recipient (their notice, or their
    // encrypted copy): the latest entry's state and delivery report.
    const QueueEntry* latest = nullptr;
    for (const auto& q : found->deliveries) {
      if (q.recipient_id == r.id) latest = &q;
    }
    if (latest) {
      json::object delivery{{"state", QueueStateName(latest->state)},
                            {"attempts", latest->attempts}};
      if (!latest->report.empty()) {
        boost::system::error_code ec;
        json::value report = json::parse(latest->report, ec);
        if (!ec && report.is_object()) {
          for (const auto& [k, v] : report.as_object()) delivery[k] = v;
        }
      }
      if (latest->state == QueueState::kDeferred) {
        delivery["next_attempt_at"] = FormatRfc3339(latest->next_attempt_at);
      }
      o["delivery"] = std::move(delivery);
    }
    recipients.push_back(std::move(o));
  }
  json::object out{{"id", s.message.id},
                   {"created_at", FormatRfc3339(s.message.created_at)},
                   {"expires_at", FormatRfc3339(s.message.expires_at)},
                   {"recipients", std::move(recipients)}};
  if (s.message.retracted_at) out["retracted_at"] = FormatRfc3339(*s.message.retracted_at);
  co_return http::JsonResponse(200, json::serialize(out));
}

awaitable<Response> MessagesApi::Retract(http::Request& req) {
  auto principal = Caller(req);
  if (!principal.ok()) co_return Unauthenticated(principal.error(), {});
  const std::string id = req.params[0];
  auto done = co_await http::Offload<void>(
      offloader_, [&] {
        audit::ActingAs acting(ActorOf(*principal, req.client_address));
        return escrow_.Retract(id, OwnerOf(*principal), req.client_address);
      });
  if (!done.ok()) co_return ErrorResponse(done.error());
  co_return http::JsonResponse(200, json::serialize(json::object{{"id", id}, {"retracted", true}}));
}

awaitable<Response> MessagesApi::Extend(http::Request& req) {
  auto principal = Caller(req);
  if (!principal.ok()) co_return Unauthenticated(principal.error(), {});
  boost::system::error_code ec;
  json::value body = json::parse(req.body, ec);
  const json::value* days = ec || !body.is_object() ? nullptr : body.as_object().if_contains("expires_in_days");
  if (!days || !days->is_int64()) {
    co_return Problems({{"expires_in_days", "a whole number of days from now (1 to 3650) is needed"}});
  }
  const std::string id = req.params[0];
  const std::int64_t n = days->as_int64();
  const int clamped = static_cast<int>(std::clamp<std::int64_t>(n, 0, 100000));
  auto set = co_await http::Offload<std::int64_t>(offloader_, [&] {
    audit::ActingAs acting(ActorOf(*principal, req.client_address));
    return escrow_.SetExpiry(id, OwnerOf(*principal), clamped, req.client_address);
  });
  if (!set.ok()) co_return ErrorResponse(set.error());
  co_return http::JsonResponse(
      200, json::serialize(json::object{{"id", id}, {"expires_at", FormatRfc3339(*set)}}));
}

// The header as text (text/plain, message/rfc822: a whole message will do) or as JSON
// {"headers": "…"}; the answer is the analyser's JSON, or a problem saying what is wrong.
awaitable<Response> MessagesApi::ReceivedHeaders(http::Request& req) {
  auto principal = Caller(req);
  if (!principal.ok()) co_return Unauthenticated(principal.error(), {});
  std::string headers;
  if (AsciiLower(req.header("Content-Type")).rfind("application/json", 0) == 0) {
    boost::system::error_code ec;
    json::value v = json::parse(req.body, ec);
    const json::string* text = nullptr;
    if (!ec && v.is_object()) {
      if (const json::value* h = v.as_object().if_contains("headers")) text = h->if_string();
    }
    if (!text) {
      co_return ErrorResponse(MakeError(ErrorCode::kInvalidArgument,
                                        "expected a JSON object with a string \"headers\"",
                                        "headers"));
    }
    headers = std::string(*text);
  } else {
    headers = std::move(req.body);
  }
  auto path = co_await http::Offload<std::string>(offloader_, [&]() -> Result<std::string> {
    auto analysed = received::Analyse(headers);
    if (!analysed.ok()) return std::move(analysed).error();
    return received::FormatJson(*analysed);
  });
  if (!path.ok()) {
    Error e = path.error();
    if (e.code == ErrorCode::kInvalidArgument) e.field = "headers";
    co_return ErrorResponse(e);
  }
  co_return http::JsonResponse(200, std::move(*path));
}

awaitable<Response> MessagesApi::Events(http::Request& req) {
  auto principal = Caller(req);
  if (!principal.ok()) co_return Unauthenticated(principal.error(), {});
  struct Found {
    MessageStatus status;
    std::vector<EventRecord> events;
  };
  const std::string id = req.params[0];
  auto found = co_await http::Offload<Found>(offloader_, [&]() -> Result<Found> {
    auto status = escrow_.Status(id, OwnerOf(*principal));
    if (!status.ok()) return std::move(status).error();
    auto events = escrow_.Events(id);  // only once it is theirs
    if (!events.ok()) return std::move(events).error();
    return Found{std::move(*status), std::move(*events)};
  });
  if (!found.ok()) co_return ErrorResponse(found.error());
  std::map<std::string, std::string> address_of;
  for (const auto& r : found->status.message.recipients) address_of[r.id] = r.address;
  json::array out;
  for (const auto& e : found->events) {
    json::object o{{"type", e.type}, {"at", FormatRfc3339(e.at)}};
    if (!e.recipient_id.empty()) o["recipient"] = address_of[e.recipient_id];
    if (!e.client_address.empty()) o["client_address"] = e.client_address;
    if (!e.detail.empty()) o["detail"] = e.detail;
    out.push_back(std::move(o));
  }
  co_return http::JsonResponse(200, json::serialize(json::object{{"id", id}, {"events", std::move(out)}}));
}

}  // namespace sealpost::api
