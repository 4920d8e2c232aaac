// libFuzzer target: segment conditions (issue 25), written by people through the API,
// the console and the CLI, parsed and then judged for a contact at a few moments.
#include <cstddef>
#include <cstdint>
#include <string>

#include "campaigns/segment.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sealpost::campaigns;
  const std::string input(reinterpret_cast<const char*>(data), size);
  auto c = Condition::Parse(input);
  if (!c.ok()) {
    if (c.error().message.empty()) __builtin_trap();  // every refusal says why
    return 0;
  }
  Attributes attributes;
  AttributeValue text;
  text.text = "2026-01-31";
  AttributeValue number;
  number.kind = AttributeValue::Kind::kNumber;
  number.number = -3.5;
  AttributeValue flag;
  flag.kind = AttributeValue::Kind::kBool;
  flag.flag = true;
  for (const auto& name : c->Attributes()) {
    if (!IsAttributeName(name)) __builtin_trap();  // only names a contact can have
    attributes[name] = name.size() % 3 == 0 ? text : name.size() % 3 == 1 ? number : flag;
  }
  ContactFacts contact;
  contact.address = "pat@example.net";
  contact.attributes = &attributes;
  contact.added_at = 1700000000;
  contact.last_opened = 1790000000;
  for (std::int64_t now : {std::int64_t{0}, std::int64_t{1796000000}, std::int64_t{253402300799}}) {
    const bool once = c->Matches(contact, now);
    if (c->Matches(contact, now) != once) __builtin_trap();  // the same answer each time
  }
  return 0;
}
