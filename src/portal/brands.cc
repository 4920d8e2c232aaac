#include "portal/brands.h"

#include <spdlog/spdlog.h>

#include "base/text.h"
#include "store/stores.h"

namespace sealpost::portal {

std::string HostOnly(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    return AsciiLower(host.substr(0, close == std::string_view::npos ? host.size() : close + 1));
  }
  return AsciiLower(host.substr(0, host.find(':')));
}

BrandBook::BrandBook(OrgStore& org, std::string organisation, const Clock& clock,
                     std::int64_t max_age_seconds)
    : org_(org),
      organisation_(std::move(organisation)),
      clock_(clock),
      max_age_seconds_(max_age_seconds) {}

std::shared_ptr<const BrandBook::Snapshot> BrandBook::Current() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

bool BrandBook::Stale(const std::string& namespace_name) const {
  auto s = Current();
  if (!s) return true;
  const std::int64_t age = clock_.NowUnix() - s->loaded_at;
  if (age >= max_age_seconds_) return true;
  // A namespace created since the last read; at most one extra read a second, so a
  // name that no longer exists cannot make every page read the store.
  return !namespace_name.empty() && !s->by_name.contains(namespace_name) && age >= 1;
}

Status BrandBook::Reload() {
  auto all = org_.ListNamespaces();
  if (!all.ok()) {
    spdlog::error("portal: namespaces not read for branding: {}", all.error().ToString());
    return std::move(all).error();
  }
  auto fresh = std::make_shared<Snapshot>();
  fresh->loaded_at = clock_.NowUnix();
  for (auto& ns : *all) {
    ns.sealed_key.clear();  // pages never need it
    for (const auto& host : ns.hosts) fresh->by_host[AsciiLower(host)] = ns.name;
    std::string name = ns.name;
    fresh->by_name.emplace(std::move(name), std::move(ns));
  }
  std::lock_guard lock(mu_);
  snapshot_ = std::move(fresh);
  return OkStatus();
}

Brand BrandBook::ForNamespace(const std::string& namespace_name) const {
  Brand b;
  b.display_name = organisation_;
  auto s = Current();
  if (!s || namespace_name.empty()) return b;
  auto it = s->by_name.find(namespace_name);
  if (it == s->by_name.end()) return b;
  const NamespaceRecord& ns = it->second;
  b.name = ns.name;
  b.display_name = ns.display_name.empty() ? ns.name : ns.display_name;
  b.support = ns.support_contact;
  b.styled = !ns.colour.empty();
  b.logo = !ns.logo.empty();
  b.message_center = ns.message_center;
  return b;
}

std::string BrandBook::NamespaceOfHost(std::string_view host_header) const {
  auto s = Current();
  if (!s) return {};
  auto it = s->by_host.find(HostOnly(host_header));
  return it == s->by_host.end() ? std::string() : it->second;
}

std::optional<std::string> BrandBook::Stylesheet(const std::string& namespace_name) const {
  auto s = Current();
  if (!s) return std::nullopt;
  auto it = s->by_name.find(namespace_name);
  if (it == s->by_name.end() || it->second.colour.empty()) return std::nullopt;
  // The colour was checked when it was set (#rrggbb, readable under white text).
  return ":root { --accent: " + it->second.colour + "; }\n";
}

std::optional<std::pair<std::string, std::string>> BrandBook::Logo(
    const std::string& namespace_name) const {
  auto s = Current();
  if (!s) return std::nullopt;
  auto it = s->by_name.find(namespace_name);
  if (it == s->by_name.end() || it->second.logo.empty()) return std::nullopt;
  return std::make_pair(it->second.logo, it->second.logo_type);
}

}  // namespace sealpost::portal
