#include "dkim/domain_signer.h"

#include <algorithm>
#include <boost/json.hpp>
#include <ctime>

#include "audit/pending.h"
#include "base/text.h"
#include "crypto/primitives.h"

namespace sealpost::dkim {

std::string DkimKeyAad(const std::string& domain, const std::string& algorithm) {
  return "sealpost/dkim/v1|" + AsciiLower(domain) + "|" + algorithm;
}

namespace {

bool IsLabelChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

bool IsDomain(const std::string& d) {
  if (d.empty() || d.size() > 253 || d.front() == '.' || d.back() == '.' ||
      d.find('.') == std::string::npos || d.find("..") != std::string::npos) {
    return false;
  }
  for (char c : d) {
    if (!IsLabelChar(c)) return false;
  }
  return true;
}

}  // namespace

std::string FromDomain(std::string_view message) {
  auto split = Split(message);
  if (!split.ok()) return "";
  for (const auto& f : split->fields) {
    if (AsciiLower(f.name) != "from") continue;
    std::string value = CanonicalHeader(f, Canon::kRelaxed);  // unfolded
    value = value.substr(value.find(':') + 1);
    if (auto open = value.rfind('<'); open != std::string::npos) {
      value = value.substr(open + 1, value.find('>', open) - open - 1);
    }
    auto at = value.rfind('@');
    if (at == std::string::npos) return "";
    std::string domain;
    for (char c : value.substr(at + 1)) {
      if (!IsLabelChar(c)) break;
      domain += c;
    }
    domain = AsciiLower(domain);
    return IsDomain(domain) ? domain : "";
  }
  return "";
}

Result<DkimKeyRecord> DomainSigner::MakeKey(const std::string& domain, Algorithm algorithm,
                                            const std::string& selector, const std::string& state) {
  const std::string name = AsciiLower(domain);
  if (!IsDomain(name)) return MakeError(ErrorCode::kInvalidArgument, "is not a domain name", "domain");
  auto existing = store_.DkimKeys(name);
  if (!existing.ok()) return std::move(existing).error();
  auto taken = [&](const std::string& sel) {
    for (const auto& k : *existing) {
      if (AsciiLower(k.selector) == AsciiLower(sel)) return true;
    }
    return false;
  };
  std::string sel = selector;
  if (sel.empty()) {
    std::time_t now = clock_.NowUnix();
    std::tm tm{};
    gmtime_r(&now, &tm);
    char month[8];
    std::strftime(month, sizeof month, "%Y%m", &tm);
    const std::string base = std::string("sealpost-") +
                             (algorithm == Algorithm::kRsaSha256 ? "rsa-" : "ed25519-") + month;
    sel = base;
    for (char suffix = 'b'; taken(sel) && suffix <= 'z'; ++suffix) sel = base + suffix;
  }
  for (char c : sel) {
    if (!IsLabelChar(c) || c == '.') {
      return MakeError(ErrorCode::kInvalidArgument, "may hold only letters, digits and '-'", "selector");
    }
  }
  if (sel.empty() || sel.size() > 63) {
    return MakeError(ErrorCode::kInvalidArgument, "must be 1 to 63 characters", "selector");
  }
  if (taken(sel)) {
    return MakeError(ErrorCode::kAlreadyExists, name + " has a key with selector " + sel,
                     "selector");
  }
  auto key = DkimKey::Generate(algorithm);
  if (!key.ok()) return std::move(key).error();
  std::string der = key->PrivateDer();
  DkimKeyRecord record{name, AlgorithmName(algorithm), sel,  key->PublicValue(),
                       "",   clock_.NowUnix(),         state};
  auto sealed = key_.Seal(der, DkimKeyAad(name, record.algorithm));
  WipeMemory(der.data(), der.size());
  if (!sealed.ok()) return std::move(sealed).error();
  record.sealed_private = std::move(*sealed);
  audit::DetailPending(
      boost::json::serialize(boost::json::object{{"after",
                                                  {{"domain", name},
                                                   {"selector", sel},
                                                   {"algorithm", record.algorithm},
                                                   {"state", state},
                                                   {"public_value", record.public_value}}}}));
  auto stored = store_.PutDkimKey(record);
  if (!stored.ok()) return std::move(stored).error();
  return record;
}

namespace {

// The domain's key of `algorithm` in `state`, if any.
Result<std::optional<DkimKeyRecord>> KeyIn(OrgStore& store, const std::string& domain,
                                           Algorithm algorithm, const std::string& state) {
  auto keys = store.DkimKeys(AsciiLower(domain));
  if (!keys.ok()) return std::move(keys).error();
  for (auto& k : *keys) {
    if (k.algorithm == AlgorithmName(algorithm) && k.state == state) {
      return std::optional(std::move(k));
    }
  }
  return std::optional<DkimKeyRecord>();
}

}  // namespace

Result<DkimKeyRecord> DomainSigner::CreateKey(const std::string& domain, Algorithm algorithm,
                                              const std::string& selector) {
  auto active = KeyIn(store_, domain, algorithm, "active");
  if (!active.ok()) return std::move(active).error();
  if (active->has_value()) {
    return MakeError(ErrorCode::kAlreadyExists,
                     AsciiLower(domain) + " has a " + AlgorithmName(algorithm) + " key (selector " +
                         (*active)->selector +
                         "): roll it over (sealpost admin dkim rollover), so that mail it signed "
                         "still verifies");
  }
  return MakeKey(domain, algorithm, selector, "active");
}

Result<DkimKeyRecord> DomainSigner::RolloverKey(const std::string& domain, Algorithm algorithm,
                                                const std::string& selector) {
  auto active = KeyIn(store_, domain, algorithm, "active");
  if (!active.ok()) return std::move(active).error();
  if (!active->has_value()) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     AsciiLower(domain) + " has no " + AlgorithmName(algorithm) +
                         " key to roll over: make one (sealpost admin dkim create)");
  }
  auto pending = KeyIn(store_, domain, algorithm, "pending");
  if (!pending.ok()) return std::move(pending).error();
  if (pending->has_value()) {
    return MakeError(ErrorCode::kFailedPrecondition, AsciiLower(domain) + " has a pending " +
                                                         AlgorithmName(algorithm) +
                                                         " key (selector " + (*pending)->selector +
                                                         "): activate it or delete it first");
  }
  return MakeKey(domain, algorithm, selector, "pending");
}

Result<DkimKeyRecord> DomainSigner::PendingKey(const std::string& domain, Algorithm algorithm) {
  auto pending = KeyIn(store_, domain, algorithm, "pending");
  if (!pending.ok()) return std::move(pending).error();
  if (!pending->has_value()) {
    return MakeError(ErrorCode::kNotFound, AsciiLower(domain) + " has no pending " +
                                               AlgorithmName(algorithm) +
                                               " key: make one with sealpost admin dkim rollover");
  }
  return std::move(**pending);
}

Result<std::vector<DkimKeyRecord>> DomainSigner::Activate(const std::string& domain,
                                                          Algorithm algorithm,
                                                          std::int64_t retire_seconds) {
  auto pending = PendingKey(domain, algorithm);
  if (!pending.ok()) return std::move(pending).error();
  auto before = store_.DkimKeys(pending->domain);
  if (!before.ok()) return std::move(before).error();
  const std::int64_t retire_at = clock_.NowUnix() + retire_seconds;
  std::vector<DkimKeyRecord> retiring;
  boost::json::array retired;
  for (auto& k : *before) {
    if (k.algorithm == pending->algorithm && k.state == "active") {
      k.state = "retiring";
      k.retire_at = retire_at;
      retired.push_back(boost::json::string(k.selector));
      retiring.push_back(std::move(k));
    }
  }
  audit::DetailPending(boost::json::serialize(boost::json::object{
      {"before", {{"active", retired}}},
      {"after",
       {{"active", pending->selector}, {"retiring", retired}, {"retire_at", retire_at}}}}));
  auto activated = store_.ActivateDkimKey(pending->domain, pending->selector, retire_at);
  if (!activated.ok()) return std::move(activated).error();
  return retiring;
}

Status DomainSigner::DeleteKey(const std::string& domain, const std::string& selector,
                               bool even_signing) {
  const std::string name = AsciiLower(domain);
  auto keys = store_.DkimKeys(name);
  if (!keys.ok()) return std::move(keys).error();
  for (const auto& k : *keys) {
    if (k.selector != selector) continue;
    if (k.state == "active" && !even_signing) {
      return MakeError(
          ErrorCode::kFailedPrecondition,
          selector + " signs " + name + "'s mail: roll it over and sign with the next key first");
    }
    audit::DetailPending(
        boost::json::serialize(boost::json::object{{"before",
                                                    {{"domain", name},
                                                     {"selector", k.selector},
                                                     {"algorithm", k.algorithm},
                                                     {"state", k.state},
                                                     {"public_value", k.public_value}}}}));
  }
  return store_.DeleteDkimKey(name, selector);
}

Result<std::string> DomainSigner::Sign(std::string_view message) const {
  auto split = Split(message);
  if (!split.ok()) return std::string();  // FromDomain finds no domain in it either
  return SignHeader(message.substr(0, message.size() - split->body.size()),
                    BodyHash(split->body, Canon::kRelaxed));
}

Result<std::string> DomainSigner::SignHeader(std::string_view header,
                                             const std::string& body_hash) const {
  std::string domain = FromDomain(header);
  // The From domain, else its parents (not the top-level domain itself).
  while (!domain.empty() && domain.find('.') != std::string::npos) {
    auto keys = store_.DkimKeys(domain);
    if (!keys.ok()) return std::move(keys).error();
    if (!keys->empty()) {
      std::string fields;
      for (const auto& k : *keys) {
        if (k.state != "active") continue;  // pending: not published yet; retiring: replaced
        auto algorithm = ParseAlgorithm(k.algorithm);
        if (!algorithm.ok()) return std::move(algorithm).error();
        auto der = key_.Open(k.sealed_private, DkimKeyAad(k.domain, k.algorithm));
        if (!der.ok()) return std::move(der).error();
        auto key = DkimKey::FromPrivateDer(*algorithm, *der);
        WipeMemory(der->data(), der->size());
        if (!key.ok()) return std::move(key).error();
        auto field = dkim::SignHeader(*key, {k.domain, k.selector, clock_.NowUnix()}, header,
                                      body_hash);
        if (!field.ok()) return std::move(field).error();
        fields += *field;
      }
      return fields;
    }
    domain = domain.substr(domain.find('.') + 1);
  }
  return std::string();
}

bool DomainSigner::Covers(std::string_view header) const {
  std::string domain = FromDomain(header);
  while (!domain.empty() && domain.find('.') != std::string::npos) {
    auto keys = store_.DkimKeys(domain);
    if (!keys.ok()) return true;
    if (!keys->empty()) {
      return std::any_of(keys->begin(), keys->end(),
                         [](const DkimKeyRecord& k) { return k.state == "active"; });
    }
    domain = domain.substr(domain.find('.') + 1);
  }
  return false;
}

std::string ZoneFileRecord(const DkimKeyRecord& key) {
  const std::string text = std::string("v=DKIM1; k=") +
                           (key.algorithm == "rsa-sha256" ? "rsa" : "ed25519") +
                           "; p=" + key.public_value;
  std::string out = key.selector + "._domainkey." + key.domain + ". IN TXT (";
  for (std::size_t i = 0; i < text.size(); i += 255) out += " \"" + text.substr(i, 255) + "\"";
  return out + " )";
}

}  // namespace sealpost::dkim
