#include "portal/contact_pages.h"

#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include "campaigns/engagement.h"
#include "campaigns/tracking.h"
#include "portal/common.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

constexpr std::uint64_t kFormLimit = 16 * 1024;
constexpr std::size_t kMaxUnsubscribeToken = 200;

// A transparent GIF of one pixel.
constexpr unsigned char kPixel[] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};

}  // namespace

void ContactPages::Register(http::Router& router) {
  if (!services_.engagement) return;
  router.Add("GET", "/u/{token}", [this](Request& r) { return PreferencesPage(r); });
  router.Add(
      "POST", "/u/{token}", [this](Request& r) { return SavePreferences(r); },
      http::BodyMode::kBuffered, kFormLimit);
  router.Add("GET", "/t/o/{token}", [this](Request& r) { return Pixel(r); });
  router.Add("GET", "/t/c/{token}", [this](Request& r) { return Click(r); });
}

awaitable<Response> ContactPages::PreferencesPage(Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  const std::string token = req.params[0];
  auto broken = [&] {
    return ctx_.ErrorPage(brand, 404, "This link does not work",
                          "It may have been copied incompletely.");
  };
  // No token of ours is longer; a longer one is not put back on the page.
  if (token.size() > kMaxUnsubscribeToken) co_return broken();
  Result<campaigns::Engagement::Preferences> prefs = MakeError(ErrorCode::kInternal, "not run");
  if (auto busy = co_await ctx_.OffLoop(
          brand, [&] { prefs = services_.engagement->PreferencesOf(token); })) {
    co_return std::move(*busy);
  }
  if (!prefs.ok()) {
    if (prefs.error().code == ErrorCode::kNotFound) co_return broken();
    spdlog::error("portal[{}]: preferences not read: {}", req.id, prefs.error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  if (prefs->address.empty()) {
    co_return ctx_.InfoPage(brand, "You are unsubscribed",
                            {"We no longer keep your address for these messages."});
  }
  co_return ctx_.Page(
      brand, 200, "preferences.tpl", "Your email preferences",
      [&](ctemplate::TemplateDictionary& d) {
        d.SetValue("ADDRESS", prefs->address);
        d.SetValue("TOKEN", token);
        if (prefs->suppressed) d.ShowSection("SUPPRESSED");
        for (const auto& l : prefs->lists) {
          auto* list = d.AddSectionDictionary("LIST");
          list->SetValue("ID", l.id);
          list->SetValue("NAME", l.name);
          list->ShowSection(l.subscribed ? "ON" : "OFF");
          if (!l.description.empty()) {
            list->AddSectionDictionary("DESCRIPTION")->SetValue("TEXT", l.description);
          }
        }
        if (!prefs->from.empty()) {
          d.AddSectionDictionary("FROM")->SetValue("NAME", prefs->from);
        }
      });
}

awaitable<Response> ContactPages::SavePreferences(Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  const std::string token = req.params[0];
  auto form = http::ParseForm(req.body);
  // The preferences page says which lists stay; anything else (RFC 8058's
  // "List-Unsubscribe=One-Click", the mail program's POST) leaves the link's list.
  const bool from_page = Field(form, "preferences") == "1";
  std::vector<std::string> keep;
  if (form.ok()) {
    for (const auto& [name, value] : *form) {
      if (name == "keep") keep.push_back(value);
    }
  }
  const bool nothing = Field(form, "nothing") == "1";
  Status done = MakeError(ErrorCode::kInternal, "not run");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        done = from_page
                   ? services_.engagement->SetPreferences(token, keep, nothing, req.client_address)
                   : services_.engagement->Unsubscribe(token, req.client_address);
      })) {
    co_return std::move(*busy);
  }
  if (!done.ok()) {
    if (done.error().code == ErrorCode::kNotFound) {
      co_return ctx_.ErrorPage(brand, 404, "This link does not work",
                               "It may have been copied incompletely.");
    }
    spdlog::error("portal[{}]: an unsubscribe failed: {}", req.id, done.error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Please try again", "We could not do this just now.");
  }
  if (from_page) {
    co_return ctx_.InfoPage(brand, "Your preferences are saved",
                            {nothing ? "You will get no more of these messages."
                                     : "You will get only the messages you chose."},
                            "/u/" + token, "See your preferences");
  }
  co_return ctx_.InfoPage(
      brand, "You are unsubscribed",
      {"You will get no more messages of this kind from " + brand.display_name + "."},
      "/u/" + token, "Choose what you get");
}

awaitable<Response> ContactPages::Pixel(Request& req) {
  const std::string token = req.params[0];
  Status counted = OkStatus();
  // The image is the same whatever happens: a mail program shows nothing either way.
  co_await ctx_.offloader.RunOffLoop(
      [&] { counted = services_.engagement->Opened(token, req.client_address); },
      std::chrono::steady_clock::now() + std::chrono::seconds(5));
  if (!counted.ok() && counted.error().code != ErrorCode::kNotFound) {
    spdlog::warn("portal[{}]: an open not counted: {}", req.id, counted.error().ToString());
  }
  Response r;
  r.status = 200;
  r.body.assign(reinterpret_cast<const char*>(kPixel), sizeof kPixel);
  r.Set("Content-Type", "image/gif");
  r.Set("Cache-Control", "no-store, private");
  co_return r;
}

awaitable<Response> ContactPages::Click(Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  const std::string token = req.params[0];
  if (token.size() > campaigns::kMaxTrackingTokenChars) {
    co_return ctx_.ErrorPage(brand, 404, "This link does not work",
                             "It may have been copied incompletely.");
  }
  Result<std::string> to = MakeError(ErrorCode::kInternal, "not run");
  if (auto busy = co_await ctx_.OffLoop(
          brand, [&] { to = services_.engagement->Clicked(token, req.client_address); })) {
    co_return std::move(*busy);
  }
  if (!to.ok()) {
    if (to.error().code == ErrorCode::kNotFound) {
      co_return ctx_.ErrorPage(brand, 404, "This link does not work",
                               "It may have been copied incompletely.");
    }
    spdlog::error("portal[{}]: a click not counted: {}", req.id, to.error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  Response r = http::RedirectResponse(*to);
  r.status = 302;
  r.Set("Referrer-Policy", "no-referrer");  // the token stays here
  r.Set("Cache-Control", "no-store, private");
  co_return r;
}

}  // namespace sealpost::portal
