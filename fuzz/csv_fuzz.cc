// libFuzzer target: the CSV reader behind address-book imports (questions and answers
// uploaded by administrators over the API and the CLI).
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  sealpost::CsvLimits limits;
  limits.max_field = 1024;
  limits.max_records = 1000;
  (void)sealpost::ParseCsv(input, limits);
  return 0;
}
