// Metrics for Prometheus: counters, gauges and histograms in labelled families,
// rendered in the text exposition format (version 0.0.4) for the metrics listener.
// Families are declared once at start with their help; components then count through
// the Registry they were given (none in unit tests of logic: every call site takes a
// pointer that may be null). Label values are what the code chose (a route pattern, a
// reply code), never what a client sent: a path or an address would carry secrets and
// let anyone grow the registry without bound.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sealpost::metrics {

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Upper bounds for durations in seconds: 5 ms to 30 s.
const std::vector<double>& LatencyBuckets();

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  void DeclareCounter(std::string name, std::string help);
  void DeclareGauge(std::string name, std::string help);
  void DeclareHistogram(std::string name, std::string help, std::vector<double> upper_bounds);

  // On a family not declared, or of another type, these do nothing: a metric is never
  // worth an error in the path it measures.
  void Add(std::string_view name, Labels labels, double by = 1);
  void Set(std::string_view name, Labels labels, double value);
  void Observe(std::string_view name, Labels labels, double value);

  // Runs before each rendering, to set gauges read from elsewhere (the queue's states).
  // A gauge family a collector sets is emptied first, so a series it stops setting goes.
  void OnCollect(std::vector<std::string> gauges, std::function<void(Registry&)> collect);

  std::string Render();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `{a="x",b="y"}` with the values escaped as the format asks ("" for no labels).
std::string LabelText(Labels labels);

}  // namespace sealpost::metrics
