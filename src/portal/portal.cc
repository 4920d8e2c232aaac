// The portal put together: one PortalContext, the feature handlers over it, and the
// site's own pages (home, health, static assets, brand stylesheet and logo, and in dev
// mode the outbox).
#include "portal/portal.h"

#include <ctemplate/template.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "portal/common.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

Portal::Portal(PortalSettings settings, EscrowService& escrow, MessageCenter& center,
               PortalAccounts& accounts, BrandBook& brands, const policy::RecipientPlanner& planner,
               const submission::Dispatcher& dispatcher, http::Offloader& offloader,
               const KeyRing& keys, const Clock& clock, ConsoleServices console, FormServices forms,
               CampaignServices campaigns)
    : ctx_(std::move(settings), escrow, center, accounts, brands, planner, dispatcher, offloader,
           keys, clock),
      writing_(ctx_),
      account_pages_(ctx_),
      messages_(ctx_, account_pages_),
      replies_(ctx_, messages_, writing_),
      center_pages_(ctx_, messages_, account_pages_, writing_),
      tools_(ctx_),
      console_(ctx_, tools_, writing_,
               [&] {
                 console.campaigns = campaigns;
                 return console;
               }()),
      forms_(ctx_, forms),
      contacts_(ctx_, campaigns) {}

Portal::~Portal() = default;

Portal::Limits Portal::limits() {
  return {ctx_.guard, ctx_.account_guard, forms_.client_rates(), forms_.form_rates(),
          forms_.scriptless_rates()};
}

void Portal::Register(http::Router& router) {
  router.Add("GET", "/", [this](http::Request& r) { return HomePage(r); });
  router.Add("GET", "/healthz", [](http::Request&) -> awaitable<Response> {
    co_return http::TextResponse(200, "ok\n");
  });
  router.Add("GET", "/static/{name}", [](http::Request& req) -> awaitable<Response> {
    std::string_view asset = FindStatic(req.params[0]);
    if (asset.empty()) co_return http::ProblemResponse(404, "Not found", "");
    Response r;
    r.body = std::string(asset);
    r.Set("Content-Type", req.params[0].ends_with(".js") ? "text/javascript; charset=utf-8"
                                                         : "text/css; charset=utf-8");
    r.Set("Cache-Control", "public, max-age=3600");
    co_return r;
  });
  router.Add("GET", "/brand/{name}/style.css",
             [this](http::Request& r) { return BrandStylesheet(r); });
  router.Add("GET", "/brand/{name}/logo", [this](http::Request& r) { return BrandLogo(r); });
  messages_.Register(router);
  replies_.Register(router);
  account_pages_.Register(router);
  center_pages_.Register(router);
  tools_.Register(router);
  console_.Register(router);
  forms_.Register(router);
  contacts_.Register(router);
  if (ctx_.settings.dev_outbox) {
    router.Add("GET", "/dev/outbox", [this](http::Request& r) { return Outbox(r); });
    router.Add("GET", "/dev/outbox/{name}", [this](http::Request& r) { return Outbox(r); });
  }
}

awaitable<Response> Portal::BrandStylesheet(http::Request& req) {
  Brand brand = co_await ctx_.NamespaceBrand(req.params[0]);
  auto css = ctx_.brands.Stylesheet(req.params[0]);
  if (!css) co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such page.");
  Response r;
  r.body = std::move(*css);
  r.Set("Content-Type", "text/css; charset=utf-8");
  r.Set("Cache-Control", "public, max-age=60");
  co_return r;
}

awaitable<Response> Portal::BrandLogo(http::Request& req) {
  Brand brand = co_await ctx_.NamespaceBrand(req.params[0]);
  auto logo = ctx_.brands.Logo(req.params[0]);
  if (!logo) co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such page.");
  Response r;
  r.body = std::move(logo->first);
  // The type was sniffed from the bytes when the logo was set (PNG or SVG only); an
  // SVG opened on its own runs no script and loads nothing.
  r.Set("Content-Type", logo->second);
  r.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  r.Set("Cache-Control", "public, max-age=60");
  co_return r;
}

Response Portal::Home(const Brand& brand) const {
  return ctx_.Page(brand, 200, "home.tpl", "Secure messages", [](ctemplate::TemplateDictionary&) {});
}

awaitable<Response> Portal::HomePage(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  co_return Home(brand);
}

awaitable<Response> Portal::Outbox(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  co_return req.params.empty() ? OutboxList(brand) : OutboxMail(brand, req.params[0]);
}

Response Portal::OutboxList(const Brand& brand) const {
  struct Mail { std::string name, to, subject; };
  std::vector<Mail> mails;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(ctx_.settings.outbox_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.ends_with(".eml") || name.front() == '.') continue;
    Mail m{name, "", ""};
    std::ifstream in(entry.path());
    std::string line;
    for (int i = 0; i < 40 && std::getline(in, line); ++i) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) break;
      if (line.rfind("To: ", 0) == 0) m.to = line.substr(4);
      if (line.rfind("Subject: ", 0) == 0) m.subject = line.substr(9);
    }
    mails.push_back(std::move(m));
  }
  std::sort(mails.begin(), mails.end(), [](const Mail& a, const Mail& b) { return a.name > b.name; });
  return ctx_.Page(brand, 200, "outbox.tpl", "Development outbox",
              [&](ctemplate::TemplateDictionary& d) {
                if (mails.empty()) d.ShowSection("EMPTY");
                for (const auto& m : mails) {
                  auto* s = d.AddSectionDictionary("MAIL");
                  s->SetValue("NAME", m.name);
                  s->SetValue("TO", m.to);
                  s->SetValue("SUBJECT", m.subject);
                }
              });
}

Response Portal::OutboxMail(const Brand& brand, const std::string& name) const {
  bool valid = name.ends_with(".eml") && name.size() < 128 &&
               std::all_of(name.begin(), name.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
               }) && name.front() != '.';
  std::ifstream in(ctx_.settings.outbox_dir + "/" + name, std::ios::binary);
  if (!valid || !in) {
    return ctx_.ErrorPage(brand, 404, "Not found", "There is no such mail in the outbox.");
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return http::TextResponse(200, std::move(content));
}

}  // namespace sealpost::portal
