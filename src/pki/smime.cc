#include "pki/smime.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <climits>
#include <ctime>
#include <memory>
#include <optional>
#include <vector>

#include "base/byte_stream.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "base/text.h"

namespace sealpost::pki {
namespace {

constexpr std::size_t kMaxCertificateBytes = 256 * 1024;

struct Free {
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(CMS_ContentInfo* p) const { CMS_ContentInfo_free(p); }
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
  void operator()(X509_ALGORS* p) const { sk_X509_ALGOR_pop_free(p, X509_ALGOR_free); }
  void operator()(STACK_OF(X509)* p) const { sk_X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

Error Refused(std::string reason) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(reason), "certificate");
}

Error OpenSslError(const std::string& what) {
  unsigned long code = ERR_get_error();
  char buf[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return MakeError(ErrorCode::kInternal, "S/MIME: " + what + ": " + buf);
}

bool LooksPem(std::string_view data) { return data.find("-----BEGIN ") != std::string_view::npos; }

Owned<X509> ParseCertificate(std::string_view data) {
  Owned<BIO> bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) return nullptr;
  Owned<X509> cert(LooksPem(data) ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                                  : d2i_X509_bio(bio.get(), nullptr));
  ERR_clear_error();
  return cert;
}

std::string Der(X509* cert) {
  unsigned char* out = nullptr;
  int len = i2d_X509(cert, &out);
  if (len <= 0) return {};
  std::string der(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
  OPENSSL_free(out);
  return der;
}

std::int64_t TimeOf(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string Sha256Hex(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
  std::string hex = HexEncode(std::string_view(reinterpret_cast<char*>(md), len));
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex;
}

std::string SubjectLine(X509* cert) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return SanitizeForLog(std::string_view(data, static_cast<std::size_t>(len)), 300);
}

// The addresses a certificate is for: subjectAltName rfc822Names; without any, the
// subject's emailAddress attributes (RFC 8550 §3).
std::vector<std::string> CertificateAddresses(X509* cert) {
  std::vector<std::string> out;
  Owned<GENERAL_NAMES> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
      if (n->type != GEN_EMAIL) continue;
      const ASN1_IA5STRING* s = n->d.rfc822Name;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
  }
  if (!out.empty()) return out;
  X509_NAME* subject = X509_get_subject_name(cert);
  for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_pkcs9_emailAddress, i)) >= 0;) {
    const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
  }
  return out;
}

// RFC 4262: the S/MIME capabilities extension lists the algorithms the holder's
// program reads.
bool CapabilitiesListGcm(X509* cert) {
  int at = X509_get_ext_by_NID(cert, NID_SMIMECapabilities, -1);
  if (at < 0) return false;
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(cert, at));
  const unsigned char* p = ASN1_STRING_get0_data(value);
  Owned<X509_ALGORS> algs(d2i_X509_ALGORS(nullptr, &p, ASN1_STRING_length(value)));
  if (!algs) return false;
  for (int i = 0; i < sk_X509_ALGOR_num(algs.get()); ++i) {
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, sk_X509_ALGOR_value(algs.get(), i));
    if (OBJ_obj2nid(oid) == NID_aes_256_gcm) return true;
  }
  return false;
}

std::string KeyDescription(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return "RSA " + std::to_string(EVP_PKEY_get_bits(key));
    case EVP_PKEY_EC: {
      char group[64] = "";
      std::size_t len = 0;
      EVP_PKEY_get_group_name(key, group, sizeof group, &len);
      return std::string("EC ") + group;
    }
    default:
      return {};
  }
}

// Validity window and the usages every S/MIME certificate needs.
Status CheckTimes(X509* cert, std::int64_t now) {
  const std::int64_t not_before = TimeOf(X509_get0_notBefore(cert));
  const std::int64_t not_after = TimeOf(X509_get0_notAfter(cert));
  if (now < not_before) return Refused("is not valid yet: it starts on " + FormatRfc3339(not_before));
  if (now >= not_after) return Refused("expired on " + FormatRfc3339(not_after));
  return OkStatus();
}

Status CheckExtendedUsage(X509* cert) {
  const std::uint32_t xku = X509_get_extended_key_usage(cert);
  if (xku != UINT32_MAX && (xku & (XKU_SMIME | XKU_ANYEKU)) == 0) {
    return Refused("is not for email: its extended key usage does not include emailProtection");
  }
  return OkStatus();
}

}  // namespace

Result<SmimeCertificate> ReadSmimeCertificate(std::string_view data, std::string_view address,
                                              std::int64_t now) {
  if (data.empty() || data.size() > kMaxCertificateBytes) {
    return Refused("is not an X.509 certificate (empty, or larger than 256 KiB)");
  }
  Owned<X509> cert = ParseCertificate(data);
  if (!cert) return Refused("is not an X.509 certificate: it could not be read as PEM or DER");
  auto times = CheckTimes(cert.get(), now);
  if (!times.ok()) return std::move(times).error();

  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  const int type = key ? EVP_PKEY_get_base_id(key) : 0;
  if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) {
    return Refused("has a key type S/MIME encryption cannot use here (RSA and EC are supported)");
  }
  if (type == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) < 2048) {
    return Refused("has an RSA key of " + std::to_string(EVP_PKEY_get_bits(key)) +
                   " bits; at least 2048 are needed");
  }
  // Key usage, when present, must allow what encrypting to this key does.
  const std::uint32_t ku = X509_get_key_usage(cert.get());
  if (ku != UINT32_MAX) {
    const std::uint32_t needed = type == EVP_PKEY_RSA ? KU_KEY_ENCIPHERMENT : KU_KEY_AGREEMENT;
    if ((ku & needed) == 0) {
      return Refused(std::string("may not be used for encryption: its key usage lacks ") +
                     (type == EVP_PKEY_RSA ? "keyEncipherment" : "keyAgreement"));
    }
  }
  auto xku = CheckExtendedUsage(cert.get());
  if (!xku.ok()) return std::move(xku).error();

  auto addresses = CertificateAddresses(cert.get());
  bool names = false;
  std::string list;
  for (const auto& a : addresses) {
    if (AsciiLower(a) == AsciiLower(address)) names = true;
    list += (list.empty() ? "" : ", ") + SanitizeForLog(a, 100);
  }
  if (addresses.empty()) return Refused("names no email address (no subjectAltName rfc822Name)");
  if (!names) return Refused("is for " + list + ", not for " + std::string(address));

  SmimeCertificate out;
  out.der = Der(cert.get());
  out.subject = SubjectLine(cert.get());
  out.fingerprint = Sha256Hex(cert.get());
  out.key_type = KeyDescription(key);
  out.not_after = TimeOf(X509_get0_notAfter(cert.get()));
  out.gcm = CapabilitiesListGcm(cert.get());
  return out;
}

CertificateDescription DescribeCertificate(std::string_view der) {
  Owned<X509> cert = ParseCertificate(der);
  if (!cert) return {};
  return {SubjectLine(cert.get()), Sha256Hex(cert.get())};
}

std::string CertificatePem(std::string_view der) {
  Owned<X509> cert = ParseCertificate(der);
  if (!cert) return {};
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

namespace {

Result<SecretBytes> Pkcs8(EVP_PKEY* key) {
  Owned<BIO> bio(BIO_new(BIO_s_secmem()));
  if (!bio || i2d_PKCS8PrivateKey_bio(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("cannot encode the private key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return SecretBytes(data, static_cast<std::size_t>(len));
}

Owned<EVP_PKEY> ParsePrivateKey(std::string_view data) {
  Owned<BIO> bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) return nullptr;
  Owned<EVP_PKEY> key(LooksPem(data) ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                                     : d2i_PrivateKey_bio(bio.get(), nullptr));
  ERR_clear_error();
  return key;
}

bool AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

}  // namespace

Result<SmimeSigner> GenerateSmimeSigner(std::string_view address, std::string_view organisation,
                                        int days, std::int64_t now) {
  if (address.find_first_of(",\r\n") != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "is not a valid address", "address");
  }
  Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("key generation failed");
  Owned<X509> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) return OpenSslError("X509_new");
  unsigned char serial_bytes[16];
  RAND_bytes(serial_bytes, sizeof serial_bytes);
  serial_bytes[0] &= 0x7f;
  Owned<BIGNUM> serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    return OpenSslError("serial number");
  }
  std::time_t start = static_cast<std::time_t>(now);
  X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -300, &start);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, &start);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string org(organisation);
  const std::string mail(address);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(mail.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (!AddExtension(cert.get(), NID_subject_alt_name, "email:" + mail) ||
      !AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,nonRepudiation") ||
      !AddExtension(cert.get(), NID_ext_key_usage, "emailProtection") ||
      !AddExtension(cert.get(), NID_subject_key_identifier, "hash")) {
    return OpenSslError("certificate extensions");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return OpenSslError("signing");
  auto secret = Pkcs8(key.get());
  if (!secret.ok()) return std::move(secret).error();
  return SmimeSigner{Der(cert.get()), std::move(*secret)};
}

Result<SmimeSigner> ReadSmimeSigner(std::string_view certificate, std::string_view private_key,
                                    std::int64_t now) {
  Owned<X509> cert = ParseCertificate(certificate);
  if (!cert) return Refused("is not an X.509 certificate: it could not be read as PEM or DER");
  auto times = CheckTimes(cert.get(), now);
  if (!times.ok()) return std::move(times).error();
  const std::uint32_t ku = X509_get_key_usage(cert.get());
  if (ku != UINT32_MAX && (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
    return Refused("may not sign: its key usage lacks digitalSignature");
  }
  auto xku = CheckExtendedUsage(cert.get());
  if (!xku.ok()) return std::move(xku).error();
  Owned<EVP_PKEY> key = ParsePrivateKey(private_key);
  if (!key) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "is not an unencrypted private key in PEM or DER", "private_key");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return MakeError(ErrorCode::kInvalidArgument, "does not belong to the certificate",
                     "private_key");
  }
  auto secret = Pkcs8(key.get());
  if (!secret.ok()) return std::move(secret).error();
  return SmimeSigner{Der(cert.get()), std::move(*secret)};
}

namespace {

Result<std::string> CmsDer(CMS_ContentInfo* cms) {
  Owned<BIO> out(BIO_new(BIO_s_mem()));
  if (!out || i2d_CMS_bio(out.get(), cms) != 1) return OpenSslError("cannot encode CMS");
  char* data = nullptr;
  long len = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

// A BIO over our streams: OpenSSL pulls the entity from a ByteSource and pushes what it
// makes into a ByteSink, a piece at a time. The first error of either side is kept, to
// be told instead of OpenSSL's generic one.
struct StreamEnds {
  SourceReader* in = nullptr;
  ByteSink* out = nullptr;
  std::optional<Error> error;
};

int StreamRead(BIO* bio, char* buf, int len) {
  auto* ends = static_cast<StreamEnds*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (ends->in == nullptr || len <= 0) return 0;
  auto n = ends->in->Read(buf, static_cast<std::size_t>(len));
  if (!n.ok()) {
    ends->error = std::move(n).error();
    return -1;
  }
  return static_cast<int>(*n);
}

int StreamWrite(BIO* bio, const char* buf, int len) {
  auto* ends = static_cast<StreamEnds*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (ends->out == nullptr || len < 0) return -1;
  auto s = ends->out->Write(std::string_view(buf, static_cast<std::size_t>(len)));
  if (!s.ok()) {
    ends->error = std::move(s).error();
    return -1;
  }
  return len;
}

long StreamCtrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

int StreamCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

// The method table is made once per process: OpenSSL hands out at most ~127 new BIO
// type indexes in all, so one per call would run out. Immutable once made.
const BIO_METHOD* StreamMethod() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sealpost stream");
    if (m != nullptr) {
      BIO_meth_set_read(m, StreamRead);
      BIO_meth_set_write(m, StreamWrite);
      BIO_meth_set_ctrl(m, StreamCtrl);
      BIO_meth_set_create(m, StreamCreate);
    }
    return m;
  }();
  return method;
}

Owned<BIO> StreamBio(StreamEnds& ends) {
  const BIO_METHOD* method = StreamMethod();
  if (method == nullptr) return nullptr;
  Owned<BIO> bio(BIO_new(method));
  if (bio) BIO_set_data(bio.get(), &ends);
  return bio;
}

}  // namespace

Status SmimeEnvelope(ByteSource& entity, const SmimeCertificate& recipient, ByteSink& der) {
  Owned<X509> cert = ParseCertificate(recipient.der);
  if (!cert) return MakeError(ErrorCode::kIntegrity, "stored certificate cannot be read");
  Owned<STACK_OF(X509)> certs(sk_X509_new_null());
  if (!certs || sk_X509_push(certs.get(), cert.get()) == 0) return OpenSslError("certificate list");
  // AES-256-GCM makes AuthEnvelopedData (RFC 5083); CBC makes EnvelopedData. RSA
  // recipients get key transport, EC recipients ECDH key agreement.
  const EVP_CIPHER* cipher = recipient.gcm ? EVP_aes_256_gcm() : EVP_aes_256_cbc();
  // CMS_BINARY: the entity is already canonical (CRLF); nothing may be rewritten.
  // CMS_STREAM: nothing is read yet; i2d_CMS_bio_stream encrypts as it reads (BER,
  // indefinite lengths, as every S/MIME reader takes).
  const int flags = CMS_BINARY | CMS_STREAM;
  Owned<CMS_ContentInfo> cms(CMS_encrypt(certs.get(), nullptr, cipher, flags));
  if (!cms) return OpenSslError("encryption failed");
  SourceReader reader(entity);
  StreamEnds ends{&reader, &der, std::nullopt};
  Owned<BIO> in = StreamBio(ends), out = StreamBio(ends);
  if (!in || !out) return OpenSslError("stream");
  const int done = i2d_CMS_bio_stream(out.get(), cms.get(), in.get(), flags);
  if (ends.error) {
    ERR_clear_error();
    return std::move(*ends.error);
  }
  if (done != 1) return OpenSslError("encryption failed");
  return OkStatus();
}

Result<std::string> SmimeEnvelope(std::string_view entity, const SmimeCertificate& recipient) {
  std::string der;
  StringSink out(der);
  auto in = ViewSource(entity);
  if (auto s = SmimeEnvelope(*in, recipient, out); !s.ok()) return std::move(s).error();
  return der;
}

Result<std::string> SmimeSign(ByteSource& entity, const SmimeSigner& signer) {
  Owned<X509> cert = ParseCertificate(signer.certificate_der);
  Owned<EVP_PKEY> key = ParsePrivateKey(signer.private_key.view());
  if (!cert || !key) return MakeError(ErrorCode::kIntegrity, "stored signing identity cannot be read");
  SourceReader reader(entity);
  StreamEnds ends{&reader, nullptr, std::nullopt};
  Owned<BIO> in = StreamBio(ends);
  if (!in) return OpenSslError("stream");
  // Detached: the entity is read once, through the digest, and not kept.
  Owned<CMS_ContentInfo> cms(
      CMS_sign(cert.get(), key.get(), nullptr, in.get(), CMS_DETACHED | CMS_BINARY));
  if (ends.error) {
    ERR_clear_error();
    return std::move(*ends.error);
  }
  if (!cms) return OpenSslError("signing failed");
  return CmsDer(cms.get());
}

Result<std::string> SmimeSign(std::string_view entity, const SmimeSigner& signer) {
  auto in = ViewSource(entity);
  return SmimeSign(*in, signer);
}

}  // namespace sealpost::pki
