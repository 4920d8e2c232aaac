#include "app/check.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <memory>

#include "app/key_rotation.h"
#include "app/open_stores.h"
#include "dns/resolver.h"
#include "store/stores.h"

namespace sealpost {
namespace {

using Level = Finding::Level;

Finding Ok(std::string subject, std::string text) {
  return {Level::kOk, std::move(subject), std::move(text)};
}
Finding Warning(std::string subject, std::string text) {
  return {Level::kWarning, std::move(subject), std::move(text)};
}
Finding Failure(std::string subject, std::string text) {
  return {Level::kFailure, std::move(subject), std::move(text)};
}

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// A secret file: readable by its owner (the user sealpost runs as) only.
Finding SecretFile(const std::string& subject, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Failure(subject, path + " cannot be read");
  if ((st.st_mode & 077) != 0) {
    return Failure(subject, path + " has mode " + Octal(st.st_mode) +
                                ": others can read it. Fix: chmod 600 " + path);
  }
  if (st.st_uid != ::geteuid()) {
    return Warning(subject, path + " belongs to another user (uid " + std::to_string(st.st_uid) +
                                "). Fix: chown it to the user sealpost runs as");
  }
  return Ok(subject, path + " (" + Octal(st.st_mode) + ")");
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

std::string HostOf(const std::string& url) {
  std::string rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find(':'));
}

std::vector<Finding> CheckCertificate(const Config& config, const Clock& clock) {
  const std::string subject = "certificate";
  const std::string path = config.Resolve(config.certificate);
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!file) return {Failure(subject, path + " cannot be read")};
  std::unique_ptr<X509, X509Free> cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
  if (!cert) return {Failure(subject, path + " holds no PEM certificate")};
  std::vector<Finding> found;
  int days = 0, seconds = 0;
  const std::time_t now = clock.NowUnix();
  std::unique_ptr<ASN1_TIME, void (*)(ASN1_TIME*)> at(ASN1_TIME_set(nullptr, now), &ASN1_TIME_free);
  ASN1_TIME_diff(&days, &seconds, at.get(), X509_get0_notAfter(cert.get()));
  const std::string host = HostOf(config.public_url);
  if (days < 0 || (days == 0 && seconds <= 0)) {
    found.push_back(Failure(subject, path + " has expired. Fix: renew it, then reload "
                                            "(systemctl reload sealpost)"));
  } else if (days < 21) {
    found.push_back(Warning(subject, path + " expires in " + std::to_string(days) +
                                         " days. Fix: renew it, then reload (SIGHUP)"));
  } else {
    found.push_back(Ok(subject, path + " is valid for " + std::to_string(days) + " more days"));
  }
  if (X509_check_host(cert.get(), host.data(), host.size(), 0, nullptr) != 1 &&
      X509_check_ip_asc(cert.get(), host.c_str(), 0) != 1) {
    found.push_back(Failure(subject, "it is not for " + host + " (server.public_url). Fix: a "
                                         "certificate whose names include " + host));
  }
  // Self-signed: its own issuer, and its own key verifies its signature.
  if (X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0 &&
      X509_verify(cert.get(), X509_get0_pubkey(cert.get())) == 1) {
    found.push_back(Warning(subject, "it is self-signed: browsers and mail programs will "
                                     "warn. Fix: one from a CA (e.g. Let's Encrypt) in [tls]"));
  }
  return found;
}

// The value of tag `name` in a tag=value list ("v=DKIM1; k=rsa; p=MIIB..."), without
// whitespace; "" when absent.
std::string TagValue(const std::string& record, const std::string& name) {
  std::size_t start = 0;
  while (start <= record.size()) {
    std::size_t end = record.find(';', start);
    if (end == std::string::npos) end = record.size();
    std::string tag;
    for (char c : record.substr(start, end - start)) {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') tag += c;
    }
    if (tag.rfind(name + "=", 0) == 0) return tag.substr(name.size() + 1);
    start = end + 1;
  }
  return "";
}

}  // namespace

std::vector<Finding> CheckFiles(const Config& config, const Clock& clock) {
  std::vector<Finding> found;
  found.push_back(Ok("configuration", config.path + " is valid"));
  const std::string master_key = config.Resolve(config.master_key);
  found.push_back(SecretFile("master key", master_key));
  if (RotationUnderWay(master_key)) {
    found.push_back(SecretFile("previous master key", PreviousMasterKeyPath(master_key)));
    found.push_back(Warning("master key", "a rotation is under way (" +
                                              PreviousMasterKeyPath(master_key) +
                                              " still opens what it sealed). Fix: sealpost admin "
                                              "keys rotate, which resumes and ends it"));
  }
  found.push_back(SecretFile("TLS private key", config.Resolve(config.private_key)));
  if (!IsPostgresUri(config.database)) {  // PostgreSQL's files are its own to guard
    found.push_back(SecretFile("database", config.Resolve(config.database)));
  }
  for (auto& f : CheckCertificate(config, clock)) found.push_back(std::move(f));
  if (!config.dev && config.delivery_hostname == "localhost") {
    found.push_back(Warning("delivery", "delivery.helo_name is \"localhost\": receivers may "
                                        "refuse mail. Fix: this host's public name"));
  }
  return found;
}

Result<DkimRecord> LookUpDkimRecord(dns::Resolver& resolver, const DkimKeyRecord& key) {
  auto records = resolver.Txt(key.selector + "._domainkey." + key.domain);
  if (!records.ok()) return std::move(records).error();
  bool other = false;
  for (const auto& record : *records) {
    const std::string p = TagValue(record, "p");
    if (p == key.public_value) return DkimRecord::kThisKey;
    if (!p.empty()) other = true;
  }
  return other ? DkimRecord::kAnotherKey : DkimRecord::kNoKey;
}

std::vector<Finding> CheckDomains(OrgStore& org, dns::Resolver* resolver, const Clock& clock) {
  std::vector<Finding> found;
  auto keys = org.DkimKeys("");
  if (!keys.ok()) return {Failure("DKIM", "keys not read: " + keys.error().message)};
  if (keys->empty()) {
    found.push_back(Warning("DKIM", "no sending domain has a key: mail leaves unsigned. Fix: "
                                    "sealpost admin dkim create DOMAIN"));
    return found;
  }
  std::map<std::string, bool> domains;
  for (const auto& key : *keys) {
    domains[key.domain] = true;
    const std::string subject =
        "DKIM " + key.domain + " (" + key.algorithm + ", " + key.state + ")";
    const std::string name = key.selector + "._domainkey." + key.domain;
    if (key.state == "retiring" && key.retire_at <= clock.NowUnix()) {
      found.push_back(Warning(subject, key.selector + " retired " + FormatRfc3339(key.retire_at) +
                                           ". Fix: remove the TXT record " + name +
                                           ", then sealpost admin dkim delete " + key.domain +
                                           " --selector " + key.selector));
      continue;
    }
    if (resolver == nullptr) continue;
    auto record = LookUpDkimRecord(*resolver, key);
    if (!record.ok()) {
      found.push_back(
          Failure(subject, name + " could not be looked up: " + record.error().message));
      continue;
    }
    const bool published = *record == DkimRecord::kThisKey;
    const std::string missing =
        name + (*record == DkimRecord::kAnotherKey ? " publishes another key" : " has no key");
    if (key.state == "pending") {
      found.push_back(published
                          ? Ok(subject, name +
                                            " publishes the new key. Next: sealpost admin dkim "
                                            "activate " +
                                            key.domain)
                          : Warning(subject, missing + ". Fix: publish the record `sealpost admin "
                                                       "dkim list` shows, then activate the key"));
    } else if (key.state == "retiring") {
      found.push_back(published
                          ? Ok(subject, name +
                                            " still publishes the retiring key, as it "
                                            "should until " +
                                            FormatRfc3339(key.retire_at))
                          : Warning(subject, missing + ": mail it signed before " +
                                                 FormatRfc3339(key.retire_at) +
                                                 " fails DKIM. Fix: publish it again until then"));
    } else if (published) {
      found.push_back(Ok(subject, name + " publishes the key"));
    } else {
      found.push_back(Failure(subject, missing +
                                           ". Fix: publish the record `sealpost admin dkim "
                                           "list` shows for " +
                                           key.domain));
    }
  }
  if (resolver == nullptr) return found;
  for (const auto& [domain, unused] : domains) {
    for (const auto& [prefix, version, why] :
         {std::tuple{"_mta-sts.", "v=STSv1",
                     "MTA-STS: senders to this domain cannot insist on TLS"},
          std::tuple{"_smtp._tls.", "v=TLSRPTv1",
                     "TLS reporting: no reports of failed TLS to this domain"}}) {
      const std::string name = prefix + domain;
      auto records = resolver->Txt(name);
      if (!records.ok()) {
        found.push_back(Warning(domain, name + " could not be looked up: " +
                                            records.error().message));
        continue;
      }
      bool present = false;
      for (const auto& r : *records) present |= r.rfind(version, 0) == 0;
      if (present) {
        found.push_back(Ok(domain, name + " is published"));
      } else {
        found.push_back(Warning(domain, name + " is missing (" + why + "). Fix: publish a " +
                                            version + " record"));
      }
    }
  }
  return found;
}

}  // namespace sealpost
