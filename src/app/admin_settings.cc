// `sealpost admin settings …`: settings at every level of the organisation, one at a time
// or a whole level from JSON.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/admin_common.h"
#include "policy/org_directory.h"
#include "policy/selection.h"
#include "policy/settings_json.h"

namespace sealpost::admin {

void RegisterSettingsCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                              int& exit_code) {
  auto* settings = admin->add_subcommand("settings", "Settings at any level")->require_subcommand(1);
  auto* set = settings->add_subcommand("set", "Set settings: name=value ... (name= unsets)");
  set->add_option("level", args->level, "account, domain or user")->required();
  set->add_option("name", args->name)->required();
  set->add_option("assignments", args->assignments)->required();
  set->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto level = policy::ParseOrgLevel(a.level);
    if (!level.ok()) return std::move(level).error();
    for (auto& assignment : a.assignments) {
      // default_question=Question?|- takes the answer from standard input.
      if (assignment.rfind("default_question=", 0) == 0 && assignment.size() > 2 &&
          assignment.compare(assignment.size() - 2, 2, "|-") == 0) {
        auto answer = AnswerFromStdinIfDash("-");
        if (!answer.ok()) return std::move(answer).error();
        assignment = assignment.substr(0, assignment.size() - 1) + *answer;
      }
    }
    auto s = c.directory->Set(*level, a.name, a.assignments);
    if (s.ok()) std::cout << a.level << " " << a.name << ": " << a.assignments.size() << " setting(s) changed\n";
    return s;
  }));
  auto* import = settings->add_subcommand("import", "Replace a level's settings with a JSON file");
  import->add_option("level", args->level)->required();
  import->add_option("name", args->name)->required();
  import->add_option("file", args->file)->required();
  import->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto level = policy::ParseOrgLevel(a.level);
    if (!level.ok()) return std::move(level).error();
    auto text = ReadSmallFile(a.file, kMaxSettingsFile);
    if (!text.ok()) return std::move(text).error();
    auto s = c.directory->Replace(*level, a.name, *text);
    if (!s.ok()) {
      Error e = std::move(s).error();
      e.field = a.file + (e.field.empty() ? "" : ": " + e.field);
      return e;
    }
    std::cout << a.level << " " << a.name << ": settings replaced from " << a.file << "\n";
    return OkStatus();
  }));
  auto* show = settings->add_subcommand("show", "Show a level's own settings (JSON)");
  show->add_option("level", args->level)->required();
  show->add_option("name", args->name)->required();
  show->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto level = policy::ParseOrgLevel(a.level);
    if (!level.ok()) return std::move(level).error();
    auto layer = c.directory->Settings(*level, a.name);
    if (!layer.ok()) return std::move(layer).error();
    std::cout << policy::SettingsForDisplay(*layer) << "\n";
    return OkStatus();
  }));
}

}  // namespace sealpost::admin
