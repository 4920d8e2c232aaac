// `sealpost admin form …`: secure web forms (issue 24) from the command line — the same
// forms::FormDirectory the API and the console use. A definition is read from a JSON
// file; what is wrong in it is named by its part, or by line and column.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/admin_common.h"
#include "forms/form_directory.h"

namespace sealpost::admin {
namespace {

constexpr std::uintmax_t kMaxDefinitionFile = forms::kMaxDefinitionBytes;

// The file's definition, with the file named in what is wrong.
Result<std::string> DefinitionFile(const std::string& path) {
  auto text = ReadSmallFile(path, kMaxDefinitionFile);
  if (!text.ok()) return std::move(text).error();
  if (auto parsed = forms::ParseDefinition(*text); !parsed.ok()) {
    Error e = std::move(parsed).error();
    e.message = path + ": " + (e.field == "definition" ? "" : e.field + ": ") + e.message;
    e.field = "--definition";
    return e;
  }
  return text;
}

std::optional<bool> OnOff(const std::string& word) {
  if (word == "on") return true;
  if (word == "off") return false;
  return std::nullopt;
}

}  // namespace

void RegisterFormCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args, int& exit_code) {
  auto* form =
      admin->add_subcommand("form", "Secure web forms, served at /f/NAME")->require_subcommand(1);

  auto* create = form->add_subcommand("create", "Make a form from a JSON definition");
  create->add_option("name", args->name, "its address: /f/NAME (a-z, 0-9, -)")->required();
  create->add_option("--account", args->account, "whose it is")->required();
  create->add_option("--definition", args->file, "the definition (JSON file)")->required();
  create->add_option("--namespace", args->level, "its brand and host (a namespace)");
  create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto text = DefinitionFile(a.file);
    if (!text.ok()) return std::move(text).error();
    forms::FormDirectory directory(*c.stores->forms, *c.org, c.clock);
    forms::FormChange change;
    change.definition = std::move(*text);
    if (!a.level.empty()) change.namespace_name = a.level;
    auto made = directory.Create(a.name, a.account, change);
    if (!made.ok()) return std::move(made).error();
    std::cout << "form " << made->name << " made: /f/" << made->name << "\n";
    return OkStatus();
  }));

  auto* list = form->add_subcommand("list", "List forms");
  list->add_option("--account", args->account, "only this account's");
  list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    forms::FormDirectory directory(*c.stores->forms, *c.org, c.clock);
    auto found = directory.List(a.account);
    if (!found.ok()) return std::move(found).error();
    for (const auto& f : *found) {
      auto d = forms::ParseDefinition(f.definition);
      std::cout << f.name << "\t" << f.account << "\t" << (f.enabled ? "on" : "off") << "\t"
                << (d.ok() ? d->title : "") << "\n";
    }
    return OkStatus();
  }));

  auto* show = form->add_subcommand("show", "Print a form's definition (JSON)");
  show->add_option("name", args->name)->required();
  show->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    forms::FormDirectory directory(*c.stores->forms, *c.org, c.clock);
    auto found = directory.Find(a.name);
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value()) return MakeError(ErrorCode::kNotFound, "there is no form " + a.name);
    std::cout << (*found)->definition << "\n";
    return OkStatus();
  }));

  auto* set = form->add_subcommand("set", "Change a form's definition, namespace or state");
  set->add_option("name", args->name)->required();
  set->add_option("--definition", args->file, "a new definition (JSON file)");
  set->add_option("--namespace", args->level, "its brand and host (\"\" for none)");
  set->add_option("--enabled", args->state, "on (takes submissions) or off");
  set->callback(Command(args, exit_code, [set](Context& c, AdminArgs& a) -> Status {
    forms::FormChange change;
    if (!a.file.empty()) {
      auto text = DefinitionFile(a.file);
      if (!text.ok()) return std::move(text).error();
      change.definition = std::move(*text);
    }
    if (set->count("--namespace") > 0) change.namespace_name = a.level;
    if (!a.state.empty()) {
      change.enabled = OnOff(a.state);
      if (!change.enabled) {
        return MakeError(ErrorCode::kInvalidArgument, "must be on or off", "--enabled");
      }
    }
    forms::FormDirectory directory(*c.stores->forms, *c.org, c.clock);
    auto changed = directory.Update(a.name, change);
    if (!changed.ok()) return std::move(changed).error();
    std::cout << "form " << a.name << " changed\n";
    return OkStatus();
  }));

  auto* remove = form->add_subcommand("delete", "Delete a form");
  remove->add_option("name", args->name)->required();
  remove->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    forms::FormDirectory directory(*c.stores->forms, *c.org, c.clock);
    if (auto s = directory.Delete(a.name); !s.ok()) return s;
    std::cout << "form " << a.name << " deleted\n";
    return OkStatus();
  }));
}

}  // namespace sealpost::admin
