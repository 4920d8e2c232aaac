// DKIM signing cost per message (sealpost's signer) for RSA-2048 and Ed25519, with
// 4 KiB and 100 KiB messages: what signing adds to each transaction the relay sends.
// bench/dkim_bench.sh runs python3-dkim on the same messages for comparison.
#include <benchmark/benchmark.h>

#include <string>

#include "dkim/dkim.h"

namespace sealpost::dkim {
namespace {

std::string Message(std::size_t body_bytes) {
  std::string m = "From: Dr Hibbert <dr@clinic.example>\r\nTo: pat@example.net\r\n"
                  "Subject: Results\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
                  "Message-ID: <1@clinic.example>\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=utf-8\r\n\r\n";
  while (m.size() < body_bytes) m += "Potassium 4.1 mmol/L   sodium 140 mmol/L \t creatinine 88\r\n";
  return m;
}

void BM_Sign(benchmark::State& state) {
  const auto algorithm = state.range(0) == 0 ? Algorithm::kRsaSha256 : Algorithm::kEd25519Sha256;
  auto key = DkimKey::Generate(algorithm);
  const std::string message = Message(static_cast<std::size_t>(state.range(1)));
  for (auto _ : state) {
    auto field = SignMessage(*key, {"clinic.example", "s1", 1790000000}, message);
    benchmark::DoNotOptimize(field);
  }
  state.SetLabel(algorithm == Algorithm::kRsaSha256 ? "rsa-2048" : "ed25519");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * message.size()));
}
BENCHMARK(BM_Sign)->ArgsProduct({{0, 1}, {4096, 102400}})->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sealpost::dkim

BENCHMARK_MAIN();
