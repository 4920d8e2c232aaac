#include "console/charts.h"

#include <gtest/gtest.h>

namespace sealpost::console {
namespace {

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ChartsTest, StackedBarsDrawEachNonZeroPartAndDescribeEveryDay) {
  std::string svg = StackedBars("days", "Recipients per day", {"1 Dec", "2 Dec", "3 Dec"},
                                {{"escrow", "#0b5394", {3, 0, 1}}, {"pgp", "#1e6b2f", {1, 0, 0}}});
  EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
  EXPECT_NE(svg.find("role=\"img\""), std::string::npos);
  EXPECT_NE(svg.find("<title id=\"days-title\">Recipients per day</title>"), std::string::npos);
  EXPECT_NE(svg.find("1 Dec: 3 escrow, 1 pgp. 2 Dec: none. 3 Dec: 1 escrow."), std::string::npos);
  // Three parts drawn, plus two legend swatches; the axis tops at a round 5.
  EXPECT_EQ(Count(svg, "<rect "), 5);
  EXPECT_NE(svg.find(">5</text>"), std::string::npos);
  // The tallest bar (4 of 5) is 4/5 of the plot: 144 of 180.
  EXPECT_NE(svg.find("height=\"108.0\""), std::string::npos);  // 3 of 5
  EXPECT_NE(svg.find("height=\"36.0\""), std::string::npos);   // 1 of 5
}

TEST(ChartsTest, TextFromDataIsEscaped) {
  std::string svg =
      HorizontalBars("d", "Deferred <now>",
                     {{"<script>x</script>.example", 3, "#a4000f"}, {"a\"b'c&d", 1, "#a4000f"}});
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;x&lt;/script&gt;.example"), std::string::npos);
  EXPECT_NE(svg.find("a&quot;b&#39;c&amp;d"), std::string::npos);
  EXPECT_NE(svg.find("Deferred &lt;now&gt;"), std::string::npos);
  EXPECT_EQ(XmlEscape(std::string("a\x01z")), "az");
}

TEST(ChartsTest, BarsAreInProportion) {
  std::string svg =
      HorizontalBars("o", "Outcomes", {{"viewed", 10, "#1e6b2f"}, {"locked", 5, "#a4000f"}});
  EXPECT_NE(svg.find("width=\"380.0\""), std::string::npos);  // the longest: the whole span
  EXPECT_NE(svg.find("width=\"190.0\""), std::string::npos);
  EXPECT_NE(HorizontalBars("e", "Empty", {}).find("Nothing to show."), std::string::npos);
}

}  // namespace
}  // namespace sealpost::console
