// The TLS settings every sealpost listener shares (HTTPS, SMTP submission): TLS 1.2 and
// later only, forward-secret AEAD suites for TLS 1.2, no renegotiation, no compression.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"

namespace boost::asio::ssl {
class context;
}

namespace sealpost::net {

// Applies the settings and loads the certificate chain and key (PEM); a clear error
// naming the file when either cannot be loaded.
Status ConfigureServerTls(boost::asio::ssl::context& tls, const std::string& cert_file,
                          const std::string& key_file);

// A listener's TLS context, replaced whole when the certificate is renewed (SIGHUP): a
// connection takes Current() when it starts and keeps that context for its life, so a
// reload never touches a context a handshake may be using.
// Thread-safety: Current() and Reload() may be called from any thread.
class ServerTls {
 public:
  // Loads `cert_file` and `key_file`; a clear error naming the file otherwise.
  static Result<std::unique_ptr<ServerTls>> Load(const std::string& cert_file,
                                                 const std::string& key_file);

  std::shared_ptr<boost::asio::ssl::context> Current() const;
  // Loads the files again (or the ones given, when a reload moved them). On an error
  // the context in use stays and the error says why; on success it names the new
  // certificate ("CN=mail.example.org, expires 2027-03-01").
  Result<std::string> Reload(const std::string& cert_file, const std::string& key_file);

 private:
  explicit ServerTls(std::shared_ptr<boost::asio::ssl::context> context);

  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> context_;
};

// The client side, for delivering mail: TLS 1.2 and later, no renegotiation, no
// compression, OpenSSL's default (secure) suites — a receiving server's choice is not
// ours to narrow further when the alternative is clear text. Certificates are not
// verified here: opportunistic TLS authenticates nobody (RFC 7435); DANE and MTA-STS
// verify per connection.
void ConfigureClientTls(boost::asio::ssl::context& tls);

// The CAs a client trusts where it does verify (MTA-STS, TLS report uploads): those in
// `ca_file` (PEM), or the system's when it is empty. kInvalidArgument naming the file.
Status LoadTrustedCas(boost::asio::ssl::context& tls, const std::string& ca_file);

}  // namespace sealpost::net
