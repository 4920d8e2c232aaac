// A self-signed ECDSA P-256 certificate for first start and development: SAN
// localhost, 127.0.0.1 and ::1, server authentication only. Production replaces it
// with a certificate from a CA (the paths are in [tls]).
#pragma once

#include <string>

#include "base/result.h"

namespace sealpost {

// Writes the certificate and its key (mode 0600) as PEM.
Status WriteSelfSignedCertificate(const std::string& cert_path, const std::string& key_path,
                                  const std::string& common_name, int days);

}  // namespace sealpost
