// `sealpost admin queue …`: the outbound queue: its backlog, entries, retries and
// deletions.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <iostream>

#include "base/text.h"
#include "queue/backlog.h"

namespace sealpost::admin {
namespace {

// What `queue show` says of an entry's content.
std::string ContentState(const QueueEntry& e) {
  if (e.sealed_content.empty() && e.content_key.empty()) return "deleted";
  if (e.content_blob.empty()) return "sealed, waiting";
  return "sealed, waiting (kept once, blob " + e.content_blob + ")";
}

}  // namespace

void RegisterQueueCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                           int& exit_code) {
  auto* queue = admin->add_subcommand("queue", "The outbound queue")->require_subcommand(1);
  auto* queue_list = queue->add_subcommand("list", "List entries, newest first");
  queue_list->add_option("--state", args->state, "queued, in_flight, deferred, delivered, bounced, expired, "
                        "standby, replanned, superseded, or dead_letter (submissions that could "
                        "not be processed)");
  queue_list->add_option("--limit", args->limit, "at most this many (default 50)")->check(CLI::Range(1, 100000));
  queue_list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    // Submissions that could not be processed come first: they wait for a person.
    auto dead = c.inbound->DeadLetters(a.limit);
    if (!dead.ok()) return std::move(dead).error();
    if (a.state.empty() || a.state == "dead_letter") {
      if (!dead->empty()) {
        std::cout << "Submissions that could not be processed (dead letters; their senders were "
                     "told; `queue retry ID` tries again):\n";
      }
      for (const auto& d : *dead) {
        std::cout << fmt::format("{:<32}  {:<11}  {:>3}  {:<20}  {}\n", d.id, "dead_letter",
                                 d.attempts, FormatRfc3339(d.received_at),
                                 SanitizeForLog(d.last_error, 200));
      }
      if (!a.state.empty()) return OkStatus();
      if (!dead->empty()) std::cout << "\n";
    }
    std::optional<QueueState> state;
    if (!a.state.empty()) {
      state = ParseQueueState(a.state);
      if (!state) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "unknown state \"" + a.state + "\" (queued, in_flight, deferred, "
                         "delivered, bounced, expired, standby, replanned, superseded or "
                         "dead_letter)");
      }
    }
    auto entries = c.queue->List(state, a.limit);
    if (!entries.ok()) return std::move(entries).error();
    // The backlog first: what waits, against the limits that slow and refuse new mail.
    Backlog backlog(BacklogLimitsOf(c.config), *c.inbound, *c.queue, c.clock);
    const BacklogCount waiting = backlog.Refresh();
    std::cout << fmt::format("backlog: {} submissions to process, {} entries to send "
                             "(slows acceptance at {}, refuses at {}): {}\n\n",
                             waiting.submissions, waiting.outbound, backlog.limits().slow_down,
                             backlog.limits().refuse, PressureName(backlog.pressure()));
    std::cout << fmt::format("{:<32}  {:<9}  {:>3}  {:<20}  {:<20}  {}\n", "id", "state", "try",
                             "created", "next attempt", "recipient / last reply");
    for (const auto& e : *entries) {
      bool waiting = e.state == QueueState::kQueued || e.state == QueueState::kDeferred ||
                     e.state == QueueState::kInFlight;
      std::cout << fmt::format("{:<32}  {:<9}  {:>3}  {:<20}  {:<20}  {}{}\n", e.id,
                               QueueStateName(e.state), e.attempts, FormatRfc3339(e.created_at),
                               waiting ? FormatRfc3339(e.next_attempt_at) : "-", e.rcpt_to,
                               e.last_error.empty() ? "" : " / " + e.last_error);
    }
    return OkStatus();
  }));
  auto* queue_show = queue->add_subcommand("show", "Show one entry and its last delivery report");
  queue_show->add_option("id", args->name)->required();
  queue_show->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto entry = c.queue->Find(a.name);
    if (!entry.ok()) return std::move(entry).error();
    if (!entry->has_value()) return MakeError(ErrorCode::kNotFound, "no queue entry " + a.name);
    const QueueEntry& e = **entry;
    std::cout << "id:           " << e.id << "\n"
              << "state:        " << QueueStateName(e.state) << "\n"
              << "message:      " << (e.message_id.empty() ? "-" : e.message_id) << "\n"
              << "from:         <" << e.mail_from << ">\n"
              << "to:           <" << e.rcpt_to << ">\n"
              << "created:      " << FormatRfc3339(e.created_at) << "\n"
              << "attempts:     " << e.attempts << "\n"
              << "next attempt: " << FormatRfc3339(e.next_attempt_at) << "\n"
              << "last reply:   " << (e.last_error.empty() ? "-" : e.last_error) << "\n"
              << "content:      " << ContentState(e) << "\n"
              << "report:       " << (e.report.empty() ? "-" : e.report) << "\n";
    if (e.tls_required) std::cout << "TLS-only:     leaves over TLS 1.2+ or not at all\n";
    if (!e.standby_for.empty()) {
      std::cout << "standby for:  " << e.standby_for << " (sent if that copy cannot get TLS)\n";
    }
    return OkStatus();
  }));
  auto* queue_retry = queue->add_subcommand(
      "retry", "Make a queued or deferred entry, or a dead letter, due now");
  queue_retry->add_option("id", args->name)->required();
  queue_retry->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    if (c.inbound->Revive(a.name, c.clock.NowUnix()).ok()) {
      std::cout << "submission " << a.name << ": due now (tried afresh)\n";
      return OkStatus();
    }
    auto s = c.queue->RetryNow(a.name, c.clock.NowUnix());
    if (s.ok()) std::cout << "queue " << a.name << ": due now\n";
    return s;
  }));
  auto* queue_delete = queue->add_subcommand("delete", "Delete a queued or deferred entry, content and all");
  queue_delete->add_option("id", args->name)->required();
  queue_delete->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto entry = c.queue->Find(a.name);
    if (!entry.ok()) return std::move(entry).error();
    std::string recipient = entry->has_value() ? (*entry)->recipient_id : "";
    auto s = c.queue->Delete(a.name, {0, "", recipient, "queue_deleted", c.clock.NowUnix(), "",
                                      "deleted by an administrator"});
    if (s.ok()) std::cout << "queue " << a.name << ": deleted\n";
    return s;
  }));
}

}  // namespace sealpost::admin
