// The console's sending pages (issue 22). A sender writes a message — to, cc, bcc,
// subject, text, files streamed into an escrow draft's encrypted blobs, expiry, read
// receipt, TLS-only opt-out — and reviews it before it goes: the review shows how each
// recipient will get it and why (the plan of the RecipientPlanner the API uses, so the
// console decides exactly as the API would) and asks for a question and answer when a
// recipient needs one, with "save to my address book". Then it is sent by the one road
// (RecipientPlanner, Dispatcher). The sender's sent messages: each recipient's status and
// the events, retract and extend. A sender sees and controls only what they sent.
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "audit/pending.h"
#include "base/text.h"
#include "http/server.h"
#include "mime/address.h"
#include "policy/address_books.h"
#include "policy/recipient_planner.h"
#include "portal/common.h"
#include "portal/console_pages.h"
#include "submission/composed.h"
#include "submission/dispatcher.h"
#include "submission/saved_answers.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using console::Area;
using http::Response;

namespace {

// The compose form's fields beyond csrf, to, subject and text.
const std::set<std::string> kComposeFields = {"cc", "bcc", "expires_in_days", "read_receipt",
                                              "no_tls_only"};
constexpr char kComposePurpose[] = "console-compose";
constexpr int kSentPage = 25;
constexpr int kOwnBookPage = 100;

// Addresses as people type them: separated by commas, semicolons, spaces or lines.
std::vector<std::string> SplitAddresses(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

void ReadAddresses(const char* label, std::string_view text, std::vector<std::string>& out,
                   std::vector<std::string>& problems) {
  for (auto& a : SplitAddresses(text)) {
    std::string why = AddressProblem(a);
    if (why.empty()) {
      out.push_back(std::move(a));
    } else {
      problems.push_back(std::string(label) + ": “" + SanitizeForLog(a, 80) +
                         "” is not an email address: it " + why + ".");
    }
  }
}

// One line of the review: how a recipient will get the message, in words, and why.
struct PlanRow {
  std::string address, kind, how, why;
};

std::string HowEscrow(const policy::EscrowRecipient& r) {
  return r.login ? "Secure portal, after signing in"
                 : "Secure portal, after answering the question “" + r.question + "”";
}

std::vector<PlanRow> RowsOf(const policy::RecipientPlan& plan) {
  std::vector<PlanRow> rows;
  const std::string fallback = "If TLS cannot be had: ";
  for (const auto& r : plan.direct) {
    rows.push_back({r.address, r.kind,
                    r.tls_required() ? "By email over an encrypted connection only (TLS required)"
                                     : "Standard email (encrypted in transit where offered)",
                    r.trace});
  }
  for (const auto& r : plan.recipients) {
    rows.push_back({r.address, r.kind, (r.standby ? fallback : "") + HowEscrow(r), r.trace});
  }
  for (const auto& r : plan.encrypted) {
    rows.push_back({r.address, r.kind,
                    (r.standby ? fallback : "") + (r.method == "pgp"
                                                       ? "Encrypted to their OpenPGP key"
                                                       : "Encrypted to their S/MIME certificate"),
                    r.trace});
  }
  for (const auto& a : plan.need_question) {
    rows.push_back({a, "", "Secure portal, after answering your question (below)",
                    "nothing on record verifies them: you choose the question"});
  }
  for (const auto& r : plan.send_plain) {
    rows.push_back({r.address, r.kind, "Without encryption (your organisation’s rule)", r.trace});
  }
  for (const auto& r : plan.bounce) {
    rows.push_back(
        {r.address, r.kind, (r.standby ? fallback : "") + "Not sent: you will be told", r.trace});
  }
  return rows;
}

audit::Actor ActorOf(const std::string& address, const std::string& client,
                     const std::string& account) {
  return {"user", address, client, account};
}

}  // namespace

submission::Submission ConsolePages::SubmissionOf(const Written& w, const std::string& from,
                                                  std::vector<std::string>* problems) {
  const submission::RequestLimits limits;  // the API's, so both refuse alike
  submission::Submission m;
  m.from = from;
  ReadAddresses("To", w.to, m.to, *problems);
  ReadAddresses("Cc", w.cc, m.cc, *problems);
  ReadAddresses("Bcc", w.bcc, m.bcc, *problems);
  if (m.to.size() + m.cc.size() + m.bcc.size() > limits.max_recipients) {
    problems->push_back("Send to at most " + std::to_string(limits.max_recipients) +
                        " recipients at once.");
  }
  if (auto why = submission::SubjectProblem(w.subject, limits); !why.empty()) {
    problems->push_back("The subject " + why + ".");
  }
  m.subject = w.subject;
  m.text = w.text;
  if (!w.expires.empty()) {
    const bool digits =
        w.expires.size() <= 6 && w.expires.find_first_not_of("0123456789") == std::string::npos;
    const std::int64_t days = digits ? std::stoll(w.expires) : 0;
    if (auto why = submission::ExpiryProblem(days, limits); !digits || !why.empty()) {
      problems->push_back("The expiry " +
                          (why.empty() ? std::string("must be a number of days") : why) + ".");
    } else {
      m.expires_in_days = static_cast<int>(days);
    }
  }
  m.read_receipt = w.read_receipt;
  m.tls_only_opt_out = w.no_tls_only;
  return m;
}

// The live preview: what the review would say of each recipient, for the message as
// written so far (its files are read at the review). JSON for console-compose.js; the
// same policy engine, so it says what will happen, not a guess.
awaitable<Response> ConsolePages::PreviewCompose(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, kComposePurpose, visitor.cookie)) {
    co_return http::ProblemResponse(403, "Form expired",
                                    "Load the page again: this form is no longer valid.");
  }
  auto form = http::ParseForm(req.body);
  Written w{Field(form, "to"),
            Field(form, "cc"),
            Field(form, "bcc"),
            Field(form, "subject"),
            Field(form, "text"),
            "",
            false,
            Field(form, "no_tls_only") == "yes"};
  std::vector<std::string> problems;
  submission::Submission m = SubmissionOf(w, visitor.session.address, &problems);
  namespace json = boost::json;
  json::object out;
  json::array recipients;
  if (!m.to.empty() || !m.cc.empty() || !m.bcc.empty()) {
    std::optional<Result<policy::RecipientPlan>> plan;
    const Brand brand = ctx_.brands.ForNamespace("");
    if (auto busy = co_await ctx_.OffLoop(
            brand, [&] { plan.emplace(ctx_.planner.Plan(submission::PlanInputOf(m, true))); })) {
      co_return http::ProblemResponse(503, "Busy", "Try again in a moment.");
    }
    if (!plan->ok()) {
      spdlog::error("console[{}]: preview not planned: {}", req.id, plan->error().ToString());
      co_return http::ProblemResponse(500, "Not planned",
                                      "How to send it could not be worked out just now.");
    }
    for (const auto& row : RowsOf(**plan)) {
      recipients.push_back(json::object{
          {"address", row.address}, {"kind", row.kind}, {"how", row.how}, {"why", row.why}});
    }
    out["refused"] = (*plan)->refused ? json::value(*(*plan)->refused) : json::value(nullptr);
  }
  json::array said;
  for (auto& p : problems) said.emplace_back(p);
  out["recipients"] = std::move(recipients);
  out["problems"] = std::move(said);
  co_return http::JsonResponse(200, json::serialize(out));
}

Response ConsolePages::ComposePage(int status, const Visitor& visitor, const Written& written,
                                   const std::vector<std::string>& problems) const {
  Response r = Page(status, "console_compose.tpl", "Write a secure message", &visitor,
                    "COMPOSE_CURRENT", [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("CSRF", ctx_.FormToken(kComposePurpose, visitor.cookie));
                      d.SetValue("TO", written.to);
                      d.SetValue("CC", written.cc);
                      d.SetValue("BCC", written.bcc);
                      d.SetValue("SUBJECT", written.subject);
                      d.SetValue("TEXT", written.text);
                      d.SetValue("EXPIRES", written.expires);
                      d.SetValue("MAX", HumanSize(ctx_.settings.max_reply_bytes));
                      if (written.read_receipt) d.ShowSection("READ_RECEIPT");
                      if (written.no_tls_only) d.ShowSection("NO_TLS_ONLY");
                      if (!problems.empty()) {
                        d.ShowSection("ERROR");
                        for (const auto& p : problems) {
                          d.AddSectionDictionary("PROBLEM")->SetValue("TEXT", p);
                        }
                      }
                    });
  // The one page with a script (console-compose.js, from this origin only): the live
  // preview of each recipient's method, asked of this server.
  AllowOwnScripts(r);
  return r;
}

awaitable<Response> ConsolePages::ComposeForm(http::Request&, const Visitor& visitor) {
  co_return ComposePage(200, visitor, {}, {});
}

awaitable<Response> ConsolePages::SubmitCompose(http::Request& req, const Visitor& visitor) {
  Writing::Upload up = co_await writing_.ReadUpload(req, kComposeFields);
  auto extra = [&](const char* name) {
    auto it = up.form.extra.find(name);
    return it == up.form.extra.end() ? std::string() : it->second;
  };
  Written w{up.form.to,
            extra("cc"),
            extra("bcc"),
            up.form.subject,
            up.form.text,
            std::string(TrimWhitespace(extra("expires_in_days"))),
            extra("read_receipt") == "yes",
            extra("no_tls_only") == "yes"};
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto refused = writing_.UploadRefused(
          brand, up, [&](const std::string& e) { return ComposePage(422, visitor, w, {e}); },
          kComposePurpose, visitor.cookie)) {
    co_return std::move(*refused);
  }

  std::vector<std::string> problems;
  submission::Submission m = SubmissionOf(w, visitor.session.address, &problems);
  if (m.to.empty() && problems.empty()) problems.push_back("Name at least one recipient in To.");
  if (!problems.empty()) {
    // A file input cannot be filled in again by the server.
    if (!up.draft->attachments().empty()) problems.push_back("Choose your files again.");
    co_return ComposePage(422, visitor, w, problems);
  }

  // Content rules read text files too, as the API's do.
  std::optional<Status> read;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        std::size_t budget = submission::kMaxRuleText;
        read.emplace(submission::AddDraftRuleTexts(*up.draft, m, &budget));
      })) {
    co_return std::move(*busy);
  }
  if (!read->ok()) {
    spdlog::error("console[{}]: files not read back: {}", req.id, read->error().ToString());
    co_return ComposePage(500, visitor, w, {"Your files could not be read. Please try again."});
  }
  auto held = held_.Hold({visitor.session.address, std::move(m), std::move(up.draft), 0});
  if (!held.ok()) {
    co_return Info(503, "Too busy", {"Too many messages wait to be sent. Try again in a moment."},
                   &visitor);
  }
  co_return http::RedirectResponse("/console/compose/" + *held);
}

Response ConsolePages::ReviewPage(int status, const Visitor& visitor, const std::string& id,
                                  const HeldComposition& held, const policy::RecipientPlan* plan,
                                  const std::string& error, const std::string& question) const {
  const submission::Submission& m = held.message;
  return Page(status, "console_review.tpl", "Review and send", &visitor, "COMPOSE_CURRENT",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("ID", id);
                d.SetValue("CSRF", ctx_.FormToken(kComposePurpose, visitor.cookie));
                d.SetValue("SUBJECT", m.subject.empty() ? "(no subject)" : m.subject);
                std::string files;
                for (const auto& a : held.draft->attachments()) {
                  files +=
                      (files.empty() ? "" : ", ") + a.filename + " (" + HumanSize(a.size) + ")";
                }
                d.SetValue("FILES", files.empty() ? "none" : files);
                if (m.read_receipt) d.ShowSection("READ_RECEIPT");
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
                if (!plan) return;
                d.SetIntValue("EXPIRY", plan->expiry_days);
                d.ShowSection("PLAN");
                for (const auto& row : RowsOf(*plan)) {
                  auto* r = d.AddSectionDictionary("RECIPIENT");
                  r->SetValue("ADDRESS", row.address);
                  r->SetValue("KIND", row.kind);
                  r->SetValue("HOW", row.how);
                  r->SetValue("WHY", row.why);
                }
                if (plan->refused) {
                  auto* refused = d.AddSectionDictionary("REFUSED");
                  refused->SetValue("REASON", *plan->refused);
                  return;
                }
                auto* send = d.AddSectionDictionary("SEND");
                if (!plan->need_question.empty()) {
                  auto* q = send->AddSectionDictionary("QUESTION");
                  q->SetValue("NAMES", Join(plan->need_question));
                  q->SetValue("QUESTION_TEXT", question);
                  if (!error.empty()) q->ShowSection("INVALID");
                }
              });
}

awaitable<Response> ConsolePages::Review(http::Request& req, const Visitor& visitor) {
  const std::string id = req.params[0];
  // Out while it is planned (the plan reads it in place); back when done.
  auto held = held_.Take(id, visitor.session.address);
  if (!held) {
    co_return Info(404, "This message is no longer waiting",
                   {"It was sent, discarded, or waited longer than an hour."}, &visitor,
                   "/console/sent", "Your sent messages");
  }
  std::optional<Result<policy::RecipientPlan>> plan;
  const Brand brand = ctx_.brands.ForNamespace("");
  auto busy = co_await ctx_.OffLoop(brand, [&] {
    plan.emplace(ctx_.planner.Plan(submission::PlanInputOf(held->message, true)));
  });
  Response r = busy          ? std::move(*busy)
               : !plan->ok() ? ReviewPage(500, visitor, id, *held, nullptr,
                                          "How to send it could not be worked out. Please try "
                                          "again in a moment.",
                                          "")
                             : ReviewPage(200, visitor, id, *held, &plan->value(), "", "");
  if (plan && !plan->ok()) {
    spdlog::error("console[{}]: not planned: {}", req.id, plan->error().ToString());
  }
  held_.Return(id, std::move(held));
  co_return r;
}

awaitable<Response> ConsolePages::SendHeld(http::Request& req, const Visitor& visitor) {
  const std::string id = req.params[0];
  if (!ctx_.FormTokenValid(req, kComposePurpose, visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/compose/" + id, "Back to the review");
  }
  auto form = http::ParseForm(req.body);
  const std::string question = Field(form, "question");
  std::string answer = Field(form, "answer");
  const bool save_answer = Field(form, "save_answer") == "yes";
  auto held = held_.Take(id, visitor.session.address);
  if (!held) {
    co_return Info(404, "This message is no longer waiting",
                   {"It was sent, discarded, or waited longer than an hour. Nothing more was "
                    "sent."},
                   &visitor, "/console/sent", "Your sent messages");
  }
  const submission::RequestLimits limits;
  std::string problem;
  submission::Submission& m = held->message;
  m.question.reset();
  m.answer.reset();
  m.save_answer = false;
  if (!question.empty() || !answer.empty()) {
    if (auto why = submission::QuestionProblem(question, limits); !why.empty()) {
      problem = "The question " + why + ".";
    } else if (auto why = submission::AnswerProblem(answer, limits); !why.empty()) {
      problem = "The answer " + why + ".";
    } else {
      m.question = question;
      m.answer = answer;
      m.save_answer = save_answer;
    }
  }
  WipeMemory(answer.data(), answer.size());

  std::optional<Result<policy::RecipientPlan>> plan;
  std::optional<Result<SubmitResult>> sent;
  std::optional<Result<std::string>> saved;
  const Brand brand = ctx_.brands.ForNamespace("");
  const std::string account = visitor.account.empty() ? "default" : visitor.account;
  auto busy = co_await ctx_.OffLoop(brand, [&] {
    plan.emplace(ctx_.planner.Plan(submission::PlanInputOf(m, true)));
    if (!problem.empty() || !plan->ok() || (*plan)->refused || !(*plan)->need_question.empty()) {
      return;  // the sender has more to say, or it cannot be sent
    }
    audit::ActingAs acting(ActorOf(visitor.session.address, req.client_address, account));
    submission::Dispatch d;
    d.submission = &m;
    d.plan = std::move(**plan);
    d.account = account;
    d.client_address = req.client_address;
    d.message = submission::ComposedFrom(m, *held->draft);
    d.draft = std::move(held->draft);
    sent.emplace(ctx_.dispatcher.Send(std::move(d)));
    if (sent->ok() && m.save_answer) {
      saved.emplace(submission::SaveSendersAnswers(ctx_.planner, m, **sent, ctx_.clock.NowUnix()));
    }
  });
  if (m.answer) WipeMemory(m.answer->data(), m.answer->size());
  if (busy) {
    // Nothing ran: it waits as it was, without this try's question.
    m.question.reset();
    m.answer.reset();
    if (held->draft) held_.Return(id, std::move(held));
    co_return std::move(*busy);
  }
  if (!sent) {
    // Not sent: the review again, saying what is missing.
    std::string error = problem;
    if (plan->ok() && error.empty() && !(*plan)->need_question.empty() && !(*plan)->refused) {
      error = "Give a question and its answer for " + Join((*plan)->need_question) + ".";
    }
    if (!plan->ok()) {
      spdlog::error("console[{}]: not planned: {}", req.id, plan->error().ToString());
      error = "How to send it could not be worked out. Please try again in a moment.";
    }
    m.question.reset();
    m.answer.reset();
    Response r = ReviewPage(plan->ok() ? 422 : 500, visitor, id, *held,
                            plan->ok() ? &plan->value() : nullptr, error, question);
    held_.Return(id, std::move(held));
    co_return r;
  }
  if (!sent->ok()) {
    spdlog::error("console[{}]: message not sent: {}", req.id, sent->error().ToString());
    co_return Info(500, "It was not sent",
                   {"Something went wrong and nothing was sent. Please write it again."}, &visitor,
                   "/console/compose", "Write a message");
  }
  const std::string message_id = (*sent)->message_id;
  spdlog::info("console[{}]: message {} sent by {}", req.id, message_id,
               visitor.session.account_id);
  if (saved && !saved->ok()) {
    // The message is committed; keeping its answers is a courtesy that must not undo it.
    spdlog::warn("console[{}]: message {} sent, but its answers were not saved: {}", req.id,
                 message_id, saved->error().ToString());
  }
  co_return http::RedirectResponse("/console/sent/" + message_id +
                                   (saved && saved->ok() ? "?saved=1" : "?sent=1"));
}

awaitable<Response> ConsolePages::DiscardHeld(http::Request& req, const Visitor& visitor) {
  const std::string id = req.params[0];
  if (!ctx_.FormTokenValid(req, kComposePurpose, visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/compose/" + id, "Back to the review");
  }
  auto held = held_.Take(id, visitor.session.address);
  // Its draft removes its blobs as it goes: off the loop.
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] { held.reset(); })) {
    co_return std::move(*busy);
  }
  co_return http::RedirectResponse("/console/compose");
}

awaitable<Response> ConsolePages::SentList(http::Request& req, const Visitor& visitor) {
  auto query = http::ParseForm(req.query);
  MessageQuery q;
  q.account = visitor.account.empty() ? "default" : visitor.account;
  q.sender = visitor.session.address;
  q.limit = kSentPage + 1;  // one more: is there an older page?
  const std::string after = Field(query, "after");
  if (!after.empty() && after.size() <= 64 &&
      after.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos) {
    q.after_id = after;
  }
  std::optional<Result<std::vector<MessageRecord>>> messages;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        messages.emplace(ctx_.escrow.List(q, MessageOwner(q.account, visitor.session.address)));
      })) {
    co_return std::move(*busy);
  }
  if (!messages->ok()) {
    spdlog::error("console[{}]: sent list failed: {}", req.id, messages->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  auto& list = **messages;
  const bool more = static_cast<int>(list.size()) > kSentPage;
  if (more) list.resize(kSentPage);
  const std::int64_t now = ctx_.clock.NowUnix();
  co_return Page(200, "console_sent.tpl", "Sent messages", &visitor, "SENT_CURRENT",
                 [&](ctemplate::TemplateDictionary& d) {
                   d.SetIntValue("COUNT", static_cast<long>(list.size()));
                   for (const MessageRecord& message : list) {
                     MessageStatus status{message, now >= message.expires_at};
                     auto* row = d.AddSectionDictionary("MESSAGE");
                     row->SetValue("ID", message.id);
                     row->SetValue("WHEN", HumanTime(message.created_at));
                     std::vector<std::string> to;
                     std::map<std::string, int> states;
                     for (const auto& r : message.recipients) {
                       if (std::find(to.begin(), to.end(), r.address) == to.end()) {
                         to.push_back(r.address);
                       }
                       ++states[ReportedStatus(r, status)];
                     }
                     row->SetValue("TO", Join(to));
                     std::string summary;
                     for (const auto& [state, n] : states) {
                       summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + state;
                     }
                     row->SetValue("STATES", summary);
                   }
                   if (more) d.AddSectionDictionary("MORE")->SetValue("AFTER", list.back().id);
                 });
}

awaitable<Response> ConsolePages::SentMessage(http::Request& req, const Visitor& visitor) {
  const std::string id = req.params[0];
  const std::string account = visitor.account.empty() ? "default" : visitor.account;
  std::optional<Result<MessageStatus>> status;
  std::optional<Result<std::vector<EventRecord>>> events;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        status.emplace(ctx_.escrow.Status(id, MessageOwner(account, visitor.session.address)));
        if (status->ok()) events.emplace(ctx_.escrow.Events(id));
      })) {
    co_return std::move(*busy);
  }
  if (!status->ok() && status->error().code == ErrorCode::kNotFound) {
    co_return Info(404, "No such message", {"You sent no message by that name."}, &visitor,
                   "/console/sent", "Your sent messages");
  }
  const Error* error = !status->ok()   ? &status->error()
                       : !events->ok() ? &events->error()
                                       : nullptr;
  if (error) {
    spdlog::error("console[{}]: message not read: {}", req.id, error->ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  const MessageStatus& s = **status;
  auto query = http::ParseForm(req.query);
  const bool gone = s.expired || s.message.retracted_at.has_value();
  co_return Page(
      200, "console_message.tpl", "A sent message", &visitor, "SENT_CURRENT",
      [&](ctemplate::TemplateDictionary& d) {
        d.SetValue("ID", s.message.id);
        d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
        d.SetValue("SENT_AT", HumanTime(s.message.created_at));
        d.SetValue("EXPIRES_AT", HumanTime(s.message.expires_at));
        if (!Field(query, "sent").empty()) d.ShowSection("JUST_SENT");
        if (!Field(query, "saved").empty()) {
          d.ShowSection("JUST_SENT");
          d.ShowSection("SAVED");
        }
        if (s.message.retracted_at) {
          d.AddSectionDictionary("RETRACTED")->SetValue("WHEN", HumanTime(*s.message.retracted_at));
        } else if (s.expired) {
          d.ShowSection("EXPIRED");
        }
        if (!gone) d.ShowSection("CONTROLS");
        std::map<std::string, std::string> address_of;
        for (const auto& r : s.message.recipients) {
          address_of[r.id] = r.address;
          auto* row = d.AddSectionDictionary("RECIPIENT");
          row->SetValue("ADDRESS", r.address);
          row->SetValue("KIND", r.kind);
          row->SetValue("METHOD", r.method);
          row->SetValue("STATUS", ReportedStatus(r, s));
          row->SetValue("WHY", r.trace);
        }
        for (const auto& e : **events) {
          auto* row = d.AddSectionDictionary("EVENT");
          row->SetValue("WHEN", HumanTime(e.at));
          row->SetValue("TYPE", e.type);
          auto it = address_of.find(e.recipient_id);
          row->SetValue("RECIPIENT", it == address_of.end() ? "" : it->second);
          row->SetValue("DETAIL", e.detail);
        }
      });
}

awaitable<Response> ConsolePages::RetractSent(http::Request& req, const Visitor& visitor) {
  const std::string id = req.params[0];
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/sent/" + id, "Back to the message");
  }
  const std::string account = visitor.account.empty() ? "default" : visitor.account;
  std::optional<Status> done;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        audit::ActingAs acting(ActorOf(visitor.session.address, req.client_address, account));
        done.emplace(ctx_.escrow.Retract(id, MessageOwner(account, visitor.session.address),
                                         req.client_address));
      })) {
    co_return std::move(*busy);
  }
  if (!done->ok()) {
    const ErrorCode code = done->error().code;
    if (code == ErrorCode::kNotFound) {
      co_return Info(404, "No such message", {"You sent no message by that name."}, &visitor,
                     "/console/sent", "Your sent messages");
    }
    if (code == ErrorCode::kFailedPrecondition) {
      co_return Info(409, "Already gone",
                     {"This message was already withdrawn or has expired: nobody can open it."},
                     &visitor, "/console/sent/" + id, "Back to the message");
    }
    spdlog::error("console[{}]: not retracted: {}", req.id, done->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  co_return http::RedirectResponse("/console/sent/" + id);
}

awaitable<Response> ConsolePages::ExtendSent(http::Request& req, const Visitor& visitor) {
  const std::string id = req.params[0];
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/sent/" + id, "Back to the message");
  }
  auto form = http::ParseForm(req.body);
  const std::string days_text(TrimWhitespace(Field(form, "days")));
  const bool digits = !days_text.empty() && days_text.size() <= 6 &&
                      days_text.find_first_not_of("0123456789") == std::string::npos;
  const submission::RequestLimits limits;
  const std::int64_t days = digits ? std::stoll(days_text) : 0;
  if (auto why = submission::ExpiryProblem(days, limits); !why.empty()) {
    co_return Info(422, "Not changed", {"The number of days " + why + "."}, &visitor,
                   "/console/sent/" + id, "Back to the message");
  }
  const std::string account = visitor.account.empty() ? "default" : visitor.account;
  std::optional<Result<std::int64_t>> set;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        audit::ActingAs acting(ActorOf(visitor.session.address, req.client_address, account));
        set.emplace(ctx_.escrow.SetExpiry(id, MessageOwner(account, visitor.session.address),
                                          static_cast<int>(days), req.client_address));
      })) {
    co_return std::move(*busy);
  }
  if (!set->ok()) {
    const ErrorCode code = set->error().code;
    if (code == ErrorCode::kNotFound) {
      co_return Info(404, "No such message", {"You sent no message by that name."}, &visitor,
                     "/console/sent", "Your sent messages");
    }
    if (code == ErrorCode::kFailedPrecondition) {
      co_return Info(409, "Already gone",
                     {"This message was already withdrawn or has expired: it cannot be opened "
                      "again."},
                     &visitor, "/console/sent/" + id, "Back to the message");
    }
    spdlog::error("console[{}]: expiry not set: {}", req.id, set->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  co_return http::RedirectResponse("/console/sent/" + id);
}

}  // namespace sealpost::portal

namespace sealpost::portal {

// --- the sender's own address book --------------------------------------------------

awaitable<Response> ConsolePages::OwnBook(http::Request& req, const Visitor& visitor) {
  co_return co_await OwnBookView(req, visitor, "");
}

awaitable<Response> ConsolePages::OwnBookView(http::Request& req, const Visitor& visitor,
                                              const std::string& error) {
  auto query = http::ParseForm(req.query);
  const std::string after = Field(query, "after").substr(0, 254);
  std::optional<Result<policy::AddressBookDirectory::OwnBook>> own;
  std::optional<Result<policy::AddressBookDirectory::ListingPage>> page;
  std::optional<Result<std::vector<std::pair<std::string, std::string>>>> links;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        own.emplace(services_.books->OwnBookOf(visitor.session.address));
        links.emplace(services_.books->Links(visitor.session.address));
        if (own->ok() && (*own)->linked) {
          page.emplace(services_.books->Page((*own)->ref, after, kOwnBookPage));
        }
      })) {
    co_return std::move(*busy);
  }
  const Error* failed = !own->ok()            ? &own->error()
                        : !links->ok()        ? &links->error()
                        : page && !page->ok() ? &page->error()
                                              : nullptr;
  if (failed) {
    spdlog::error("console[{}]: own book not read: {}", req.id, failed->ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  co_return Page(error.empty() ? 200 : 422, "console_address_book.tpl", "Your address book",
                 &visitor, "OWN_BOOK_CURRENT", [&](ctemplate::TemplateDictionary& d) {
                   d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                   d.SetValue("BOOK", (*own)->ref.ToString());
                   if (!error.empty()) {
                     d.ShowSection("ERROR");
                     d.SetValue("ERROR_TEXT", error);
                   }
                   const auto* entries = page ? &page->value() : nullptr;
                   d.SetIntValue("COUNT", entries ? static_cast<long>(entries->total) : 0);
                   if (entries) {
                     for (const auto& e : entries->entries) {
                       auto* row = d.AddSectionDictionary("ENTRY");
                       row->SetValue("ADDRESS", e.address);
                       row->SetValue("KIND", e.kind);
                     }
                     if (static_cast<int>(entries->entries.size()) == kOwnBookPage) {
                       d.AddSectionDictionary("MORE")->SetValue(
                           "AFTER", http::PercentEncode(entries->entries.back().address));
                     }
                   }
                   ctemplate::TemplateDictionary* others = nullptr;
                   for (const auto& [book, role] : **links) {
                     if (book == (*own)->ref.ToString()) continue;
                     if (!others) others = d.AddSectionDictionary("OTHERS");
                     auto* other = others->AddSectionDictionary("OTHER");
                     other->SetValue("BOOK", book);
                     other->SetValue("ROLE", role);
                   }
                 });
}

awaitable<Response> ConsolePages::AddToOwnBook(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/address-book", "Back to your address book");
  }
  auto form = http::ParseForm(req.body);
  const std::string address(TrimWhitespace(Field(form, "address")));
  const std::string question(TrimWhitespace(Field(form, "question")));
  std::string answer = Field(form, "answer");
  const submission::RequestLimits limits;
  std::string refused;
  if (const std::string why = AddressProblem(address); !why.empty()) {
    refused = "“" + SanitizeForLog(address, 80) + "” is not an email address: it " + why + ".";
  } else if (auto q = submission::QuestionProblem(question, limits); !q.empty()) {
    refused = "The question " + q + ".";
  } else if (auto a = submission::AnswerProblem(answer, limits); !a.empty()) {
    refused = "The answer " + a + ".";
  }
  Status saved = OkStatus();
  if (refused.empty()) {
    if (auto busy = co_await Change(
            req, visitor, address,
            [&]() -> Status {
              auto kept = services_.books->SaveToDefaultBook(visitor.session.address, {address},
                                                             {question, answer});
              return kept.ok() ? OkStatus() : Status(kept.error());
            },
            &saved)) {
      WipeMemory(answer.data(), answer.size());
      co_return std::move(*busy);
    }
    if (!saved.ok()) refused = "Not saved: " + saved.error().message + ".";
  }
  WipeMemory(answer.data(), answer.size());
  if (refused.empty()) co_return http::RedirectResponse("/console/address-book");
  co_return co_await OwnBookView(req, visitor, refused);
}

awaitable<Response> ConsolePages::RemoveFromOwnBook(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/address-book", "Back to your address book");
  }
  auto form = http::ParseForm(req.body);
  const std::string address = Field(form, "address");
  Status removed = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, address,
          [&]() -> Status {
            auto own = services_.books->OwnBookOf(visitor.session.address);
            if (!own.ok()) return std::move(own).error();
            if (!own->linked)
              return MakeError(ErrorCode::kNotFound, "your book has no entry for it");
            return services_.books->Remove(own->ref, address);
          },
          &removed)) {
    co_return std::move(*busy);
  }
  if (!removed.ok()) {
    co_return co_await OwnBookView(req, visitor, "Not removed: " + removed.error().message + ".");
  }
  co_return http::RedirectResponse("/console/address-book");
}

}  // namespace sealpost::portal
