#include "portal/tool_pages.h"

#include <ctemplate/template.h>

#include "base/clock.h"
#include "received/received.h"

namespace sealpost::portal {

using boost::asio::awaitable;
using http::Response;

namespace {

// A form-encoded header is at most three times its size (every byte escaped).
constexpr std::uint64_t kMaxFormBytes = 3 * received::kMaxHeaderBytes + 1024;

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
  co_return Page(brand, 200, "", nullptr, "");
}

awaitable<Response> ToolPages::Check(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  auto form = http::ParseForm(req.body, 4);
  std::string headers = form.ok() ? http::FormValue(*form, "headers").value_or("") : "";
  if (headers.empty()) {
    co_return Page(brand, 400, "", nullptr, "Paste the header of a message first.");
  }
  Result<received::Path> path = MakeError(ErrorCode::kInternal, "not analysed");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] { path = received::Analyse(headers); })) {
    co_return std::move(*busy);
  }
  if (!path.ok()) {
    co_return Page(brand, 400, headers, nullptr,
                   "This cannot be read as a message header: " + path.error().message + ".");
  }
  co_return Page(brand, 200, headers, &*path, "");
}

Response ToolPages::Page(const Brand& brand, int status, const std::string& headers,
                         const received::Path* path, const std::string& error) const {
  return ctx_.Page(brand, status, "received.tpl", "Was it encrypted?",
                   [&](ctemplate::TemplateDictionary& d) {
    d.SetValue("HEADERS", headers);
    if (!error.empty()) {
      d.ShowSection("ERROR");
      d.SetValue("ERROR_TEXT", error);
    }
    if (!path) return;
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
  });
}

}  // namespace sealpost::portal
