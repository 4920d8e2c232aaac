// libFuzzer target: secure forms (issue 24) — a form's definition (JSON from an
// administrator, through the API or the console), the challenge and nonce anyone can
// post with a submission, and a step's values checked against a parsed definition.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "forms/challenge.h"
#include "forms/definition.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sealpost::forms;
  const std::string input(reinterpret_cast<const char*>(data), size);
  auto d = ParseDefinition(input);
  if (d.ok()) {
    // What is read writes back as what reads the same.
    auto again = ParseDefinition(DefinitionJson(*d));
    if (!again.ok() || DefinitionJson(*again) != DefinitionJson(*d)) __builtin_trap();
    for (const auto& step : d->steps) {
      std::map<std::string, std::string> values;
      for (const auto& f : step.fields) values[f.name] = f.label;
      (void)CheckStep(step, values);
      for (const auto& f : step.fields) {
        if (f.type == FieldType::kFile) (void)CheckFile(f, f.label, f.max_bytes);
      }
    }
  }
  static const sealpost::SecretBytes key("0123456789abcdef0123456789abcdef", 32);
  const auto split = input.find('\n');
  (void)CheckChallenge(key, "form", input.substr(0, split),
                       split == std::string::npos ? "" : input.substr(split + 1), 1000, {});
  (void)ChallengeId(input);
  return 0;
}
