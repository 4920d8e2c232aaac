#include "forms/form_directory.h"

#include <boost/json.hpp>

#include "audit/pending.h"
#include "base/encoding.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "store/stores.h"

namespace sealpost::forms {
namespace json = boost::json;
namespace {

// What the audit trail says of a form.
json::value Summary(const FormRecord& f) {
  json::object o{{"account", f.account},
                 {"namespace", f.namespace_name},
                 {"enabled", f.enabled},
                 {"definition_sha256", HexEncode(Sha256(f.definition))}};
  if (auto d = ParseDefinition(f.definition); d.ok()) {
    o["title"] = d->title;
    o["recipients"] = json::array(d->recipients.begin(), d->recipients.end());
    std::size_t fields = 0;
    for (const auto& s : d->steps) fields += s.fields.size();
    o["fields"] = fields;
  }
  return o;
}

}  // namespace

std::string FormNameProblem(std::string_view name) {
  if (name.empty() || name.size() > 60) return "must be 1 to 60 characters";
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return "may hold only a-z, 0-9 and - (it is the form's address)";
    }
  }
  if (name.front() == '-' || name.back() == '-') return "must not begin or end with -";
  return "";
}

Status FormDirectory::Apply(const FormChange& change, FormRecord& form, Definition* parsed) {
  if (change.definition) {
    auto d = ParseDefinition(*change.definition);
    if (!d.ok()) {
      // Named within the definition: "definition.steps[0].fields[1].name".
      Error e = std::move(d).error();
      if (e.field != "definition") e.field = "definition." + e.field;
      return e;
    }
    // Kept as it reads back: the same text for the same form, whatever the spacing.
    form.definition = DefinitionJson(*d);
    if (parsed) *parsed = std::move(*d);
  }
  if (change.namespace_name) {
    if (!change.namespace_name->empty()) {
      auto ns = org_.FindNamespace(*change.namespace_name);
      if (!ns.ok()) return std::move(ns).error();
      if (!ns->has_value()) {
        return MakeError(ErrorCode::kNotFound, "there is no namespace " + *change.namespace_name,
                         "namespace");
      }
    }
    form.namespace_name = *change.namespace_name;
  }
  if (change.enabled) form.enabled = *change.enabled;
  return OkStatus();
}

Result<FormRecord> FormDirectory::Create(const std::string& name, const std::string& account,
                                         const FormChange& change) {
  if (std::string why = FormNameProblem(name); !why.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, why, "name");
  }
  if (!change.definition) {
    return MakeError(ErrorCode::kInvalidArgument, "a new form needs its definition", "definition");
  }
  if (account != "default") {
    auto found = org_.FindAccount(account);
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value()) {
      return MakeError(ErrorCode::kNotFound, "there is no account " + account, "account");
    }
  }
  FormRecord form;
  form.id = NewId();
  form.name = name;
  form.account = account;
  form.created_at = form.updated_at = clock_.NowUnix();
  if (auto s = Apply(change, form, nullptr); !s.ok()) return std::move(s).error();
  audit::DetailPending(json::serialize(json::object{{"form", name}, {"after", Summary(form)}}));
  if (auto s = store_.Create(form); !s.ok()) return std::move(s).error();
  return form;
}

Result<FormRecord> FormDirectory::Update(const std::string& name, const FormChange& change) {
  auto found = store_.Find(name);
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value()) return MakeError(ErrorCode::kNotFound, "there is no form " + name);
  FormRecord form = std::move(**found);
  const json::value before = Summary(form);
  if (auto s = Apply(change, form, nullptr); !s.ok()) return std::move(s).error();
  form.updated_at = clock_.NowUnix();
  audit::DetailPending(
      json::serialize(json::object{{"form", name}, {"before", before}, {"after", Summary(form)}}));
  if (auto s = store_.Update(form); !s.ok()) return std::move(s).error();
  return form;
}

Status FormDirectory::Delete(const std::string& name) {
  auto found = store_.Find(name);
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value()) return MakeError(ErrorCode::kNotFound, "there is no form " + name);
  audit::DetailPending(json::serialize(json::object{{"form", name}, {"before", Summary(**found)}}));
  return store_.Delete(name);
}

Result<std::optional<FormRecord>> FormDirectory::Find(const std::string& name) {
  return store_.Find(name);
}

Result<std::vector<FormRecord>> FormDirectory::List(const std::string& account) {
  return store_.List(account);
}

}  // namespace sealpost::forms
