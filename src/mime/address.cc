#include "mime/address.h"

#include "base/text.h"

namespace sealpost {
namespace {

bool IsAtext(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool IsLdh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

std::string AddressProblem(std::string_view address) {
  if (address.empty()) return "is empty";
  if (address.size() > 254) return "is longer than 254 characters";
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return "has no @";
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  if (local.empty()) return "has an empty local part";
  if (local.size() > 64) return "has a local part longer than 64 characters";
  char prev = '.';
  for (char c : local) {
    if (c == '.') {
      if (prev == '.') return "has a misplaced dot in the local part";
    } else if (!IsAtext(c)) {
      return "has a character not allowed in an address";
    }
    prev = c;
  }
  if (prev == '.') return "has a misplaced dot in the local part";
  if (domain.empty()) return "has an empty domain";
  std::size_t label = 0;
  prev = '.';
  for (char c : domain) {
    if (c == '.') {
      if (label == 0 || prev == '-') return "has a malformed domain";
      label = 0;
    } else {
      if (!IsLdh(c)) return "has a character not allowed in a domain";
      if (label == 0 && c == '-') return "has a malformed domain";
      if (++label > 63) return "has a domain label longer than 63 characters";
    }
    prev = c;
  }
  if (label == 0 || prev == '-') return "has a malformed domain";
  return {};
}

std::string DomainOfAddress(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : AsciiLower(address.substr(at + 1));
}

std::string CanonicalAddress(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return std::string(address);
  return std::string(address.substr(0, at + 1)) + AsciiLower(address.substr(at + 1));
}

}  // namespace sealpost
