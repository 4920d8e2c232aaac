#include "policy/org_directory.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "audit/pending.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "mime/address.h"
#include "policy/settings_json.h"

namespace sealpost::policy {

std::string SettingsAad(OrgLevel level, const std::string& name) {
  return std::string("sealpost/settings/v1|") + OrgLevelName(level) + "|" + AsciiLower(name);
}

Result<OrgLevel> ParseOrgLevel(std::string_view text) {
  if (text == "account") return OrgLevel::kAccount;
  if (text == "domain") return OrgLevel::kDomain;
  if (text == "user") return OrgLevel::kUser;
  return MakeError(ErrorCode::kInvalidArgument, "must be account, domain or user", "level");
}

const char* OrgLevelName(OrgLevel level) {
  switch (level) {
    case OrgLevel::kAccount: return "account";
    case OrgLevel::kDomain: return "domain";
    case OrgLevel::kUser: return "user";
  }
  return "?";
}

Result<std::string> OrgDirectory::Seal(OrgLevel level, const std::string& name,
                                       const SettingsLayer& layer) {
  std::string json = SettingsToJson(layer);
  auto sealed = key_.Seal(json, SettingsAad(level, name));
  WipeMemory(json.data(), json.size());
  return sealed;
}

Result<SettingsLayer> OrgDirectory::Open(OrgLevel level, const std::string& name,
                                         const std::string& sealed) {
  auto json = key_.Open(sealed, SettingsAad(level, name));
  if (!json.ok()) return std::move(json).error();
  auto layer = SettingsFromJson(*json);
  WipeMemory(json->data(), json->size());
  return layer;
}

Status OrgDirectory::CreateAccount(const std::string& name) {
  if (TrimWhitespace(name).empty() || name.size() > 200 ||
      name.find_first_of("\r\n") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "must be 1 to 200 characters on one line", "account");
  }
  auto sealed = Seal(OrgLevel::kAccount, name, {});
  if (!sealed.ok()) return std::move(sealed).error();
  return store_.CreateAccount({name, *sealed, clock_.NowUnix()});
}

Status OrgDirectory::CreateDomain(const std::string& domain, const std::string& account) {
  if (!IsValidAddress("postmaster@" + domain)) {
    return MakeError(ErrorCode::kInvalidArgument, "is not a domain name", "domain");
  }
  auto sealed = Seal(OrgLevel::kDomain, domain, {});
  if (!sealed.ok()) return std::move(sealed).error();
  return store_.CreateDomain({AsciiLower(domain), account, *sealed, clock_.NowUnix()});
}

Status OrgDirectory::CreateUser(const std::string& address) {
  std::string why = AddressProblem(address);
  if (!why.empty()) return MakeError(ErrorCode::kInvalidArgument, "is not a valid address: it " + why, "user");
  auto sealed = Seal(OrgLevel::kUser, address, {});
  if (!sealed.ok()) return std::move(sealed).error();
  return store_.CreateUser({CanonicalAddress(address), DomainOfAddress(address), *sealed, "",
                            clock_.NowUnix()});
}

Status OrgDirectory::SetConsoleRole(const std::string& address, const std::string& role) {
  auto user = store_.FindUser(address);
  if (!user.ok()) return std::move(user).error();
  if (!user->has_value()) return MakeError(ErrorCode::kNotFound, "no user " + address);
  namespace json = boost::json;
  auto named = [](const std::string& r) { return r.empty() ? std::string("none") : r; };
  audit::DetailPending(json::serialize(
      json::object{{"before", json::object{{"console_role", named((*user)->console_role)}}},
                   {"after", json::object{{"console_role", named(role)}}}}));
  return store_.SetConsoleRole(address, role);
}

Result<SettingsLayer> OrgDirectory::Settings(OrgLevel level, const std::string& name) {
  std::optional<std::string> sealed;
  switch (level) {
    case OrgLevel::kAccount: {
      auto r = store_.FindAccount(name);
      if (!r.ok()) return std::move(r).error();
      if (r->has_value()) sealed = (*r)->sealed_settings;
      break;
    }
    case OrgLevel::kDomain: {
      auto r = store_.FindDomain(name);
      if (!r.ok()) return std::move(r).error();
      if (r->has_value()) sealed = (*r)->sealed_settings;
      break;
    }
    case OrgLevel::kUser: {
      auto r = store_.FindUser(name);
      if (!r.ok()) return std::move(r).error();
      if (r->has_value()) sealed = (*r)->sealed_settings;
      break;
    }
  }
  if (!sealed) {
    return MakeError(ErrorCode::kNotFound, std::string("no ") + OrgLevelName(level) + " " + name);
  }
  return Open(level, name, *sealed);
}

Status OrgDirectory::Store(OrgLevel level, const std::string& name, const SettingsLayer& layer) {
  // A namespace is pointed at only once it exists: a typo would silently put recipients
  // in the shared pool.
  if (layer.namespace_name) {
    auto ns = store_.FindNamespace(*layer.namespace_name);
    if (!ns.ok()) return std::move(ns).error();
    if (!ns->has_value()) {
      return MakeError(ErrorCode::kInvalidArgument, "there is no namespace " + *layer.namespace_name,
                       "namespace");
    }
  }
  auto sealed = Seal(level, name, layer);
  if (!sealed.ok()) return std::move(sealed).error();
  return store_.SetSettings(level, name, *sealed);
}

Status OrgDirectory::Set(OrgLevel level, const std::string& name,
                         const std::vector<std::string>& assignments) {
  auto layer = Settings(level, name);
  if (!layer.ok()) return std::move(layer).error();
  SettingsLayer changed = *layer;
  for (const auto& a : assignments) {
    auto status = SetFromText(changed, a);
    if (!status.ok()) return status;  // nothing stored: all or nothing
  }
  // The trail keeps what the settings were and become (without answers), in the change's
  // transaction, whoever changes them.
  audit::DetailPending(SettingsChangeDetails(*layer, changed));
  return Store(level, name, changed);
}

Status OrgDirectory::Replace(OrgLevel level, const std::string& name, std::string_view json) {
  auto before = Settings(level, name);
  if (!before.ok()) return std::move(before).error();
  auto layer = SettingsFromJson(json);
  if (!layer.ok()) return std::move(layer).error();
  audit::DetailPending(SettingsChangeDetails(*before, *layer));
  return Store(level, name, *layer);
}

Result<std::string> OrgDirectory::AccountOfUser(const std::string& address) {
  auto user = store_.FindUser(address);
  if (!user.ok()) return std::move(user).error();
  if (!user->has_value()) return MakeError(ErrorCode::kNotFound, "no user " + address);
  auto domain = store_.FindDomain((*user)->domain);
  if (!domain.ok()) return std::move(domain).error();
  if (!domain->has_value()) return MakeError(ErrorCode::kInternal, "user without domain");
  return (*domain)->account;
}

Result<EffectiveSettings> OrgDirectory::EffectiveFor(const std::string& sender) {
  auto user = store_.FindUser(sender);
  if (!user.ok()) return std::move(user).error();
  std::optional<SettingsLayer> user_layer;
  std::string domain_name = DomainOfAddress(sender);
  if (user->has_value()) {
    auto l = Open(OrgLevel::kUser, (*user)->address, (*user)->sealed_settings);
    if (!l.ok()) return std::move(l).error();
    user_layer = std::move(*l);
    domain_name = (*user)->domain;
  }
  auto domain = store_.FindDomain(domain_name);
  if (!domain.ok()) return std::move(domain).error();
  if (!domain->has_value()) {
    return MakeError(ErrorCode::kNotFound, "sender " + sender + " belongs to no known domain");
  }
  auto domain_layer = Open(OrgLevel::kDomain, (*domain)->name, (*domain)->sealed_settings);
  if (!domain_layer.ok()) return std::move(domain_layer).error();
  auto account = store_.FindAccount((*domain)->account);
  if (!account.ok()) return std::move(account).error();
  if (!account->has_value()) return MakeError(ErrorCode::kInternal, "domain without account");
  auto account_layer = Open(OrgLevel::kAccount, (*account)->name, (*account)->sealed_settings);
  if (!account_layer.ok()) return std::move(account_layer).error();
  return Resolve(*account_layer, &*domain_layer, user_layer ? &*user_layer : nullptr);
}

Result<EffectiveSettings> OrgDirectory::EffectiveAt(OrgLevel level, const std::string& name) {
  if (level == OrgLevel::kUser) {
    auto user = store_.FindUser(name);
    if (!user.ok()) return std::move(user).error();
    if (!user->has_value()) return MakeError(ErrorCode::kNotFound, "no user " + name);
    return EffectiveFor(name);
  }
  std::optional<SettingsLayer> domain_layer;
  std::string account_name = name;
  if (level == OrgLevel::kDomain) {
    auto domain = store_.FindDomain(name);
    if (!domain.ok()) return std::move(domain).error();
    if (!domain->has_value()) return MakeError(ErrorCode::kNotFound, "no domain " + name);
    auto layer = Open(OrgLevel::kDomain, (*domain)->name, (*domain)->sealed_settings);
    if (!layer.ok()) return std::move(layer).error();
    domain_layer = std::move(*layer);
    account_name = (*domain)->account;
  }
  auto account = store_.FindAccount(account_name);
  if (!account.ok()) return std::move(account).error();
  if (!account->has_value()) return MakeError(ErrorCode::kNotFound, "no account " + account_name);
  auto account_layer = Open(OrgLevel::kAccount, (*account)->name, (*account)->sealed_settings);
  if (!account_layer.ok()) return std::move(account_layer).error();
  return Resolve(*account_layer, domain_layer ? &*domain_layer : nullptr, nullptr);
}

Result<NamespaceRecord> OrgDirectory::Namespace(const std::string& name) {
  auto ns = store_.FindNamespace(name);
  if (!ns.ok()) return std::move(ns).error();
  if (!ns->has_value()) return MakeError(ErrorCode::kNotFound, "no namespace " + name);
  return std::move(**ns);
}

Status OrgDirectory::SetMxTls(const std::string& domain, bool starttls, const std::string& host) {
  if (!IsValidAddress("postmaster@" + domain)) {
    return MakeError(ErrorCode::kInvalidArgument, "is not a domain name", "domain");
  }
  return store_.SetMxTls({AsciiLower(domain), starttls, host.empty() ? domain : host,
                          clock_.NowUnix()});
}

std::optional<TlsCapability> StoredTlsKnowledge::Lookup(std::string_view domain,
                                                        PlanDeadline deadline) const {
  const std::string name = AsciiLower(domain);
  auto r = store_.FindMxTls(name);
  if (!r.ok()) {
    spdlog::error("TLS knowledge of {} not read: {}", SanitizeForLog(name), r.error().ToString());
    return std::nullopt;
  }
  // An empty host records a probe that reached nobody: not known.
  auto known = [&](const MxTlsRecord& m) -> std::optional<TlsCapability> {
    if (m.host.empty()) return std::nullopt;
    return TlsCapability{m.starttls, m.host};
  };
  if (!probe_) return r->has_value() ? known(**r) : std::nullopt;
  const std::int64_t now = clock_->NowUnix();
  if (r->has_value() && ((*r)->expires_at == 0 || (*r)->expires_at > now)) return known(**r);

  // No time left to ask: not known now, and nothing is recorded (the next message may
  // have the time).
  if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
  auto probed = probe_(name, deadline);
  MxTlsRecord learnt{name, false, "", now, now + retry_seconds_};
  if (probed.ok()) {
    learnt = MxTlsRecord{name, probed->starttls, probed->host, now, now + ttl_seconds_};
    spdlog::info("TLS knowledge: {}: {} {}", SanitizeForLog(name), probed->host,
                 probed->starttls ? "offers STARTTLS" : "offers no STARTTLS");
  } else {
    spdlog::info("TLS knowledge: {} not probed: {}", SanitizeForLog(name),
                 probed.error().ToString());
  }
  auto stored = store_.SetMxTls(learnt);
  if (!stored.ok()) {
    spdlog::error("TLS knowledge of {} not kept: {}", SanitizeForLog(name), stored.error().ToString());
  }
  return known(learnt);
}

std::string SettingsForDisplay(const SettingsLayer& layer) {
  SettingsLayer shown = layer;
  if (shown.default_question) shown.default_question->answer = "********";
  return SettingsToJson(shown);
}

std::string OrgDirectory::DeletionDetails(OrgLevel level, const std::string& name) {
  namespace json = boost::json;
  json::object before;
  if (auto layer = Settings(level, name); layer.ok()) {
    boost::system::error_code ec;
    json::value shown = json::parse(SettingsForDisplay(*layer), ec);
    if (!ec) before["settings"] = std::move(shown);
  }
  if (level == OrgLevel::kUser) {
    if (auto user = store_.FindUser(name); user.ok() && user->has_value()) {
      before["domain"] = (*user)->domain;
      before["smtp_login"] = !(*user)->smtp_password_hash.empty();
      before["console_role"] = (*user)->console_role;
    }
  } else if (level == OrgLevel::kDomain) {
    if (auto domain = store_.FindDomain(name); domain.ok() && domain->has_value()) {
      before["account"] = (*domain)->account;
    }
  }
  return json::serialize(json::object{{"before", std::move(before)}});
}

Status OrgDirectory::Delete(OrgLevel level, const std::string& name) {
  audit::DetailPending(DeletionDetails(level, name));
  switch (level) {
    case OrgLevel::kAccount:
      return store_.DeleteAccount(name, clock_.NowUnix());
    case OrgLevel::kDomain:
      return store_.DeleteDomain(name);
    case OrgLevel::kUser:
      return store_.DeleteUser(name, clock_.NowUnix());
  }
  return MakeError(ErrorCode::kInvalidArgument, "no such level");
}

std::string SettingsChangeDetails(const SettingsLayer& before, const SettingsLayer& after) {
  return R"({"before":)" + SettingsForDisplay(before) + R"(,"after":)" + SettingsForDisplay(after) +
         "}";
}

}  // namespace sealpost::policy
