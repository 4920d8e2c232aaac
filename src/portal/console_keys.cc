// Signing keys in the console (issue 22, organisation administrators): each domain's
// DKIM keys with the DNS record to publish — made, rolled over, switched to once DNS
// publishes the new one (looked up as `sealpost admin check` does), deleted once
// retired — and the organisation's signing identities (an OpenPGP key, an S/MIME
// certificate per account or domain): generated, their public parts downloaded. Each
// change is made by the service the CLI uses (dkim::DomainSigner,
// policy::SigningIdentities), as the administrator, recorded with before and after.
// Never a private key: they are sealed in the store and no page shows them.
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include "base/text.h"
#include "dkim/domain_signer.h"
#include "policy/signing_identities.h"
#include "portal/common.h"
#include "portal/console_pages.h"
#include "store/stores.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

namespace {

// How long a replaced key's record stays published (the CLI's default).
constexpr std::int64_t kRetireSeconds = 7 * 86400;
constexpr int kCertificateDays = 730;

}  // namespace

Response ConsolePages::KeysPage(int status, const Visitor& visitor, const std::string& error,
                                const std::string& notice) {
  auto keys = services_.org->DkimKeys("");
  auto domains =
      keys.ok() ? services_.org->ListDomains("") : Result<std::vector<DomainRecord>>(keys.error());
  auto accounts = domains.ok() ? services_.org->ListAccounts()
                               : Result<std::vector<AccountRecord>>(domains.error());
  auto identities = accounts.ok() ? services_.identities->List()
                                  : Result<std::vector<policy::IdentitySummary>>(accounts.error());
  if (!identities.ok()) {
    spdlog::error("console: keys not read: {}", identities.error().ToString());
    return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  const std::int64_t now = ctx_.clock.NowUnix();
  return Page(status, "console_keys.tpl", "Signing keys", &visitor, "KEYS_CURRENT",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                ShowOutcome(d, error, notice);
                if (keys->empty()) d.ShowSection("NO_DKIM");
                for (const auto& k : *keys) {
                  auto* row = d.AddSectionDictionary("DKIM");
                  row->SetValue("DOMAIN", k.domain);
                  row->SetValue("SELECTOR", k.selector);
                  row->SetValue("ALGORITHM", k.algorithm);
                  std::string state = k.state == "active"    ? "signs"
                                      : k.state == "pending" ? "pending: publish its record"
                                                             : "retired";
                  if (k.state == "retiring") {
                    state += k.retire_at > now ? "; keep its record until " + HumanTime(k.retire_at)
                                               : "; its record can go";
                  }
                  row->SetValue("STATE", state);
                  row->SetValue("RECORD", dkim::ZoneFileRecord(k));
                  if (k.state != "active") {
                    auto* gone = d.AddSectionDictionary("DELETABLE");
                    gone->SetValue("VALUE", k.domain + " " + k.selector);
                    gone->SetValue("LABEL", k.domain + ": " + k.selector + " (" + k.state + ")");
                  }
                }
                for (const auto& domain : *domains) {
                  d.AddSectionDictionary("DOMAIN_OPTION")->SetValue("NAME", domain.name);
                }
                for (const auto& account : *accounts) {
                  auto* o = d.AddSectionDictionary("SCOPE_OPTION");
                  o->SetValue("VALUE", "account:" + account.name);
                  o->SetValue("LABEL", "the account " + account.name);
                }
                for (const auto& domain : *domains) {
                  auto* o = d.AddSectionDictionary("SCOPE_OPTION");
                  o->SetValue("VALUE", "domain:" + domain.name);
                  o->SetValue("LABEL", "the domain " + domain.name);
                }
                if (identities->empty()) d.ShowSection("NO_IDENTITY");
                for (const auto& id : *identities) {
                  auto* row = d.AddSectionDictionary("IDENTITY");
                  row->SetValue("SCOPE", id.scope);
                  row->SetValue("KIND", id.kind == "pgp" ? "OpenPGP key" : "S/MIME certificate");
                  row->SetValue("KIND_WORD", id.kind);
                  row->SetValue("LABEL", id.label);
                  row->SetValue("FINGERPRINT", id.fingerprint);
                  row->SetValue("PUBLIC_PATH", "/console/keys/identities/" +
                                                   http::PercentEncode(id.scope) + "/" + id.kind);
                  row->SetValue("PUBLIC_WORD", id.kind == "pgp" ? "public key" : "certificate");
                }
              });
}

awaitable<Response> ConsolePages::Keys(http::Request&, const Visitor& visitor) {
  co_return co_await MadeOffLoop([&] { return KeysPage(200, visitor, "", ""); });
}

awaitable<Response> ConsolePages::ChangeDkim(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/keys", "Back to the signing keys");
  }
  auto form = http::ParseForm(req.body);
  const std::string domain = AsciiLower(Field(form, "domain"));
  const std::string act = Field(form, "do");
  auto algorithm = dkim::ParseAlgorithm(Field(form, "algorithm"));
  std::string notice;
  std::string refused;
  Status changed = OkStatus();
  if (!algorithm.ok()) {
    refused = "Choose RSA or Ed25519.";
  } else if (act != "create" && act != "rollover" && act != "activate") {
    refused = "Choose what to do with the key.";
  } else {
    if (auto busy = co_await Change(
            req, visitor, domain + " " + act,
            [&]() -> Status {
              if (act == "create" || act == "rollover") {
                auto key = act == "create" ? services_.dkim->CreateKey(domain, *algorithm, "")
                                           : services_.dkim->RolloverKey(domain, *algorithm, "");
                if (!key.ok()) return std::move(key).error();
                notice = act == "create" ? domain + " signs with " + key->selector +
                                               " from now on: publish its record below."
                                         : domain + " has a pending key, " + key->selector +
                                               ": publish its record below, then sign with it.";
                return OkStatus();
              }
              // Signing with a key receivers cannot find fails DKIM for all the mail.
              auto pending = services_.dkim->PendingKey(domain, *algorithm);
              if (!pending.ok()) return std::move(pending).error();
              auto published = services_.dkim_published(*pending);
              if (!published.ok()) {
                return MakeError(ErrorCode::kFailedPrecondition,
                                 pending->selector + "._domainkey." + pending->domain +
                                     " could not be looked up (" + published.error().message +
                                     "): try again once DNS answers");
              }
              if (!*published) {
                return MakeError(ErrorCode::kFailedPrecondition,
                                 pending->selector + "._domainkey." + pending->domain +
                                     " does not publish this key yet: publish its record first");
              }
              auto retiring = services_.dkim->Activate(domain, *algorithm, kRetireSeconds);
              if (!retiring.ok()) return std::move(retiring).error();
              notice = domain + " signs with " + pending->selector + " from now on";
              for (const auto& k : *retiring) {
                notice += "; keep the record of " + k.selector + " until " +
                          HumanTime(k.retire_at) + ", then delete it";
              }
              notice += ".";
              return OkStatus();
            },
            &changed)) {
      co_return std::move(*busy);
    }
    if (!changed.ok()) refused = "The DKIM key was not changed: " + Refusal(changed.error());
  }
  const int status = refused.empty() ? 200 : changed.ok() ? 422 : StatusOf(changed.error());
  co_return co_await MadeOffLoop([&] { return KeysPage(status, visitor, refused, notice); });
}

awaitable<Response> ConsolePages::DeleteDkim(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/keys", "Back to the signing keys");
  }
  auto form = http::ParseForm(req.body);
  const std::string key = Field(form, "key");  // "domain selector"
  const auto space = key.find(' ');
  std::string refused;
  Status deleted = OkStatus();
  if (space == std::string::npos) {
    refused = "Choose the key to delete.";
  } else if (Field(form, "confirm") != "yes") {
    refused = "Tick “Yes, delete it” to delete " + key.substr(space + 1) + ".";
  } else {
    const std::string domain = key.substr(0, space), selector = key.substr(space + 1);
    if (auto busy = co_await Change(
            req, visitor, key,
            [&] { return services_.dkim->DeleteKey(domain, selector, /*even_signing=*/false); },
            &deleted)) {
      co_return std::move(*busy);
    }
    if (!deleted.ok()) refused = "The key was not deleted: " + Refusal(deleted.error());
  }
  const int status = refused.empty() ? 200 : deleted.ok() ? 422 : StatusOf(deleted.error());
  const std::string notice =
      refused.empty() ? key.substr(space + 1) + " was deleted: remove its DNS record too." : "";
  co_return co_await MadeOffLoop([&] { return KeysPage(status, visitor, refused, notice); });
}

awaitable<Response> ConsolePages::MakeIdentity(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/keys", "Back to the signing keys");
  }
  auto form = http::ParseForm(req.body);
  auto scope = policy::ParseIdentityScope(Field(form, "scope"));
  const std::string kind = Field(form, "kind");
  const std::string label(TrimWhitespace(Field(form, "label")));
  std::string refused;
  std::string notice;
  Status made = OkStatus();
  if (!scope.ok()) {
    refused = "Choose the account or domain whose mail it signs.";
  } else if (kind != "pgp" && kind != "smime") {
    refused = "Choose an OpenPGP key or an S/MIME certificate.";
  } else {
    if (auto busy = co_await Change(
            req, visitor, scope->ToString() + " " + kind,
            [&]() -> Status {
              auto id = kind == "pgp"
                            ? services_.identities->GeneratePgp(*scope, label)
                            : services_.identities->GenerateSmime(
                                  *scope, label, ctx_.settings.organisation, kCertificateDays);
              if (!id.ok()) return std::move(id).error();
              notice = "Mail from " + scope->name + " is signed with " +
                       (kind == "pgp" ? "the OpenPGP key " : "the S/MIME certificate ") +
                       id->fingerprint + " from now on.";
              return OkStatus();
            },
            &made)) {
      co_return std::move(*busy);
    }
    if (!made.ok()) refused = "Nothing was made: " + Refusal(made.error());
  }
  const int status = refused.empty() ? 200 : made.ok() ? 422 : StatusOf(made.error());
  co_return co_await MadeOffLoop([&] { return KeysPage(status, visitor, refused, notice); });
}

awaitable<Response> ConsolePages::IdentityPublicPart(http::Request& req, const Visitor& visitor) {
  auto scope = policy::ParseIdentityScope(http::PercentDecode(req.params[0]).value_or(""));
  const std::string kind = req.params[1];
  if (!scope.ok() || (kind != "pgp" && kind != "smime")) {
    co_return Info(404, "No such key", {"There is no such signing key."}, &visitor, "/console/keys",
                   "The signing keys");
  }
  std::optional<Result<std::string>> part;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(
          brand, [&] { part.emplace(services_.identities->PublicPart(*scope, kind)); })) {
    co_return std::move(*busy);
  }
  if (!part->ok()) {
    co_return Info(part->error().code == ErrorCode::kNotFound ? 404 : 500, "No such key",
                   {"There is no such signing key."}, &visitor, "/console/keys",
                   "The signing keys");
  }
  Response r;
  r.status = 200;
  r.body = std::move(**part);
  r.Set("Content-Type", kind == "pgp" ? "application/pgp-keys" : "application/x-pem-file");
  std::string file;
  for (char c : scope->name) file += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  r.Set("Content-Disposition",
        "attachment; filename=\"" + file + (kind == "pgp" ? ".asc" : ".pem") + "\"");
  co_return r;
}

}  // namespace sealpost::portal
