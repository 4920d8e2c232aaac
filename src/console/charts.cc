#include "console/charts.h"

#include <algorithm>
#include <cstdio>

namespace sealpost::console {
namespace {

constexpr int kWidth = 640;
constexpr int kPlotTop = 10;
constexpr int kPlotHeight = 180;
constexpr int kLeft = 40;
constexpr int kRowHeight = 26;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A round ceiling for the axis: 1, 2, 5, 10, 20, 50 …
int NiceMax(int max) {
  if (max <= 0) return 1;
  int step = 1;
  for (;;) {
    for (int m : {1, 2, 5}) {
      if (m * step >= max) return m * step;
    }
    step *= 10;
  }
}

std::string Open(const std::string& id, const std::string& title, int height,
                 const std::string& description) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " +
         std::to_string(kWidth) + " " + std::to_string(height) +
         "\" role=\"img\" aria-labelledby=\"" + XmlEscape(id) + "-title " + XmlEscape(id) +
         "-desc\"><title id=\"" + XmlEscape(id) + "-title\">" + XmlEscape(title) +
         "</title><desc id=\"" + XmlEscape(id) + "-desc\">" + XmlEscape(description) + "</desc>";
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control characters have no place in XML 1.0.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out.push_back(c);
    }
  }
  return out;
}

std::string StackedBars(const std::string& id, const std::string& title,
                        const std::vector<std::string>& labels, const std::vector<Series>& series) {
  int max = 0;
  std::string description;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    int total = 0;
    std::string parts;
    for (const auto& s : series) {
      const int v = i < s.values.size() ? s.values[i] : 0;
      total += v;
      if (v > 0) parts += (parts.empty() ? "" : ", ") + std::to_string(v) + " " + s.name;
    }
    max = std::max(max, total);
    description += labels[i] + ": " + (parts.empty() ? "none" : parts) + ". ";
  }
  const int top = NiceMax(max);
  const int legend_rows = static_cast<int>((series.size() + 3) / 4);
  const int height = kPlotTop + kPlotHeight + 24 + legend_rows * 22 + 6;
  std::string svg = Open(id, title, height, description);
  // The axis: its top and its zero.
  const int bottom = kPlotTop + kPlotHeight;
  svg += "<line x1=\"" + std::to_string(kLeft) + "\" y1=\"" + std::to_string(bottom) + "\" x2=\"" +
         std::to_string(kWidth) + "\" y2=\"" + std::to_string(bottom) + "\" stroke=\"#4a4a4a\"/>";
  svg += "<text x=\"" + std::to_string(kLeft - 6) + "\" y=\"" + std::to_string(kPlotTop + 10) +
         "\" text-anchor=\"end\" font-size=\"12\" fill=\"#1a1a1a\">" + std::to_string(top) +
         "</text>";
  svg += "<text x=\"" + std::to_string(kLeft - 6) + "\" y=\"" + std::to_string(bottom) +
         "\" text-anchor=\"end\" font-size=\"12\" fill=\"#1a1a1a\">0</text>";
  const double slot = labels.empty() ? 0 : static_cast<double>(kWidth - kLeft) / labels.size();
  const double bar = slot * 0.7;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double x = kLeft + slot * i + (slot - bar) / 2;
    double y = bottom;
    for (const auto& s : series) {
      const int v = i < s.values.size() ? s.values[i] : 0;
      if (v <= 0) continue;
      const double h = static_cast<double>(v) * kPlotHeight / top;
      y -= h;
      svg += "<rect x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" width=\"" + Num(bar) +
             "\" height=\"" + Num(h) + "\" fill=\"" + XmlEscape(s.colour) + "\"/>";
    }
    // Every label when they fit; else every few.
    const std::size_t every = std::max<std::size_t>(1, labels.size() / 7);
    if (i % every == 0) {
      svg += "<text x=\"" + Num(x + bar / 2) + "\" y=\"" + std::to_string(bottom + 16) +
             "\" text-anchor=\"middle\" font-size=\"12\" fill=\"#1a1a1a\">" + XmlEscape(labels[i]) +
             "</text>";
    }
  }
  for (std::size_t k = 0; k < series.size(); ++k) {
    const int row = static_cast<int>(k / 4), column = static_cast<int>(k % 4);
    const int x = kLeft + column * 150;
    const int y = bottom + 30 + row * 22;
    svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) +
           "\" width=\"12\" height=\"12\" fill=\"" + XmlEscape(series[k].colour) + "\"/>";
    svg += "<text x=\"" + std::to_string(x + 18) + "\" y=\"" + std::to_string(y + 11) +
           "\" font-size=\"13\" fill=\"#1a1a1a\">" + XmlEscape(series[k].name) + "</text>";
  }
  return svg + "</svg>";
}

std::string HorizontalBars(const std::string& id, const std::string& title,
                           const std::vector<Bar>& bars) {
  int max = 0;
  std::string description;
  for (const auto& b : bars) {
    max = std::max(max, b.value);
    description += b.label + ": " + std::to_string(b.value) + ". ";
  }
  if (bars.empty()) description = "Nothing to show.";
  const int height = std::max<int>(1, static_cast<int>(bars.size())) * kRowHeight + 8;
  std::string svg = Open(id, title, height, description);
  constexpr int kLabelWidth = 200;
  const int span = kWidth - kLabelWidth - 60;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    const int y = 4 + static_cast<int>(i) * kRowHeight;
    const double w = max > 0 ? static_cast<double>(b.value) * span / max : 0;
    svg += "<text x=\"" + std::to_string(kLabelWidth - 8) + "\" y=\"" + std::to_string(y + 15) +
           "\" text-anchor=\"end\" font-size=\"13\" fill=\"#1a1a1a\">" + XmlEscape(b.label) +
           "</text>";
    svg += "<rect x=\"" + std::to_string(kLabelWidth) + "\" y=\"" + std::to_string(y + 2) +
           "\" width=\"" + Num(w) + "\" height=\"18\" fill=\"" + XmlEscape(b.colour) + "\"/>";
    svg += "<text x=\"" + Num(kLabelWidth + w + 6) + "\" y=\"" + std::to_string(y + 15) +
           "\" font-size=\"13\" fill=\"#1a1a1a\">" + std::to_string(b.value) + "</text>";
  }
  return svg + "</svg>";
}

}  // namespace sealpost::console
