// Issue 3's benchmark: selection decisions per second for one message with 1,000
// recipients against address books holding 100,000 entries (hash-indexed in memory, as
// a loaded book would be), through the full order with traces.
#include <benchmark/benchmark.h>

#include <string>
#include <unordered_map>

#include "policy/selection.h"

namespace sealpost::policy {
namespace {

struct Books : AddressBooks {
  std::unordered_map<std::string, AddressBookEntry> entries;  // key: book + '\0' + address
  std::optional<AddressBookEntry> Find(std::string_view book, std::string_view address) const override {
    std::string key(book);
    key.push_back('\0');
    key.append(address);
    auto it = entries.find(key);
    if (it == entries.end()) return std::nullopt;
    return it->second;
  }
};
struct Portal : PortalRegistry {
  bool HasAccount(std::string_view, std::string_view a) const override { return a.size() % 7 == 0; }
};
struct Tls : TlsKnowledge {
  std::optional<TlsCapability> Lookup(std::string_view d, PlanDeadline) const override {
    if (d == "tls.example") return TlsCapability{true, "mx.tls.example"};
    return TlsCapability{false, "mx.other.example"};
  }
};

void BM_SelectThousandRecipients(benchmark::State& state) {
  Books books;
  const AddressBookEntry::Kind kinds[] = {AddressBookEntry::Kind::kPgpKey,
                                          AddressBookEntry::Kind::kSmimeCertificate,
                                          AddressBookEntry::Kind::kQuestion};
  for (int i = 0; i < 100000; ++i) {
    std::string book = i % 2 ? "personal" : "clinic";
    books.entries[book + '\0' + "user" + std::to_string(i) + "@other.example"] =
        {kinds[i % 3], std::to_string(i)};
  }
  std::vector<std::string> recipients;
  for (int i = 0; i < 1000; ++i) {
    // A mix: a quarter TLS-capable, half in the books, the rest falling through.
    if (i % 4 == 0) recipients.push_back("r" + std::to_string(i) + "@tls.example");
    else if (i % 4 == 1) recipients.push_back("nobody" + std::to_string(i) + "@other.example");
    else recipients.push_back("user" + std::to_string(i * 97) + "@other.example");
  }
  SettingsLayer account;
  account.tls_only = true;
  account.default_question = QuestionAnswer{"Q?", "A"};
  EffectiveSettings settings = Resolve(account, nullptr, nullptr);
  BookOrder order{std::nullopt, {"clinic"}, "personal"};
  MessageChoices choices;
  Portal portal;
  Tls tls;
  SelectionContext ctx{settings, order, choices, true, books, portal, tls};
  for (auto _ : state) {
    for (const auto& r : recipients) benchmark::DoNotOptimize(SelectMethod(r, ctx));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(recipients.size()));
  state.SetLabel("items/s = decisions per second");
}
BENCHMARK(BM_SelectThousandRecipients)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sealpost::policy

BENCHMARK_MAIN();
