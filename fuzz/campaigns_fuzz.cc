// libFuzzer target: what people write for campaigns (issue 25) through the API, the
// console and the CLI — segment conditions, judged for a contact at a few moments, and
// templates, rendered with values that would be markup if they were not escaped.
// The first byte chooses: a condition, or a subject, text or HTML part. A rendered HTML
// part is then tracked (tracking.h): every click link in it must read back under the
// key, and tracking adds no markup a template did not have.
#include <cstddef>
#include <cstdint>
#include <string>

#include "campaigns/segment.h"
#include "campaigns/template.h"
#include "campaigns/tracking.h"
#include "crypto/key_ring.h"

namespace {
using namespace sealpost::campaigns;

Attributes Hostile(const std::vector<std::string>& names) {
  Attributes attributes;
  AttributeValue text;
  text.text = "<script>alert(1)</script>\"'&\r\nBcc: x@example.net";
  AttributeValue date;
  date.text = "2026-01-31";
  AttributeValue number;
  number.kind = AttributeValue::Kind::kNumber;
  number.number = -3.5;
  for (const auto& name : names) {
    attributes[name] = name.size() % 3 == 0 ? text : name.size() % 3 == 1 ? number : date;
  }
  return attributes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int choice = data[0] % 4;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  ContactFacts contact;
  contact.address = "pat@example.net";
  contact.added_at = 1700000000;
  contact.last_opened = 1790000000;
  if (choice == 0) {
    auto c = Condition::Parse(input);
    if (!c.ok()) {
      if (c.error().message.empty()) __builtin_trap();  // every refusal says why
      return 0;
    }
    for (const auto& name : c->Attributes()) {
      if (!IsAttributeName(name)) __builtin_trap();  // only names a contact can have
    }
    Attributes attributes = Hostile(c->Attributes());
    contact.attributes = &attributes;
    for (std::int64_t now :
         {std::int64_t{0}, std::int64_t{1796000000}, std::int64_t{253402300799}}) {
      const bool once = c->Matches(contact, now);
      if (c->Matches(contact, now) != once) __builtin_trap();  // the same answer each time
    }
    return 0;
  }
  const auto kind = choice == 1   ? TemplatePart::Kind::kSubject
                    : choice == 2 ? TemplatePart::Kind::kText
                                  : TemplatePart::Kind::kHtml;
  auto t = TemplatePart::Parse(input, kind);
  if (!t.ok()) return 0;
  // Every name a template can use, set to markup and header breaks.
  std::vector<std::string> names;
  for (std::size_t i = 0; i + 1 < input.size(); ++i) {
    if (input.compare(i, 2, "{{") == 0) {
      std::size_t j = i + 2;
      while (j < input.size() && input[j] == ' ') ++j;
      std::size_t k = j;
      while (k < input.size() && ((input[k] >= 'a' && input[k] <= 'z') || input[k] == '_' ||
                                  (input[k] >= '0' && input[k] <= '9'))) {
        ++k;
      }
      if (k > j) names.push_back(input.substr(j, k - j));
    }
  }
  Attributes attributes = Hostile(names);
  contact.attributes = &attributes;
  const std::string out =
      t->Render(contact, {{"unsubscribe_url", "https://x.example/u?a=<b>"}}, 1796000000);
  if (kind == TemplatePart::Kind::kSubject && out.find_first_of("\r\n") != std::string::npos) {
    __builtin_trap();  // a subject is one line
  }
  // In HTML a value never becomes markup: a script appears only if the template wrote
  // one, and templates may not.
  if (kind == TemplatePart::Kind::kHtml && out.find("<script") != std::string::npos &&
      input.find("<script") == std::string::npos) {
    __builtin_trap();
  }
  if (kind == TemplatePart::Kind::kHtml) {
    static const std::string k(32, 'k');
    static const sealpost::PurposeKey key(sealpost::SecretBytes(k.data(), k.size()));
    const std::string base = "https://mail.example";
    const std::string tracked =
        TrackedHtml(out, key, base, "0123456789abcdef0123456789abcdef", base + "/u/");
    if (tracked.find("<script") != std::string::npos && out.find("<script") == std::string::npos) {
      __builtin_trap();
    }
    // (A template that writes our link's address itself is not ours to read back.)
    for (std::size_t at = input.find("/t/c/") == std::string::npos ? tracked.find(base + "/t/c/")
                                                                   : std::string::npos;
         at != std::string::npos; at = tracked.find(base + "/t/c/", at + 1)) {
      const std::size_t start = at + base.size() + 5;
      const std::size_t end = tracked.find_first_of("\"'", start);
      if (end == std::string::npos) __builtin_trap();  // a link always ends its value
      auto click = ReadClickToken(key, std::string_view(tracked).substr(start, end - start));
      if (!click) __builtin_trap();
    }
  }
  return 0;
}
