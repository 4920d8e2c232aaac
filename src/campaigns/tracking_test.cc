#include "campaigns/tracking.h"

#include <gtest/gtest.h>

#include "crypto/key_ring.h"
#include "crypto/random.h"

namespace sealpost::campaigns {
namespace {

const std::string kBase = "https://mail.example";
const std::string kMessage = "0123456789abcdef0123456789abcdef";

class TrackingTest : public ::testing::Test {
 protected:
  PurposeKey key_{RandomSecret(32)};
  PurposeKey other_{RandomSecret(32)};

  // The token of the first click link in `html`.
  static std::string FirstClickToken(const std::string& html) {
    const auto at = html.find(kBase + "/t/c/");
    if (at == std::string::npos) return "";
    const auto start = at + kBase.size() + 5;
    return html.substr(start, html.find('"', start) - start);
  }
};

TEST_F(TrackingTest, LinksGoThroughUsAndOnlyOurOwnTokensRedirect) {
  const std::string html =
      "<html><body><p>Book at <A class=\"b\" HREF=\"https://clinic.example/book?a=1&amp;b=2\">"
      "the clinic</A> or <a href='http://x.example/'>here</a>.</p>"
      "<a href=\"mailto:desk@clinic.example\">write</a>"
      "<a href=\"https://mail.example/u/tok\">Unsubscribe</a></body></html>";
  const std::string out = TrackedHtml(html, key_, kBase, kMessage, kBase + "/u/");

  const std::string token = FirstClickToken(out);
  auto click = ReadClickToken(key_, token);
  ASSERT_TRUE(click);
  EXPECT_EQ(click->message_id, kMessage);
  EXPECT_EQ(click->url, "https://clinic.example/book?a=1&b=2");  // character references read
  EXPECT_NE(out.find("class=\"b\" HREF=\"" + kBase + "/t/c/"), std::string::npos);
  EXPECT_EQ(out.find("clinic.example/book"), std::string::npos);  // no longer in the clear
  EXPECT_EQ(out.find("http://x.example/"), std::string::npos);
  // Left as written: not the web, and the way out.
  EXPECT_NE(out.find("href=\"mailto:desk@clinic.example\""), std::string::npos);
  EXPECT_NE(out.find("href=\"https://mail.example/u/tok\""), std::string::npos);
  // The pixel, before </body>.
  const auto pixel = out.find(kBase + "/t/o/" + OpenToken(key_, kMessage));
  ASSERT_NE(pixel, std::string::npos);
  EXPECT_LT(pixel, out.find("</body>"));

  // Another key's token, an address changed, a message changed: none redirects.
  EXPECT_FALSE(ReadClickToken(other_, token));
  const auto first_dot = token.find('.'), second_dot = token.find('.', first_dot + 1);
  const std::string evil =
      token.substr(0, first_dot + 1) + "aHR0cHM6Ly9ldmlsLmV4YW1wbGUv" + token.substr(second_dot);
  EXPECT_FALSE(ReadClickToken(key_, evil));
  EXPECT_FALSE(ReadClickToken(key_, "f" + token.substr(1)));
  for (const char* bad : {"", "a.b", "a..c", "a.b.c.d", "..", "a.b.c"}) {
    EXPECT_FALSE(ReadClickToken(key_, bad)) << bad;
  }
  EXPECT_FALSE(ReadClickToken(key_, std::string(kMaxTrackingTokenChars + 1, 'a')));
}

TEST_F(TrackingTest, TheOpenTokenNamesTheMessageUnderThisKeyOnly) {
  const std::string token = OpenToken(key_, kMessage);
  EXPECT_EQ(ReadOpenToken(key_, token).value_or(""), kMessage);
  EXPECT_FALSE(ReadOpenToken(other_, token));
  EXPECT_FALSE(ReadOpenToken(key_, "1" + token.substr(1)));
  EXPECT_FALSE(ReadOpenToken(key_, token + "x"));
  EXPECT_FALSE(ReadOpenToken(key_, kMessage));
  // A click token is not an open token, nor the other way.
  EXPECT_FALSE(ReadClickToken(key_, token));
}

TEST_F(TrackingTest, WithoutABodyThePixelGoesAtTheEndAndOddTagsPassUntouched) {
  const std::string html =
      "<p>Hi <a>no link</a> <a href=unquoted>x</a> <abbr href=\"https://"
      "y.example\">y</abbr> <a data-href=\"https://z.example\">z</a> <a";
  const std::string out = TrackedHtml(html, key_, kBase, kMessage, "");
  EXPECT_EQ(out.find("/t/c/"), std::string::npos) << out;
  EXPECT_EQ(out.rfind("<img src=\"" + kBase + "/t/o/", 0), std::string::npos);
  EXPECT_EQ(out.substr(0, html.size()), html);
  EXPECT_NE(out.find("/t/o/", html.size()), std::string::npos);
  // A link too long to carry is left as it is; an unknown character reference too.
  const std::string long_link =
      "<a href=\"https://x.example/" + std::string(2100, 'a') + "\">l</a>";
  EXPECT_EQ(TrackedHtml(long_link, key_, kBase, kMessage, "").find("/t/c/"), std::string::npos);
  EXPECT_EQ(TrackedHtml("<a href=\"https://x.example/&copy;\">c</a>", key_, kBase, kMessage, "")
                .find("/t/c/"),
            std::string::npos);
}

TEST_F(TrackingTest, AClickIsRecordedWithoutItsQuery) {
  EXPECT_EQ(LinkForRecord("https://clinic.example/results?patient=42#top"),
            "clinic.example/results");
  EXPECT_EQ(LinkForRecord("http://x.example"), "x.example");
}

}  // namespace
}  // namespace sealpost::campaigns
