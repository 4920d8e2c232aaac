#include "portal/tool_pages.h"

#include <ctemplate/template.h>

#include "base/clock.h"
#include "received/received.h"

namespace sealpost::portal {

using boost::asio::awaitable;
using http::Response;

namespace {

// "not encrypted" → "not-encrypted", for a class name.
std::string ClassOf(received::Verdict v) {
  std::string name = received::VerdictName(v);
  for (char& c : name) {
    if (c == ' ') c = '-';
  }
  return name;
}

std::string Headline(received::Verdict v) {
  switch (v) {
    case received::Verdict::kEncrypted: return "Encrypted between servers";
    case received::Verdict::kNotEncrypted: return "Not encrypted all the way";
    case received::Verdict::kInternal: return "It never left one server";
    case received::Verdict::kUnknown: return "The header cannot tell";
  }
  return "The header cannot tell";
}

}  // namespace

void ToolPages::Register(http::Router& router) {
  router.Add("GET", "/tools/received", [this](http::Request& r) { return Form(r); });
  // No form token: the check changes nothing and shows its answer only to whoever sent
  // the header, so a forged request from another site gains nothing.
  router.Add("POST", "/tools/received", [this](http::Request& r) { return Check(r); },
             http::BodyMode::kBuffered, kMaxFormBytes);
}

awaitable<Response> ToolPages::Form(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  co_return Page(brand, Outcome{});
}

awaitable<Response> ToolPages::Check(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  Outcome outcome = co_await Analyse(req, brand);
  if (outcome.busy) co_return std::move(*outcome.busy);
  co_return Page(brand, outcome);
}

awaitable<ToolPages::Outcome> ToolPages::Analyse(http::Request& req, const Brand& brand) {
  Outcome outcome;
  auto form = http::ParseForm(req.body, 4);
  outcome.headers = form.ok() ? http::FormValue(*form, "headers").value_or("") : "";
  if (outcome.headers.empty()) {
    outcome.status = 400;
    outcome.error = "Paste the header of a message first.";
    co_return outcome;
  }
  Result<received::Path> path = MakeError(ErrorCode::kInternal, "not analysed");
  outcome.busy = co_await ctx_.OffLoop(brand, [&] { path = received::Analyse(outcome.headers); });
  if (outcome.busy) co_return outcome;
  if (!path.ok()) {
    outcome.status = 400;
    outcome.error = "This cannot be read as a message header: " + path.error().message + ".";
    co_return outcome;
  }
  outcome.path = std::move(*path);
  co_return outcome;
}

Response ToolPages::Page(const Brand& brand, const Outcome& outcome) const {
  return ctx_.Page(brand, outcome.status, "received.tpl", "Was it encrypted?",
                   [&](ctemplate::TemplateDictionary& d) {
                     d.SetValue("ACTION", "/tools/received");
                     Fill(d, outcome);
                   });
}

void ToolPages::Fill(ctemplate::TemplateDictionary& d, const Outcome& outcome) const {
  d.SetValue("HEADERS", outcome.headers);
  if (!outcome.error.empty()) {
    d.ShowSection("ERROR");
    d.SetValue("ERROR_TEXT", outcome.error);
  }
  if (!outcome.path) return;
  const received::Path* path = &*outcome.path;
  auto* result = d.AddSectionDictionary("RESULT");
  result->SetValue("VERDICT_TEXT", Headline(path->verdict));
  result->SetValue("VERDICT_CLASS", ClassOf(path->verdict));
  result->SetValue("SUMMARY", path->summary);
  // The diagram: the first sender, then each receiving host with the hop into it.
  if (!path->hops.empty()) {
    auto* first = result->AddSectionDictionary("NODE");
    first->SetValue("HOST", path->hops[0].from.empty() ? "(a program)" : path->hops[0].from);
    first->SetValue("CLASS", "start");
  }
  for (std::size_t i = 0; i < path->hops.size(); ++i) {
    const received::Hop& h = path->hops[i];
    auto* node = result->AddSectionDictionary("NODE");
    node->SetValue("HOST", h.by.empty() ? "(not named)" : h.by);
    node->SetValue("CLASS", ClassOf(h.verdict));
    node->ShowSection("LINK");
    node->SetValue("VERDICT", received::VerdictName(h.verdict));

    auto* row = result->AddSectionDictionary("HOP");
    row->SetIntValue("N", static_cast<long>(i + 1));
    row->SetValue("CLASS", ClassOf(h.verdict));
    row->SetValue("FROM", received::SenderText(h));
    row->SetValue("BY", h.by);
    row->SetValue("WHEN", h.time ? FormatHumanDate(*h.time) : "");
    if (h.delay) {
      row->ShowSection("DELAY");
      row->SetValue("DELAY", received::DelayText(*h.delay));
    }
    row->SetValue("WITH", h.with);
    std::string tls = h.tls_version;
    if (!h.tls_cipher.empty()) tls += (tls.empty() ? "" : ", ") + h.tls_cipher;
    row->SetValue("TLS", tls);
    row->SetValue("VERDICT", received::VerdictName(h.verdict));
    row->SetValue("REASON", h.reason);
  }
}

}  // namespace sealpost::portal
