#include "metrics/registry.h"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <mutex>

namespace sealpost::metrics {

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                               0.5,   1,    2.5,   5,    10,  30};
  return kBuckets;
}

namespace {

enum class Type { kCounter, kGauge, kHistogram };

struct Series {
  double value = 0;                 // counter, gauge; the sum for a histogram
  std::vector<std::uint64_t> counts;  // histogram: per bucket, not cumulative
  std::uint64_t count = 0;          // histogram: observations
};

struct Family {
  Type type;
  std::string help;
  std::vector<double> bounds;
  std::map<std::string, Series> series;  // by label text, sorted for stable output
};

// Prometheus renders numbers as Go's ParseFloat reads them: shortest round trip.
std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

// Help text escapes backslash and newline; label values also the double quote.
std::string Escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quote) out += "\\\"";
    else out += c;
  }
  return out;
}

// The labels with one more (histogram buckets' "le") put in before the closing brace.
std::string WithLabel(const std::string& labels, const std::string& name, const std::string& v) {
  std::string pair = name + "=\"" + v + "\"";
  if (labels.empty()) return "{" + pair + "}";
  return labels.substr(0, labels.size() - 1) + "," + pair + "}";
}

}  // namespace

std::string LabelText(Labels labels) {
  if (labels.size() == 0) return "";
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out += ',';
    out += name;
    out += "=\"";
    out += Escape(value, true);
    out += '"';
  }
  out += '}';
  return out;
}

struct Registry::Impl {
  std::mutex mu;
  std::map<std::string, Family, std::less<>> families;
  struct Collector {
    std::vector<std::string> gauges;
    std::function<void(Registry&)> collect;
  };
  std::vector<Collector> collectors;

  void Declare(std::string name, Type type, std::string help, std::vector<double> bounds) {
    std::lock_guard lock(mu);
    families.try_emplace(std::move(name), Family{type, std::move(help), std::move(bounds), {}});
  }
  // Under mu.
  Series* Find(std::string_view name, Type type, Labels labels) {
    auto family = families.find(name);
    if (family == families.end() || family->second.type != type) return nullptr;
    Series& series = family->second.series[LabelText(labels)];
    if (type == Type::kHistogram && series.counts.empty()) {
      series.counts.assign(family->second.bounds.size(), 0);
    }
    return &series;
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

void Registry::DeclareCounter(std::string name, std::string help) {
  impl_->Declare(std::move(name), Type::kCounter, std::move(help), {});
}
void Registry::DeclareGauge(std::string name, std::string help) {
  impl_->Declare(std::move(name), Type::kGauge, std::move(help), {});
}
void Registry::DeclareHistogram(std::string name, std::string help,
                                std::vector<double> upper_bounds) {
  impl_->Declare(std::move(name), Type::kHistogram, std::move(help), std::move(upper_bounds));
}

void Registry::Add(std::string_view name, Labels labels, double by) {
  if (!(by >= 0)) return;  // a counter only grows
  std::lock_guard lock(impl_->mu);
  if (Series* s = impl_->Find(name, Type::kCounter, labels)) s->value += by;
}

void Registry::Set(std::string_view name, Labels labels, double value) {
  std::lock_guard lock(impl_->mu);
  if (Series* s = impl_->Find(name, Type::kGauge, labels)) s->value = value;
}

void Registry::Observe(std::string_view name, Labels labels, double value) {
  std::lock_guard lock(impl_->mu);
  auto family = impl_->families.find(name);
  if (family == impl_->families.end()) return;
  Series* s = impl_->Find(name, Type::kHistogram, labels);
  if (s == nullptr) return;
  const auto& bounds = family->second.bounds;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) {
      ++s->counts[i];
      break;
    }
  }
  ++s->count;
  s->value += value;
}

void Registry::OnCollect(std::vector<std::string> gauges, std::function<void(Registry&)> collect) {
  std::lock_guard lock(impl_->mu);
  impl_->collectors.push_back({std::move(gauges), std::move(collect)});
}

std::string Registry::Render() {
  std::vector<Impl::Collector> collectors;
  {
    std::lock_guard lock(impl_->mu);
    collectors = impl_->collectors;
    for (const auto& c : collectors) {
      for (const auto& name : c.gauges) {
        auto family = impl_->families.find(name);
        if (family != impl_->families.end()) family->second.series.clear();
      }
    }
  }
  // Outside the lock: a collector reads stores and sets gauges through this registry.
  for (const auto& c : collectors) c.collect(*this);

  std::lock_guard lock(impl_->mu);
  std::string out;
  for (const auto& [name, family] : impl_->families) {
    static constexpr const char* kTypes[] = {"counter", "gauge", "histogram"};
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, Escape(family.help, false), name,
                       kTypes[static_cast<int>(family.type)]);
    for (const auto& [labels, series] : family.series) {
      if (family.type != Type::kHistogram) {
        out += fmt::format("{}{} {}\n", name, labels, Number(series.value));
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < family.bounds.size(); ++i) {
        cumulative += series.counts[i];
        out += fmt::format("{}_bucket{} {}\n", name,
                           WithLabel(labels, "le", Number(family.bounds[i])), cumulative);
      }
      out += fmt::format("{}_bucket{} {}\n", name, WithLabel(labels, "le", "+Inf"), series.count);
      out += fmt::format("{}_sum{} {}\n", name, labels, Number(series.value));
      out += fmt::format("{}_count{} {}\n", name, labels, series.count);
    }
  }
  return out;
}

}  // namespace sealpost::metrics
