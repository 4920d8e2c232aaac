#include "app/analyse_headers.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "received/received.h"

namespace sealpost {
namespace {

// Enough for any header the analyser reads (it stops at the header's end, or refuses one
// past its limit); the body of a large message is never read.
constexpr std::size_t kMaxRead = received::kMaxHeaderBytes + 64 * 1024;

bool ReadHead(std::istream& in, std::string& out) {
  out.resize(kMaxRead);
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return !in.bad();
}

}  // namespace

int AnalyseHeadersCommand(const std::string& file, bool json) {
  const std::string name = file == "-" ? "standard input" : file;
  std::string input;
  if (file == "-") {
    if (!ReadHead(std::cin, input)) {
      std::cerr << "sealpost: " << name << ": cannot be read\n";
      return 1;
    }
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in || !ReadHead(in, input)) {
      std::cerr << "sealpost: " << name << ": " << std::strerror(errno) << "\n";
      return 1;
    }
  }
  auto path = received::Analyse(input);
  if (!path.ok()) {
    std::cerr << "sealpost: " << name << ": " << path.error().message << "\n";
    return 2;
  }
  std::cout << (json ? received::FormatJson(*path) + "\n" : received::FormatText(*path));
  return 0;
}

}  // namespace sealpost
