#include "webhooks/target.h"

#include <algorithm>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

#include "base/text.h"

namespace sealpost::webhooks {
namespace ip = boost::asio::ip;

namespace {

bool InternalV4(const ip::address_v4& a) {
  const std::uint32_t v = a.to_uint();
  auto in = [v](std::uint32_t net, int bits) {
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (v & mask) == net;
  };
  return in(0x00000000, 8)       // "this network"
         || in(0x0A000000, 8)    // 10/8
         || in(0x64400000, 10)   // 100.64/10, shared address space
         || in(0x7F000000, 8)    // loopback
         || in(0xA9FE0000, 16)   // link-local (cloud metadata services live here)
         || in(0xAC100000, 12)   // 172.16/12
         || in(0xC0000000, 24)   // 192.0.0/24, IETF protocol assignments
         || in(0xC0A80000, 16)   // 192.168/16
         || in(0xC6120000, 15)   // 198.18/15, benchmarking
         || in(0xE0000000, 4)    // multicast
         || in(0xF0000000, 4);   // reserved, and the broadcast address
}

}  // namespace

Result<EndpointUrl> ParseEndpointUrl(std::string_view url) {
  auto invalid = [](std::string what) {
    return MakeError(ErrorCode::kInvalidArgument, std::move(what), "url");
  };
  if (url.size() > kMaxUrlBytes) {
    return invalid("longer than " + std::to_string(kMaxUrlBytes) + " bytes");
  }
  auto uri = boost::urls::parse_absolute_uri(url);
  if (!uri) return invalid("not an absolute URL");
  if (AsciiLower(uri->scheme()) != "https") return invalid("webhooks are sent over HTTPS only");
  if (uri->has_userinfo()) return invalid("credentials do not belong in the URL");
  if (uri->encoded_host().empty()) return invalid("the URL names no host");
  EndpointUrl out;
  switch (uri->host_type()) {
    case boost::urls::host_type::ipv4:
      out.host = std::string(uri->encoded_host());
      out.host_is_address = true;
      break;
    case boost::urls::host_type::ipv6:
      out.host = uri->host_ipv6_address().to_string();
      out.host_is_address = true;
      break;
    case boost::urls::host_type::name:
      out.host = AsciiLower(uri->encoded_host());
      if (out.host.find('%') != std::string::npos) return invalid("the host is not a DNS name");
      break;
    default:
      return invalid("the host is not a DNS name or an IP address");
  }
  if (uri->has_port()) {
    if (uri->port_number() == 0) return invalid("not a port");
    out.port = uri->port_number();
  }
  out.target = std::string(uri->encoded_path());
  if (out.target.empty()) out.target = "/";
  if (uri->has_query()) out.target += "?" + std::string(uri->encoded_query());
  return out;
}

bool IsInternalAddress(std::string_view text) {
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(text), ec);
  if (ec) return true;
  if (a.is_v4()) return InternalV4(a.to_v4());
  const ip::address_v6 v6 = a.to_v6();
  if (v6.is_v4_mapped()) return InternalV4(ip::make_address_v4(ip::v4_mapped, v6));
  const auto b = v6.to_bytes();
  // 64:ff9b::/96 (NAT64) reaches the IPv4 address in its last four bytes.
  static constexpr std::uint8_t kNat64[12] = {0x00, 0x64, 0xFF, 0x9B};
  if (std::equal(b.begin(), b.begin() + 12, std::begin(kNat64))) {
    return InternalV4(ip::address_v4({b[12], b[13], b[14], b[15]}));
  }
  return v6.is_loopback() || v6.is_unspecified() || v6.is_link_local() || v6.is_multicast() ||
         (b[0] & 0xFE) == 0xFC                        // fc00::/7, unique local
         || (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0);  // fec0::/10, site-local (deprecated)
}

Result<std::string> AddressFor(const EndpointUrl& url, bool allow_internal,
                               const AddressLookup& lookup) {
  std::vector<std::string> addresses;
  if (url.host_is_address) {
    addresses.push_back(url.host);
  } else {
    if (!lookup) return MakeError(ErrorCode::kUnavailable, "no resolver to look up the host");
    auto found = lookup(url.host);
    if (!found.ok()) return std::move(found).error();
    addresses = std::move(*found);
  }
  if (addresses.empty()) return MakeError(ErrorCode::kNotFound, "the host has no address");
  for (const auto& a : addresses) {
    if (allow_internal || !IsInternalAddress(a)) return a;
  }
  return MakeError(ErrorCode::kPermissionDenied,
                   url.host_is_address ? "an internal address, which webhooks may not reach"
                                       : "the host resolves to an internal address, which "
                                         "webhooks may not reach",
                   "url");
}

std::string SecretsAad(const std::string& endpoint_id) {
  return "sealpost/webhook-secrets/v1|" + endpoint_id;
}

Status CheckEndpointUrl(const std::string& url, bool allow_internal, const AddressLookup& lookup) {
  auto parsed = ParseEndpointUrl(url);
  if (!parsed.ok()) return std::move(parsed).error();
  if (!parsed->host_is_address && !lookup) return OkStatus();
  auto address = AddressFor(*parsed, allow_internal, lookup);
  if (!address.ok() && address.error().code == ErrorCode::kPermissionDenied) {
    return std::move(address).error();
  }
  return OkStatus();  // a name that does not resolve yet may later: checked at delivery
}

}  // namespace sealpost::webhooks
