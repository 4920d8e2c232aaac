// Charts drawn on the server as SVG for the console's dashboard (issue 22): no script,
// nothing fetched, allowed by the strictest CSP. Each chart is an image with a title
// and a description for screen readers; the page shows the same numbers in a table.
// Every text from data (a domain, a label) is escaped here. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

namespace sealpost::console {

struct Series {
  std::string name;
  std::string colour;       // "#rrggbb"
  std::vector<int> values;  // one per label
};

// Vertical bars, one per label (a day), stacked by series, with a legend.
std::string StackedBars(const std::string& id, const std::string& title,
                        const std::vector<std::string>& labels, const std::vector<Series>& series);

struct Bar {
  std::string label;
  int value = 0;
  std::string colour;
};
// Horizontal bars, one per item, the value written at each bar's end.
std::string HorizontalBars(const std::string& id, const std::string& title,
                           const std::vector<Bar>& bars);

// Text made safe for SVG (XML) content and attribute values.
std::string XmlEscape(std::string_view text);

}  // namespace sealpost::console
