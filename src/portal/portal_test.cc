#include <gtest/gtest.h>

#include <ctemplate/template.h>

#include "portal/sessions.h"
#include "portal/templates.h"

namespace sealpost::portal {
namespace {

TEST(Templates, EscapeEveryValue) {
  Templates t;
  std::string html = t.Render("question.tpl", "T<itle>", "Org & Co", [](ctemplate::TemplateDictionary& d) {
    d.SetValue("SENDER", "<script>alert(1)</script>");
    d.SetValue("QUESTION", "Your \"pet\"?");
    d.SetValue("RID", "abc");
    d.SetValue("CSRF", "x\"><img src=x>");
    d.SetValue("EXPIRES", "soon");
  });
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x>"), std::string::npos);
  EXPECT_NE(html.find("Org &amp; Co"), std::string::npos);
  EXPECT_NE(html.find("<label for=\"answer\">"), std::string::npos);
}

TEST(Templates, MessageHtmlOnlyInsideTheSandboxedFrame) {
  Templates t;
  std::string html = t.Render("message.tpl", "Subject", "Org", [](ctemplate::TemplateDictionary& d) {
    d.SetValue("SUBJECT", "Hi");
    d.ShowSection("HAS_HTML");
    d.SetValue("HTML", "<p onclick=\"steal()\">x</p><script>evil()</script>");
  });
  EXPECT_EQ(html.find("<script>evil"), std::string::npos);
  EXPECT_NE(html.find("sandbox=\"\" srcdoc=\"&lt;p onclick=&quot;steal()&quot;"), std::string::npos)
      << html;
}

TEST(Templates, ServesTheStylesheet) {
  EXPECT_FALSE(FindStatic("portal.css").empty());
  EXPECT_TRUE(FindStatic("layout.tpl").empty());  // templates are not static files
  EXPECT_TRUE(FindStatic("../etc/passwd").empty());
}

TEST(Sessions, ExpireWhenIdleAndBindToRecipient) {
  ManualClock clock(1000);
  PortalSessions sessions(clock, 900);
  std::string token = sessions.Create("r1", SecretBytes("key", 3));
  auto s = sessions.Find(token, "r1");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->data_key->view(), "key");
  EXPECT_FALSE(sessions.Find(token, "r2").has_value());
  EXPECT_FALSE(sessions.Find("forged", "r1").has_value());
  clock.Advance(899);
  EXPECT_TRUE(sessions.Find(token, "r1").has_value());  // refreshed
  clock.Advance(899);
  EXPECT_TRUE(sessions.Find(token, "r1").has_value());
  clock.Advance(900);
  EXPECT_FALSE(sessions.Find(token, "r1").has_value());
  EXPECT_EQ(sessions.size(), 0u);
}

TEST(Sessions, BoundedInNumber) {
  ManualClock clock(0);
  PortalSessions sessions(clock, 900, 3);
  for (int i = 0; i < 10; ++i) sessions.Create("r", SecretBytes("k", 1));
  EXPECT_EQ(sessions.size(), 3u);
}

}  // namespace
}  // namespace sealpost::portal
