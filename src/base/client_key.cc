#include "base/client_key.h"

#include <arpa/inet.h>

#include <cstring>

namespace sealpost {

std::string ClientKey(std::string_view address) {
  const std::string text(address);
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return text;
  char out[INET6_ADDRSTRLEN] = {};
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    if (inet_ntop(AF_INET, &v6.s6_addr[12], out, sizeof out) == nullptr) return text;
    return out;
  }
  std::memset(&v6.s6_addr[8], 0, 8);  // the interface identifier: the client's to choose
  if (inet_ntop(AF_INET6, &v6, out, sizeof out) == nullptr) return text;
  return std::string(out) + "/64";
}

}  // namespace sealpost
