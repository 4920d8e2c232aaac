#include "net/tls.h"

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

namespace sealpost::net {

Status ConfigureServerTls(boost::asio::ssl::context& tls, const std::string& cert_file,
                          const std::string& key_file) {
  namespace ssl = boost::asio::ssl;
  boost::system::error_code ec;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX* ctx = tls.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // TLS 1.2: forward-secret AEAD suites only. TLS 1.3 suites are all acceptable.
  SSL_CTX_set_cipher_list(ctx,
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305");
  tls.use_certificate_chain_file(cert_file, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot load certificate " + cert_file + ": " + ec.message());
  tls.use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot load private key " + key_file + ": " + ec.message());
  return OkStatus();
}

void ConfigureClientTls(boost::asio::ssl::context& tls) {
  namespace ssl = boost::asio::ssl;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::no_compression);
  SSL_CTX* ctx = tls.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  tls.set_verify_mode(ssl::verify_none);
}

Status LoadTrustedCas(boost::asio::ssl::context& tls, const std::string& ca_file) {
  boost::system::error_code ec;
  if (ca_file.empty()) {
    tls.set_default_verify_paths(ec);
  } else {
    tls.load_verify_file(ca_file, ec);
  }
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "trusted CAs " + (ca_file.empty() ? std::string("(the system's)") : ca_file) +
                         ": " + ec.message());
  }
  return OkStatus();
}

}  // namespace sealpost::net
