#include "net/tls.h"

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <ctime>

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
  // A renewed certificate beside the old key (or the reverse) must not be taken.
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "private key " + key_file + " does not match certificate " + cert_file);
  }
  return OkStatus();
}

namespace {

// "CN=mail.example.org, expires 2027-03-01T12:00:00Z": what a reload log line names.
std::string DescribeCertificate(SSL_CTX* ctx) {
  X509* cert = SSL_CTX_get0_certificate(ctx);
  if (cert == nullptr) return "no certificate";
  std::string subject;
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    if (size > 0) subject.assign(data, static_cast<std::size_t>(size));
    BIO_free(bio);
  }
  std::tm expiry{};
  char when[32] = "unknown";
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &expiry) == 1) {
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &expiry);
  }
  return (subject.empty() ? std::string("(no subject)") : subject) + ", expires " + when;
}

Result<std::shared_ptr<boost::asio::ssl::context>> NewServerContext(const std::string& cert_file,
                                                                     const std::string& key_file) {
  auto context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  auto configured = ConfigureServerTls(*context, cert_file, key_file);
  if (!configured.ok()) return std::move(configured).error();
  return context;
}

}  // namespace

ServerTls::ServerTls(std::shared_ptr<boost::asio::ssl::context> context)
    : context_(std::move(context)) {}

Result<std::unique_ptr<ServerTls>> ServerTls::Load(const std::string& cert_file,
                                                   const std::string& key_file) {
  auto context = NewServerContext(cert_file, key_file);
  if (!context.ok()) return std::move(context).error();
  return std::unique_ptr<ServerTls>(new ServerTls(std::move(*context)));
}

std::shared_ptr<boost::asio::ssl::context> ServerTls::Current() const {
  std::lock_guard lock(mu_);
  return context_;
}

Result<std::string> ServerTls::Reload(const std::string& cert_file, const std::string& key_file) {
  auto context = NewServerContext(cert_file, key_file);
  if (!context.ok()) return std::move(context).error();
  std::string described = DescribeCertificate((*context)->native_handle());
  std::lock_guard lock(mu_);
  context_ = std::move(*context);
  return described;
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
