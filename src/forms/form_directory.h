// The forms administrators make (issue 24): the one way the API, the CLI and (later) the
// console create, change and delete them. Each form belongs to an account that exists
// (or "default", the organisation's own) and may take a namespace's brand and host; its
// definition is checked whole (definition.h) before anything is kept. Each change puts
// what it was and became on the thread's pending audit record: the title, recipients,
// how many fields, and the definition's SHA-256 (a definition may be large; the hash
// says whether it changed and matches an exported copy). Blocking (store).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "forms/definition.h"
#include "store/records.h"

namespace sealpost {
class FormStore;
class OrgStore;
}  // namespace sealpost

namespace sealpost::forms {

// What an administrator sets; what is not set stays as it is (a new form needs a
// definition).
struct FormChange {
  std::optional<std::string> definition;  // JSON
  std::optional<std::string> namespace_name;
  std::optional<bool> enabled;
};

// A form's address (/f/{name}): 1–60 of a-z, 0-9 and "-", not at either end; "" when it
// is one, else why not.
std::string FormNameProblem(std::string_view name);

class FormDirectory {
 public:
  FormDirectory(FormStore& store, OrgStore& org, const Clock& clock)
      : store_(store), org_(org), clock_(clock) {}

  // kInvalidArgument naming the field; kAlreadyExists for a name taken; kNotFound for an
  // account or namespace that does not exist.
  Result<FormRecord> Create(const std::string& name, const std::string& account,
                            const FormChange& change);
  Result<FormRecord> Update(const std::string& name, const FormChange& change);  // kNotFound
  Status Delete(const std::string& name);                                        // kNotFound
  Result<std::optional<FormRecord>> Find(const std::string& name);
  Result<std::vector<FormRecord>> List(const std::string& account);

 private:
  Status Apply(const FormChange& change, FormRecord& form, Definition* parsed);

  FormStore& store_;
  OrgStore& org_;
  const Clock& clock_;
};

}  // namespace sealpost::forms
