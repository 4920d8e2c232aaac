#include "campaigns/template.h"

#include <gtest/gtest.h>

#include "base/clock.h"

namespace sealpost::campaigns {
namespace {

AttributeValue Text(std::string s) {
  AttributeValue v;
  v.text = std::move(s);
  return v;
}

const std::int64_t kNow = *ParseRfc3339OrDate("2026-12-06T10:00:00Z");

class TemplateTest : public ::testing::Test {
 protected:
  TemplateTest() {
    attributes_ = {{"first_name", Text("Homer")},
                   {"appointment", Text("2026-12-08T09:30:00Z")},
                   {"clinic", Text("Springfield <General> & \"Sons\"")},
                   {"plan", Text("gold")}};
    AttributeValue visits;
    visits.kind = AttributeValue::Kind::kNumber;
    visits.number = 12;
    attributes_["visits"] = visits;
    contact_.address = "homer@springfield.example";
    contact_.attributes = &attributes_;
    links_ = {{"unsubscribe_url", "https://mail.example/u/abc?x=1&y=2"},
              {"organisation", "Springfield Clinic"}};
  }

  std::string Render(const std::string& source, TemplatePart::Kind kind) {
    auto t = TemplatePart::Parse(source, kind);
    EXPECT_TRUE(t.ok()) << source << ": " << (t.ok() ? "" : t.error().message);
    return t.ok() ? t->Render(contact_, links_, kNow) : "";
  }

  Attributes attributes_;
  ContactFacts contact_;
  TemplateLinks links_;
};

TEST_F(TemplateTest, MergeFieldsFiltersAndConditionals) {
  using K = TemplatePart::Kind;
  EXPECT_EQ(Render("Dear {{first_name}},", K::kText), "Dear Homer,");
  EXPECT_EQ(Render("Dear {{ nickname | default: \"patient\" }},", K::kText), "Dear patient,");
  EXPECT_EQ(Render("{{first_name | upper}} {{plan|upper|lower}}", K::kText), "HOMER gold");
  EXPECT_EQ(Render("On {{appointment | date}} at {{appointment | time}}.", K::kText),
            "On 8 December 2026 at 09:30 UTC.");
  EXPECT_EQ(Render("{{visits}} visits, {{@address}} at {{@domain}}", K::kText),
            "12 visits, homer@springfield.example at springfield.example");
  EXPECT_EQ(Render("{{#if appointment = 2 days from now}}See you soon.{{else}}Book a "
                   "visit.{{/if}}",
                   K::kText),
            "See you soon.");
  EXPECT_EQ(Render("{{#unless plan = 'gold'}}Upgrade!{{else}}Thanks.{{/unless}}", K::kText),
            "Thanks.");
  EXPECT_EQ(Render("{{#if nickname}}Hi {{nickname}}{{else}}Hello{{/if}}", K::kText), "Hello");
  EXPECT_EQ(
      Render("{{#if first_name}}{{#if visits > 10}}Loyal {{first_name}}{{/if}}{{/if}}", K::kText),
      "Loyal Homer");
  EXPECT_EQ(Render("a{{! a note for the writer }}b", K::kText), "ab");
  EXPECT_EQ(Render("From {{@organisation}}", K::kText), "From Springfield Clinic");
}

TEST_F(TemplateTest, ValuesAreEscapedForWhereTheyGo) {
  using K = TemplatePart::Kind;
  // Text keeps the value; HTML escapes it; the template's own markup stays.
  EXPECT_EQ(Render("{{clinic}}", K::kText), "Springfield <General> & \"Sons\"");
  EXPECT_EQ(Render("<p>{{clinic}}</p>", K::kHtml),
            "<p>Springfield &lt;General&gt; &amp; &quot;Sons&quot;</p>");
  // sealpost's own links may go in an attribute, escaped there too.
  EXPECT_EQ(Render("<a href=\"{{@unsubscribe_url}}\">Unsubscribe</a>", K::kHtml),
            "<a href=\"https://mail.example/u/abc?x=1&amp;y=2\">Unsubscribe</a>");
  // A subject stays one line whatever a value holds.
  attributes_["first_name"] = Text("Homer\r\nBcc: everyone@example.net");
  EXPECT_EQ(Render("Hello {{first_name}}", K::kSubject), "Hello Homer  Bcc: everyone@example.net");
}

TEST(TemplateParse, AContactsValueMayNotGoInsideATagOrAStyleAndNoScript) {
  using K = TemplatePart::Kind;
  struct Case {
    const char* source;
    const char* message;
  };
  const Case cases[] = {
      {"<a href=\"{{website}}\">x</a>",
       "html: line 1, column 10: a contact's value may not go inside an HTML tag"},
      {"<img src=x onerror={{first_name}}>", "html: line 1, column 20: a contact's value may not"},
      {"<p title='a > b' class={{plan}}>", "html: line 1, column 24: a contact's value may not"},
      {"<style>p { color: {{colour}} }</style>",
       "html: line 1, column 19: a merge field may not go inside a style sheet"},
      {"<p>hi</p>\n<script>alert(1)</script>",
       "html: line 2, column 1: an email may not hold a script"},
      {"<SCRIPT src=x></SCRIPT>", "html: line 1, column 1: an email may not hold a script"},
      {"<p class=\"x", "html: line 1, column 12: the HTML ends inside a tag"},
  };
  for (const auto& c : cases) {
    auto t = TemplatePart::Parse(c.source, K::kHtml);
    ASSERT_FALSE(t.ok()) << c.source;
    EXPECT_EQ(t.error().field, "html");
    EXPECT_EQ(t.error().message.rfind(c.message, 0), 0u) << c.source << " → " << t.error().message;
  }
  // After the tag closes, a value may follow; an escaped '>' in a quoted attribute does
  // not end the tag early.
  EXPECT_TRUE(TemplatePart::Parse("<p class=\"a\">{{plan}}</p>", K::kHtml).ok());
  EXPECT_TRUE(TemplatePart::Parse("<style>p{}</style><p>{{plan}}</p>", K::kHtml).ok());
  // In the text part '<' is only a character.
  EXPECT_TRUE(TemplatePart::Parse("if a <b {{plan}}", K::kText).ok());
}

TEST(TemplateParse, RefusalsSayWhereAndWhat) {
  using K = TemplatePart::Kind;
  struct Case {
    const char* source;
    const char* message;
  };
  const Case cases[] = {
      {"Hi {{first_name", "text: line 1, column 4: this '{{' has no '}}'"},
      {"{{ }}", "text: line 1, column 1: '{{}}' names nothing"},
      {"a\n  {{First Name}}", "text: line 2, column 3: 'First Name' is not an attribute's name"},
      {"{{@secret}}", "text: line 1, column 1: '@secret' is not something sealpost fills in"},
      {"{{plan | shout}}", "text: line 1, column 1: 'shout' is not a filter"},
      {"{{plan | default}}", "text: line 1, column 1: default needs a quoted text"},
      {"{{plan | upper: 1}}", "text: line 1, column 1: 'upper' takes nothing after it"},
      {"{{#each x}}", "text: line 1, column 1: expected {{#if …}} or {{#unless …}}"},
      {"{{#if}}", "text: line 1, column 1: {{#if}} needs a condition"},
      {"{{#if age >}}x{{/if}}", "text: line 1, column 1: the condition: at character 6"},
      {"{{#if a}}x", "text: line 1, column 1: this {{#if}} is never closed"},
      {"{{#if a}}x{{/unless}}",
       "text: line 1, column 11: expected {{/if}} to close the one at "
       "line 1, column 1"},
      {"x{{/if}}", "text: line 1, column 2: nothing to close here"},
      {"{{else}}", "text: line 1, column 1: {{else}} is not inside an {{#if}}"},
      {"{{#if a}}1{{else}}2{{else}}3{{/if}}",
       "text: line 1, column 20: {{else}} is not inside an {{#if}}"},
  };
  for (const auto& c : cases) {
    auto t = TemplatePart::Parse(c.source, K::kText);
    ASSERT_FALSE(t.ok()) << c.source;
    EXPECT_EQ(t.error().message.rfind(c.message, 0), 0u) << c.source << " → " << t.error().message;
  }
  EXPECT_EQ(TemplatePart::Parse("a\nb", K::kSubject).error().message, "subject: one line only");
  std::string deep;
  for (int i = 0; i <= kMaxTemplateDepth; ++i) deep += "{{#if a}}";
  EXPECT_NE(TemplatePart::Parse(deep, K::kText).error().message.find("nested too deeply"),
            std::string::npos);
  EXPECT_FALSE(TemplatePart::Parse(std::string(kMaxTemplateBytes + 1, 'a'), K::kText).ok());
}

TEST(TemplateParse, AWholeMessageNeedsASubjectAndText) {
  EXPECT_EQ(MessageTemplate::Parse(" ", "x", "").error().field, "subject");
  EXPECT_EQ(MessageTemplate::Parse("s", "", "<p>x</p>").error().field, "text");
  EXPECT_EQ(MessageTemplate::Parse("s", "x", "<a href={{x}}>").error().field, "html");
  auto t = MessageTemplate::Parse("Your visit, {{first_name}}", "Hello {{first_name}}", "");
  ASSERT_TRUE(t.ok());
  Attributes a{{"first_name", Text("Marge")}};
  ContactFacts c;
  c.attributes = &a;
  auto r = t->Render(c, {}, kNow);
  EXPECT_EQ(r.subject, "Your visit, Marge");
  EXPECT_EQ(r.text, "Hello Marge");
  EXPECT_EQ(r.html, "");
}

}  // namespace
}  // namespace sealpost::campaigns
