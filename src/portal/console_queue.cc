// The outbound queue in the console (issue 22, organisation administrators): entries by
// state, newest first; one entry with its last delivery report (where it went, with
// which TLS, what the server answered); retry now; delete (content and all, recorded as
// the message's event). Never the content: only the envelope and the report.
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "portal/common.h"
#include "portal/console_pages.h"
#include "store/stores.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

namespace {

constexpr int kQueuePage = 100;
constexpr const char* kStates[] = {"queued",  "in_flight", "deferred", "delivered",
                                   "bounced", "expired",   "standby"};

// The report's fields people read, in order, as (label, value).
std::vector<std::pair<std::string, std::string>> ReportLines(const std::string& report) {
  std::vector<std::pair<std::string, std::string>> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(report, ec);
  if (ec || !v.is_object()) return out;
  for (const auto& [key, label] : {std::pair{"outcome", "Outcome"},
                                   {"reply", "Server's answer"},
                                   {"mx_host", "Server"},
                                   {"mx_address", "Address"},
                                   {"tls_version", "TLS"},
                                   {"tls_cipher", "Cipher"},
                                   {"authentication", "Server authenticated by"},
                                   {"finished_at", "When"}}) {
    const auto* field = v.as_object().if_contains(key);
    if (field && field->is_string() && !field->as_string().empty()) {
      out.emplace_back(label, std::string(field->as_string()));
    }
  }
  return out;
}

}  // namespace

awaitable<Response> ConsolePages::Queue(http::Request& req, const Visitor& visitor) {
  const std::string state_name = Field(http::ParseForm(req.query), "state");
  std::optional<QueueState> state;
  if (!state_name.empty()) state = ParseQueueState(state_name);
  std::optional<Result<std::vector<QueueEntry>>> entries;
  std::optional<Result<std::vector<QueueStateCount>>> counts;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        entries.emplace(services_.queue->List(state, kQueuePage));
        counts.emplace(services_.queue->CountByState());
      })) {
    co_return std::move(*busy);
  }
  if (!entries->ok() || !counts->ok()) {
    spdlog::error("console[{}]: queue not read: {}", req.id,
                  (!entries->ok() ? entries->error() : counts->error()).ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  const std::int64_t now = ctx_.clock.NowUnix();
  co_return Page(200, "console_queue.tpl", "Queue", &visitor, "QUEUE_CURRENT",
                 [&](ctemplate::TemplateDictionary& d) {
                   for (const char* name : kStates) {
                     auto* option = d.AddSectionDictionary("STATE_OPTION");
                     option->SetValue("NAME", name);
                     if (state && state_name == name) option->ShowSection("SELECTED");
                   }
                   if (!state) d.ShowSection("ANY");
                   for (const auto& c : **counts) {
                     auto* row = d.AddSectionDictionary("COUNT");
                     row->SetValue("STATE", QueueStateName(c.state));
                     row->SetIntValue("N", static_cast<long>(c.entries));
                   }
                   d.SetIntValue("SHOWN", static_cast<long>((*entries)->size()));
                   for (const auto& e : **entries) {
                     auto* row = d.AddSectionDictionary("ENTRY");
                     row->SetValue("ID", e.id);
                     row->SetValue("TO", e.rcpt_to);
                     row->SetValue("STATE", QueueStateName(e.state));
                     row->SetIntValue("ATTEMPTS", e.attempts);
                     row->SetValue("CREATED", HumanTime(e.created_at));
                     row->SetValue("NEXT",
                                   e.next_attempt_at > now ? HumanTime(e.next_attempt_at) : "");
                     row->SetValue("ERROR", e.last_error);
                   }
                 });
}

awaitable<Response> ConsolePages::QueueEntryPage(http::Request& req, const Visitor& visitor) {
  std::optional<Result<std::optional<QueueEntry>>> found;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(
          brand, [&] { found.emplace(services_.queue->Find(req.params[0])); })) {
    co_return std::move(*busy);
  }
  if (!found->ok()) {
    spdlog::error("console[{}]: queue entry not read: {}", req.id, found->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  if (!found->value()) {
    co_return Info(404, "No such entry", {"The queue has no entry by that name."}, &visitor,
                   "/console/queue", "The queue");
  }
  const QueueEntry& e = *found->value();
  const bool waiting = e.state == QueueState::kQueued || e.state == QueueState::kDeferred;
  co_return Page(200, "console_queue_entry.tpl", "Queue entry", &visitor, "QUEUE_CURRENT",
                 [&](ctemplate::TemplateDictionary& d) {
                   d.SetValue("ID", e.id);
                   d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                   d.SetValue("MESSAGE", e.message_id);
                   d.SetValue("FROM", e.mail_from.empty() ? "<> (a notice)" : e.mail_from);
                   d.SetValue("TO", e.rcpt_to);
                   d.SetValue("STATE", QueueStateName(e.state));
                   d.SetIntValue("ATTEMPTS", e.attempts);
                   d.SetValue("CREATED", HumanTime(e.created_at));
                   d.SetValue("NEXT", HumanTime(e.next_attempt_at));
                   d.SetValue("TLS_REQUIRED", e.tls_required ? "yes" : "no");
                   d.SetValue("ERROR", e.last_error.empty() ? "none" : e.last_error);
                   for (const auto& [label, value] : ReportLines(e.report)) {
                     auto* line = d.AddSectionDictionary("REPORT");
                     line->SetValue("LABEL", label);
                     line->SetValue("VALUE", value);
                   }
                   if (waiting) d.ShowSection("WAITING");
                 });
}

awaitable<Response> ConsolePages::RetryEntry(http::Request& req, const Visitor& visitor) {
  const std::string id = req.params[0];
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/queue/" + id, "Back to the entry");
  }
  Status done = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, id, [&] { return services_.queue->RetryNow(id, ctx_.clock.NowUnix()); },
          &done)) {
    co_return std::move(*busy);
  }
  if (!done.ok()) {
    co_return Info(done.error().code == ErrorCode::kNotFound ? 404 : 409, "Not retried",
                   {done.error().message}, &visitor, "/console/queue/" + id, "Back to the entry");
  }
  co_return http::RedirectResponse("/console/queue/" + id);
}

awaitable<Response> ConsolePages::DeleteEntry(http::Request& req, const Visitor& visitor) {
  const std::string id = req.params[0];
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/queue/" + id, "Back to the entry");
  }
  Status done = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, id,
          [&]() -> Status {
            auto entry = services_.queue->Find(id);
            if (!entry.ok()) return std::move(entry).error();
            if (!entry->has_value()) return MakeError(ErrorCode::kNotFound, "no such entry");
            return services_.queue->Delete(
                id, {0, "", (*entry)->recipient_id, "queue_deleted", ctx_.clock.NowUnix(),
                     req.client_address, "deleted by an administrator"});
          },
          &done)) {
    co_return std::move(*busy);
  }
  if (!done.ok()) {
    co_return Info(done.error().code == ErrorCode::kNotFound ? 404 : 409, "Not deleted",
                   {done.error().message}, &visitor, "/console/queue/" + id, "Back to the entry");
  }
  co_return http::RedirectResponse("/console/queue");
}

}  // namespace sealpost::portal
