#include "forms/definition.h"

#include <gtest/gtest.h>

namespace sealpost::forms {
namespace {

const char kIntake[] = R"({
  "title": "New patient intake",
  "intro": "Tell us about yourself.\nIt takes five minutes.",
  "recipients": ["intake@clinic.example"],
  "steps": [
    {"title": "About you", "fields": [
      {"name": "full_name", "type": "text", "label": "Full name", "required": true},
      {"name": "email", "type": "email", "label": "Email", "required": true},
      {"name": "born", "type": "date", "label": "Date of birth"},
      {"name": "member", "type": "text", "label": "Member number", "pattern": "[A-Z]{2}[0-9]{6}"}
    ]},
    {"title": "Your visit", "fields": [
      {"name": "reason", "type": "choice", "label": "Why", "choices": ["New", "Follow-up"],
       "required": true},
      {"name": "notes", "type": "long_text", "label": "Anything else", "max_length": 500},
      {"name": "card", "type": "file", "label": "Insurance card",
       "accept": ["image/*", "Application/PDF"], "max_bytes": 2097152},
      {"name": "news", "type": "checkbox", "label": "Send me news"}
    ]}
  ],
  "consent": "I agree that the clinic keeps what I send for my care.",
  "retention_days": 90, "receipt": true,
  "allowed_origins": ["https://www.clinic.example"]
})";

TEST(FormDefinitionTest, ReadsEveryPartAndWritesItBackTheSame) {
  auto d = ParseDefinition(kIntake);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->title, "New patient intake");
  ASSERT_EQ(d->steps.size(), 2u);
  EXPECT_EQ(d->steps[0].fields[0].max_length, 200u);  // the default
  EXPECT_EQ(d->steps[1].fields[1].max_length, 500u);
  EXPECT_EQ(d->steps[1].fields[2].accept, (std::vector<std::string>{"image/*", "application/pdf"}));
  EXPECT_EQ(d->steps[1].fields[2].max_bytes, 2097152u);
  EXPECT_EQ(d->retention_days, 90);
  EXPECT_TRUE(d->receipt);
  auto again = ParseDefinition(DefinitionJson(*d));
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(DefinitionJson(*again), DefinitionJson(*d));
}

TEST(FormDefinitionTest, RefusesEachBadPartNamingIt) {
  const struct {
    const char* json;
    const char* field;
    const char* words;
  } cases[] = {
      {R"([1])", "definition", "JSON object"},
      {"{\n  \"title\": \"T\",\n  \"steps\": [,]\n}", "definition",
       "is not valid JSON at line 3, column 13"},
      {R"({"title": "T", "recipients": ["a@b.example"], "steps": []})", "steps", "1 to 10"},
      {R"({"title": "T", "steps": [{"fields": [{"name": "a", "type": "text", "label": "A"}]}]})",
       "recipients", "at least one recipient"},
      {R"({"title": "T", "recipients": ["not an address"], "steps": [{"fields": [{"name": "a", "type": "text", "label": "A"}]}]})",
       "recipients[0]", "not a valid address"},
      {R"({"title": "T", "recipients": ["a@b.example"], "colour": "red", "steps": [{"fields": [{"name": "a", "type": "text", "label": "A"}]}]})",
       "colour", "is not a part"},
      {R"({"title": "T", "recipients": ["a@b.example"], "steps": [{"fields": [{"name": "A b", "type": "text", "label": "A"}]}]})",
       "steps[0].fields[0].name", "a-z"},
      {R"({"title": "T", "recipients": ["a@b.example"], "steps": [{"fields": [{"name": "a", "type": "money", "label": "A"}]}]})",
       "steps[0].fields[0].type", "long_text"},
      {R"({"title": "T", "recipients": ["a@b.example"], "steps": [{"fields": [{"name": "a", "type": "text", "label": "A"}, {"name": "a", "type": "date", "label": "B"}]}]})",
       "steps[0].fields[1].name", "names another field"},
      {R"({"title": "T", "recipients": ["a@b.example"], "steps": [{"fields": [{"name": "a", "type": "choice", "label": "A"}]}]})",
       "steps[0].fields[0].choices", "needs its choices"},
      {R"({"title": "T", "recipients": ["a@b.example"], "steps": [{"fields": [{"name": "a", "type": "date", "label": "A", "choices": ["x"]}]}]})",
       "steps[0].fields[0].choices", "is for choice fields"},
      {R"({"title": "T", "recipients": ["a@b.example"], "steps": [{"fields": [{"name": "a", "type": "text", "label": "A", "pattern": "(["}]}]})",
       "steps[0].fields[0].pattern", "not a valid RE2"},
      {R"({"title": "T", "recipients": ["a@b.example"], "steps": [{"fields": [{"name": "a", "type": "file", "label": "A", "accept": ["pdf"]}]}]})",
       "steps[0].fields[0].accept[0]", "media type"},
      {R"({"title": "T", "recipients": ["a@b.example"], "steps": [{"fields": [{"name": "a", "type": "file", "label": "A", "max_bytes": 209715200}]}]})",
       "steps[0].fields[0].max_bytes", "whole number"},
      {R"({"title": "T", "recipients": ["a@b.example"], "retention_days": 0, "steps": [{"fields": [{"name": "a", "type": "text", "label": "A"}]}]})",
       "retention_days", "1 to 3650"},
      {R"({"title": "T", "recipients": ["a@b.example"], "allowed_origins": ["http://x.example"], "steps": [{"fields": [{"name": "a", "type": "text", "label": "A"}]}]})",
       "allowed_origins[0]", "https origin"},
      {R"({"title": "T\u0007", "recipients": ["a@b.example"], "steps": [{"fields": [{"name": "a", "type": "text", "label": "A"}]}]})",
       "title", "control characters"},
  };
  for (const auto& c : cases) {
    auto d = ParseDefinition(c.json);
    ASSERT_FALSE(d.ok()) << c.json;
    EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(d.error().field, c.field) << c.json;
    EXPECT_NE(d.error().message.find(c.words), std::string::npos) << d.error().message;
  }
  // Limits: 61 fields.
  std::string many = R"({"title": "T", "recipients": ["a@b.example"], "steps": [{"fields": [)";
  for (int i = 0; i < 61; ++i) {
    many += std::string(i ? "," : "") + R"({"name": "f)" + std::to_string(i) +
            R"(", "type": "text", "label": "L"})";
  }
  many += "]}]}";
  auto d = ParseDefinition(many);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("at most 60 fields"), std::string::npos);
  EXPECT_FALSE(ParseDefinition(std::string(kMaxDefinitionBytes + 1, ' ')).ok());
}

TEST(FormDefinitionTest, ValuesAreCheckedAgainstTheirFields) {
  auto d = ParseDefinition(kIntake);
  ASSERT_TRUE(d.ok());
  auto problems = CheckStep(d->steps[0], {{"full_name", "  "},
                                          {"email", "pat at example"},
                                          {"born", "1970-02-29"},
                                          {"member", "ab123456"}});
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].field, "full_name");
  EXPECT_EQ(problems[0].message, "This is required.");
  EXPECT_EQ(problems[1].field, "email");
  EXPECT_EQ(problems[2].field, "born");  // 1970 was no leap year
  EXPECT_EQ(problems[3].field, "member");
  EXPECT_TRUE(CheckStep(d->steps[0], {{"full_name", "Pat Doe"},
                                      {"email", "pat@example.net"},
                                      {"born", "1972-02-29"},
                                      {"member", "AB123456"}})
                  .empty());
  // Optional ones may stay empty; a choice must be one offered; a tick is "yes".
  problems = CheckStep(d->steps[1],
                       {{"reason", "Because"}, {"news", "sure"}, {"notes", std::string(501, 'x')}});
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].field, "reason");
  EXPECT_EQ(problems[1].field, "notes");
  EXPECT_EQ(problems[2].field, "news");
  EXPECT_TRUE(CheckStep(d->steps[1],
                        {{"reason", "Follow-up"}, {"news", "yes"}, {"notes", "Line one\nline two"}})
                  .empty());
}

TEST(FormDefinitionTest, FilesAreCheckedForTypeAndSize) {
  auto d = ParseDefinition(kIntake);
  ASSERT_TRUE(d.ok());
  const Field& card = d->steps[1].fields[2];
  EXPECT_TRUE(CheckFile(card, "image/jpeg", 1000).empty());
  EXPECT_TRUE(CheckFile(card, "application/pdf; name=x.pdf", 2097152).empty());
  auto problems = CheckFile(card, "application/zip", 2097153);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].message.find("image/*, application/pdf"), std::string::npos);
  EXPECT_NE(problems[1].message.find("2 MB"), std::string::npos);
  EXPECT_FALSE(CheckFile(card, "imagex/png", 1).empty());
}

}  // namespace
}  // namespace sealpost::forms
