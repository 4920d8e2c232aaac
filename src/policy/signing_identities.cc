#include "policy/signing_identities.h"

#include <boost/json.hpp>

#include "audit/pending.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "mime/address.h"
#include "pki/openpgp.h"

namespace sealpost::policy {

std::string IdentityAad(const std::string& scope, const std::string& kind) {
  return "sealpost/org-identity/v1|" + AsciiLower(scope) + "|" + kind;
}

Result<IdentityScope> ParseIdentityScope(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "must be domain:NAME or account:NAME", "scope");
  }
  IdentityScope scope{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  if (scope.level != "domain" && scope.level != "account") {
    return MakeError(ErrorCode::kInvalidArgument, "must be domain:NAME or account:NAME", "scope");
  }
  if (scope.level == "domain") scope.name = AsciiLower(scope.name);
  return scope;
}

Status SigningIdentities::CheckScope(const IdentityScope& scope) {
  if (scope.level == "domain") {
    auto d = store_.FindDomain(scope.name);
    if (!d.ok()) return std::move(d).error();
    if (!d->has_value()) return MakeError(ErrorCode::kNotFound, "no domain " + scope.name);
  } else {
    auto a = store_.FindAccount(scope.name);
    if (!a.ok()) return std::move(a).error();
    if (!a->has_value()) return MakeError(ErrorCode::kNotFound, "no account " + scope.name);
  }
  return OkStatus();
}

Result<IdentitySummary> SigningIdentities::Put(const IdentityScope& scope, const std::string& kind,
                                               const std::string& label,
                                               const std::string& fingerprint,
                                               const std::string& public_data,
                                               const SecretBytes& secret) {
  const std::string name = scope.ToString();
  // The audit record of the change says which key it replaces and by which.
  auto before = store_.FindIdentity(name, kind);
  if (!before.ok()) return std::move(before).error();
  namespace json = boost::json;
  json::object details{{"after", {{"label", label}, {"fingerprint", fingerprint}}}};
  if (before->has_value()) {
    details["before"] = {{"label", (*before)->label}, {"fingerprint", (*before)->fingerprint}};
  }
  audit::DetailPending(json::serialize(details));
  auto sealed = key_.Seal(secret.view(), IdentityAad(name, kind));
  if (!sealed.ok()) return std::move(sealed).error();
  auto status = store_.PutIdentity(
      {name, kind, label, fingerprint, public_data, std::move(*sealed), clock_.NowUnix()});
  if (!status.ok()) return std::move(status).error();
  return IdentitySummary{name, kind, label, fingerprint};
}

Result<IdentitySummary> SigningIdentities::GeneratePgp(const IdentityScope& scope,
                                                       const std::string& user_id) {
  auto ok = CheckScope(scope);
  if (!ok.ok()) return std::move(ok).error();
  if (user_id.empty() || user_id.size() > 200 || user_id.find_first_of("\r\n") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "must be 1 to 200 characters on one line", "user_id");
  }
  auto key = pki::GeneratePgpSigningKey(user_id, clock_.NowUnix());
  if (!key.ok()) return std::move(key).error();
  return Put(scope, "pgp", key->user_id, key->fingerprint, key->public_armored, key->secret_key);
}

Result<IdentitySummary> SigningIdentities::ImportPgp(const IdentityScope& scope,
                                                     std::string_view secret_key) {
  auto ok = CheckScope(scope);
  if (!ok.ok()) return std::move(ok).error();
  auto key = pki::ReadPgpSigningKey(secret_key, clock_.NowUnix());
  if (!key.ok()) return std::move(key).error();
  return Put(scope, "pgp", key->user_id, key->fingerprint, key->public_armored, key->secret_key);
}

Result<IdentitySummary> SigningIdentities::GenerateSmime(const IdentityScope& scope,
                                                         const std::string& address,
                                                         const std::string& organisation,
                                                         int days) {
  auto ok = CheckScope(scope);
  if (!ok.ok()) return std::move(ok).error();
  std::string why = AddressProblem(address);
  if (!why.empty()) return MakeError(ErrorCode::kInvalidArgument, "is not a valid address: it " + why, "address");
  if (days < 1 || days > 3650) {
    return MakeError(ErrorCode::kInvalidArgument, "must be 1 to 3650", "days");
  }
  auto signer = pki::GenerateSmimeSigner(address, organisation, days, clock_.NowUnix());
  if (!signer.ok()) return std::move(signer).error();
  auto about = pki::DescribeCertificate(signer->certificate_der);
  return Put(scope, "smime", about.subject, about.fingerprint, signer->certificate_der,
             signer->private_key);
}

Result<IdentitySummary> SigningIdentities::ImportSmime(const IdentityScope& scope,
                                                       std::string_view certificate,
                                                       std::string_view private_key) {
  auto ok = CheckScope(scope);
  if (!ok.ok()) return std::move(ok).error();
  auto signer = pki::ReadSmimeSigner(certificate, private_key, clock_.NowUnix());
  if (!signer.ok()) return std::move(signer).error();
  auto about = pki::DescribeCertificate(signer->certificate_der);
  return Put(scope, "smime", about.subject, about.fingerprint, signer->certificate_der,
             signer->private_key);
}

Result<std::string> SigningIdentities::PublicPart(const IdentityScope& scope, const std::string& kind) {
  auto found = store_.FindIdentity(scope.ToString(), kind);
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value()) {
    return MakeError(ErrorCode::kNotFound, scope.ToString() + " has no " + kind + " identity");
  }
  return kind == "pgp" ? (*found)->public_data : pki::CertificatePem((*found)->public_data);
}

Result<std::optional<OrgIdentityRecord>> SigningIdentities::Resolve(const std::string& domain,
                                                                     const std::string& kind) {
  auto own = store_.FindIdentity("domain:" + domain, kind);
  if (!own.ok() || own->has_value()) return own;
  auto d = store_.FindDomain(domain);
  if (!d.ok()) return std::move(d).error();
  if (!d->has_value()) return std::optional<OrgIdentityRecord>();
  return store_.FindIdentity("account:" + (*d)->account, kind);
}

Result<std::string> SigningIdentities::PublicPartForDomain(const std::string& domain,
                                                           const std::string& kind) {
  auto found = Resolve(AsciiLower(domain), kind);
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value()) return MakeError(ErrorCode::kNotFound, "no such key");
  return kind == "pgp" ? (*found)->public_data : pki::CertificatePem((*found)->public_data);
}

Result<Signers> SigningIdentities::For(const std::string& sender) {
  const std::string domain = DomainOfAddress(sender);
  Signers out;
  for (const char* kind : {"pgp", "smime"}) {
    auto found = Resolve(domain, kind);
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value()) continue;
    const OrgIdentityRecord& r = **found;
    auto secret = key_.OpenSecret(r.sealed_secret, IdentityAad(r.scope, r.kind));
    if (!secret.ok()) return std::move(secret).error();
    if (r.kind == "pgp") {
      out.pgp = std::move(*secret);
    } else {
      out.smime = pki::SmimeSigner{r.public_data, std::move(*secret)};
    }
  }
  return out;
}

Result<std::vector<IdentitySummary>> SigningIdentities::List() {
  auto accounts = store_.ListAccounts();
  if (!accounts.ok()) return std::move(accounts).error();
  auto domains = store_.ListDomains("");
  if (!domains.ok()) return std::move(domains).error();
  std::vector<std::string> scopes;
  for (const auto& a : *accounts) scopes.push_back("account:" + a.name);
  for (const auto& d : *domains) scopes.push_back("domain:" + d.name);
  std::vector<IdentitySummary> found;
  for (const auto& scope : scopes) {
    for (const char* kind : {"pgp", "smime"}) {
      auto id = store_.FindIdentity(scope, kind);
      if (!id.ok()) return std::move(id).error();
      if (id->has_value()) found.push_back({scope, kind, (*id)->label, (*id)->fingerprint});
    }
  }
  return found;
}

}  // namespace sealpost::policy
