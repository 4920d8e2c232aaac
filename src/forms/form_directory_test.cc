#include "forms/form_directory.h"

#include <gtest/gtest.h>

#include "audit/pending.h"
#include "base/temp_dir.h"
#include "store/sqlite/stores.h"

namespace sealpost::forms {
namespace {

const char kDefinition[] = R"({"title": "Contact us", "recipients": ["desk@clinic.example"],
  "steps": [{"fields": [{"name": "message", "type": "long_text", "label": "Your message",
                         "required": true}]}]})";

class FormDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*sqlite::Database::OpenInMemory());
    forms_ = sqlite::NewFormStore(*db_);
    org_ = sqlite::NewOrgStore(*db_);
    ASSERT_TRUE(org_->CreateAccount({"Clinic", "", 1}).ok());
  }
  // What the next change put on its audit record (no audit store here takes it).
  template <typename Fn>
  std::string DetailsOf(Fn&& change) {
    audit::PendingRecord pending({});
    change();
    auto records = audit::TakePending();
    return records.empty() ? "" : records[0].details;
  }

  TempDir dir_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<FormStore> forms_;
  std::unique_ptr<OrgStore> org_;
  ManualClock clock_{1000};
};

TEST_F(FormDirectoryTest, MadeChangedAndDeletedWithTheirRecords) {
  FormDirectory directory(*forms_, *org_, clock_);
  std::string details = DetailsOf([&] {
    auto made = directory.Create("contact", "Clinic", {kDefinition, std::nullopt, std::nullopt});
    ASSERT_TRUE(made.ok()) << made.error().ToString();
    EXPECT_TRUE(made->enabled);
    EXPECT_EQ(made->created_at, 1000);
  });
  EXPECT_NE(details.find(R"("form":"contact","after":{"account":"Clinic")"), std::string::npos)
      << details;
  EXPECT_NE(details.find(R"("title":"Contact us","recipients":["desk@clinic.example"],"fields":1)"),
            std::string::npos)
      << details;
  // The definition is kept as it reads back.
  EXPECT_EQ((*directory.Find("contact"))->definition,
            DefinitionJson(*ParseDefinition(kDefinition)));
  clock_.Advance(60);
  details = DetailsOf([&] {
    auto changed = directory.Update("contact", {std::nullopt, std::nullopt, false});
    ASSERT_TRUE(changed.ok());
    EXPECT_EQ(changed->updated_at, 1060);
  });
  EXPECT_NE(details.find(R"("before":{"account":"Clinic","namespace":"","enabled":true)"),
            std::string::npos)
      << details;
  EXPECT_NE(details.find(R"("after":{"account":"Clinic","namespace":"","enabled":false)"),
            std::string::npos)
      << details;
  EXPECT_EQ(directory.List("Clinic")->size(), 1u);
  details = DetailsOf([&] { ASSERT_TRUE(directory.Delete("contact").ok()); });
  EXPECT_NE(details.find(R"("before":{)"), std::string::npos);
  EXPECT_EQ(directory.Delete("contact").error().code, ErrorCode::kNotFound);
}

TEST_F(FormDirectoryTest, RefusalsNameWhatIsWrong) {
  FormDirectory directory(*forms_, *org_, clock_);
  const FormChange good{kDefinition, std::nullopt, std::nullopt};
  auto refused = [&](Result<FormRecord> r, ErrorCode code, const std::string& field) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code);
    EXPECT_EQ(r.error().field, field) << r.error().message;
  };
  refused(directory.Create("Contact Us", "Clinic", good), ErrorCode::kInvalidArgument, "name");
  refused(directory.Create("-contact", "Clinic", good), ErrorCode::kInvalidArgument, "name");
  refused(directory.Create("contact", "Nowhere", good), ErrorCode::kNotFound, "account");
  refused(directory.Create("contact", "Clinic", {}), ErrorCode::kInvalidArgument, "definition");
  refused(directory.Create("contact", "Clinic", {R"({"title": "T"})", std::nullopt, std::nullopt}),
          ErrorCode::kInvalidArgument, "definition.recipients");
  refused(directory.Create("contact", "Clinic", {kDefinition, "nowhere", std::nullopt}),
          ErrorCode::kNotFound, "namespace");
  ASSERT_TRUE(directory.Create("contact", "default", good).ok());  // the organisation's own
  refused(directory.Create("contact", "Clinic", good), ErrorCode::kAlreadyExists, "name");
  EXPECT_EQ(directory.Update("other", good).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(directory.List("Clinic")->empty());
}

}  // namespace
}  // namespace sealpost::forms
