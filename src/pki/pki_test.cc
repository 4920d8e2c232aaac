// Logic of the pki module, checked with RNP and OpenSSL themselves. Interoperability
// with GnuPG, gpgsm and the openssl tool is checked by tests/integration/pki_test.py.
#include <gtest/gtest.h>

#include <thread>
#include <vector>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include <algorithm>
#include <cstdint>
#include <memory>

#include "base/byte_stream.h"
#include "base/encoding.h"
#include "pki/encrypted_mail.h"
#include "pki/openpgp.h"
#include "pki/smime.h"

namespace sealpost::pki {
namespace {

constexpr std::int64_t kNow = 1790000000;  // 2026-09-21

// Decrypts an armored OpenPGP message with the secret key, in a context of its own.
std::string RnpDecrypt(const std::string& armored, const SecretBytes& secret, bool* signed_ok) {
  rnp_ffi_t ffi = nullptr;
  rnp_ffi_create(&ffi, "GPG", "GPG");
  rnp_set_timestamp(ffi, kNow);
  rnp_input_t keys = nullptr;
  rnp_input_from_memory(&keys, secret.data(), secret.size(), false);
  EXPECT_EQ(rnp_import_keys(ffi, keys, RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS, nullptr),
            RNP_SUCCESS);
  rnp_input_destroy(keys);
  rnp_input_t in = nullptr;
  rnp_input_from_memory(&in, reinterpret_cast<const std::uint8_t*>(armored.data()), armored.size(), false);
  rnp_output_t out = nullptr;
  rnp_output_to_memory(&out, 0);
  rnp_op_verify_t verify = nullptr;
  EXPECT_EQ(rnp_op_verify_create(&verify, ffi, in, out), RNP_SUCCESS);
  EXPECT_EQ(rnp_op_verify_execute(verify), RNP_SUCCESS);
  std::size_t sigs = 0;
  rnp_op_verify_get_signature_count(verify, &sigs);
  *signed_ok = false;
  if (sigs == 1) {
    rnp_op_verify_signature_t sig = nullptr;
    rnp_op_verify_get_signature_at(verify, 0, &sig);
    *signed_ok = rnp_op_verify_signature_get_status(sig) == RNP_SUCCESS;
  }
  std::uint8_t* buf = nullptr;
  std::size_t len = 0;
  rnp_output_memory_get_buf(out, &buf, &len, false);
  std::string plain(reinterpret_cast<char*>(buf), len);
  rnp_op_verify_destroy(verify);
  rnp_output_destroy(out);
  rnp_input_destroy(in);
  rnp_ffi_destroy(ffi);
  return plain;
}

// A public key (binary) from a generated signing key's armored public part.
std::string PublicOf(const PgpSigningKey& key, std::string_view address) {
  auto read = ReadPgpPublicKey(key.public_armored, address, kNow);
  EXPECT_TRUE(read.ok()) << (read.ok() ? "" : read.error().ToString());
  return read.ok() ? read->transferable_key : std::string();
}

constexpr std::string_view kMessage =
    "From: Dr Who <dr@clinic.example>\r\n"
    "To: patient@example.org\r\n"
    "Subject: Results\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed;\r\n"
    " boundary=\"b1\"\r\n"
    "Message-ID: <1@clinic.example>\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Your results are fine.\r\n"
    "--b1--\r\n";

constexpr std::string_view kEntity =
    "Content-Type: multipart/mixed;\r\n"
    " boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Your results are fine.\r\n"
    "--b1--\r\n";

TEST(SplitForEncryption, ContentFieldsGoInsideTheRestStaysOutside) {
  auto split = SplitForEncryption(kMessage);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->entity, kEntity);
  EXPECT_EQ(split->outer_headers,
            "From: Dr Who <dr@clinic.example>\r\nTo: patient@example.org\r\n"
            "Subject: Results\r\nMessage-ID: <1@clinic.example>\r\n");
}

TEST(SplitForEncryption, BareLineEndsBecomeCrlfAndNoHeaderIsRefused) {
  auto split = SplitForEncryption("Subject: x\nContent-Type: text/plain\n\nline\rtwo\n");
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->entity, "Content-Type: text/plain\r\n\r\nline\r\ntwo\r\n");
  EXPECT_FALSE(SplitForEncryption("Subject: no body separation\r\n").ok());
}

TEST(OpenPgp, GeneratedKeyReadsBackForItsAddressOnly) {
  auto key = GeneratePgpSigningKey("Clinic <secure@clinic.example>", kNow);
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(key->user_id, "Clinic <secure@clinic.example>");
  EXPECT_NE(key->public_armored.find("BEGIN PGP PUBLIC KEY BLOCK"), std::string::npos);
  auto read = ReadPgpPublicKey(key->public_armored, "SECURE@clinic.example", kNow);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_EQ(read->fingerprint, key->fingerprint);
  EXPECT_EQ(read->algorithm.rfind("ECDH", 0), 0u) << read->algorithm;

  auto wrong = ReadPgpPublicKey(key->public_armored, "other@clinic.example", kNow);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message, "is for secure@clinic.example, not for other@clinic.example");
}

TEST(OpenPgp, NonKeysAndSecretKeysWithoutSigningAreRefusedClearly) {
  auto junk = ReadPgpPublicKey("hello, I am not a key", "a@b.example", kNow);
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(junk.error().message.find("not an OpenPGP key"), std::string::npos);
  EXPECT_FALSE(ReadPgpPublicKey("", "a@b.example", kNow).ok());
  auto pub_as_signer = ReadPgpSigningKey(
      GeneratePgpSigningKey("x@clinic.example", kNow)->public_armored, kNow);
  ASSERT_FALSE(pub_as_signer.ok());
  EXPECT_NE(pub_as_signer.error().message.find("secret part"), std::string::npos);
}

TEST(OpenPgp, EncryptedAndSignedEntityDecryptsByteForByte) {
  auto recipient = GeneratePgpSigningKey("Patient <patient@example.org>", kNow);
  auto org = GeneratePgpSigningKey("Clinic <secure@clinic.example>", kNow);
  ASSERT_TRUE(recipient.ok() && org.ok());
  const std::string pub = PublicOf(*recipient, "patient@example.org");
  PgpEncryptor encryptor;
  auto mail = BuildPgpMimeMessage(kMessage, pub, &org->secret_key, kNow, encryptor);
  ASSERT_TRUE(mail.ok()) << mail.error().ToString();
  EXPECT_EQ(mail->rfind("From: Dr Who <dr@clinic.example>\r\n", 0), 0u);
  EXPECT_NE(mail->find("Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\""),
            std::string::npos);
  EXPECT_EQ(mail->find("Your results"), std::string::npos);
  auto begin = mail->find("-----BEGIN PGP MESSAGE-----");
  auto end = mail->find("-----END PGP MESSAGE-----");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  bool signed_ok = false;
  // The organisation's public key must be known to the verifier: give it the whole
  // secret key block of the recipient plus the organisation's public key.
  std::string armored = mail->substr(begin, end + 25 - begin);
  std::string keys(recipient->secret_key.view());
  auto org_pub = ReadPgpPublicKey(org->public_armored, "secure@clinic.example", kNow);
  ASSERT_TRUE(org_pub.ok());
  keys += org_pub->transferable_key;
  SecretBytes keyring(keys.data(), keys.size());
  EXPECT_EQ(RnpDecrypt(armored, keyring, &signed_ok), kEntity);
  EXPECT_TRUE(signed_ok);
}

// Kept contexts hold many keys: each message is encrypted to its own recipient and
// signed by its own organisation key, whatever the context read before, from several
// threads at once.
TEST(OpenPgp, KeptContextsEncryptToTheRightKeyAndSignWithTheRightOne) {
  auto pat = GeneratePgpSigningKey("Patient <patient@example.org>", kNow);
  auto sam = GeneratePgpSigningKey("Sam <sam@example.org>", kNow);
  auto north = GeneratePgpSigningKey("North <secure@north.example>", kNow);
  auto south = GeneratePgpSigningKey("South <secure@south.example>", kNow);
  ASSERT_TRUE(pat.ok() && sam.ok() && north.ok() && south.ok());
  struct Case {
    const PgpSigningKey* recipient;
    std::string address;
    const PgpSigningKey* signer;
    std::string signer_address;
  };
  const std::vector<Case> cases = {{&*pat, "patient@example.org", &*north, "secure@north.example"},
                                   {&*sam, "sam@example.org", &*south, "secure@south.example"},
                                   {&*pat, "patient@example.org", &*south, "secure@south.example"},
                                   {&*sam, "sam@example.org", &*north, "secure@north.example"}};
  PgpEncryptor encryptor;
  auto check = [&](const Case& c, const std::string& text) {
    auto armored = encryptor.Encrypt(text, PublicOf(*c.recipient, c.address),
                                     &c.signer->secret_key, kNow);
    ASSERT_TRUE(armored.ok()) << armored.error().ToString();
    // The recipient's secret key and only the expected signer's public key: a message
    // signed by the other organisation would not verify.
    std::string keys(c.recipient->secret_key.view());
    keys += ReadPgpPublicKey(c.signer->public_armored, c.signer_address, kNow)->transferable_key;
    bool signed_ok = false;
    EXPECT_EQ(RnpDecrypt(*armored, SecretBytes(keys.data(), keys.size()), &signed_ok), text);
    EXPECT_TRUE(signed_ok) << c.address << " from " << c.signer_address;
  };
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < cases.size(); ++i) check(cases[i], "message " + std::to_string(i));
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    threads.emplace_back([&, i] { check(cases[i], "threaded " + std::to_string(i)); });
  }
  for (auto& t : threads) t.join();
  // Contexts renewed after every key (max_keys 1) and after an hour: still right.
  PgpEncryptor small(/*max_keys=*/1, /*max_age_seconds=*/3600);
  for (int i = 0; i < 4; ++i) {
    const Case& c = cases[i % cases.size()];
    const std::int64_t at = kNow + i * 2000;  // crosses the hour between some messages
    auto armored = small.Encrypt("renewed", PublicOf(*c.recipient, c.address), nullptr, at);
    ASSERT_TRUE(armored.ok()) << armored.error().ToString();
    bool signed_ok = true;
    EXPECT_EQ(RnpDecrypt(*armored, c.recipient->secret_key, &signed_ok), "renewed");
    EXPECT_FALSE(signed_ok);  // no signer given
  }
  // Without a signer, and to a key that is not one: refused as PgpEncrypt refuses.
  auto unsigned_mail = encryptor.Encrypt("x", PublicOf(*pat, "patient@example.org"), nullptr, kNow);
  EXPECT_TRUE(unsigned_mail.ok());
  auto junk = encryptor.Encrypt("x", "not a key", nullptr, kNow);
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().code, ErrorCode::kInvalidArgument);
}

TEST(OpenPgp, KeyIsJudgedAtTheTimeGiven) {
  auto key = GeneratePgpSigningKey("Late <late@example.org>", kNow);
  ASSERT_TRUE(key.ok());
  // Generated without expiry: valid far in the future, but not before it was made.
  EXPECT_TRUE(ReadPgpPublicKey(key->public_armored, "late@example.org", kNow + 86400 * 3650).ok());
  auto before = ReadPgpPublicKey(key->public_armored, "late@example.org", kNow - 86400);
  EXPECT_FALSE(before.ok());
}

struct CmsFree {
  void operator()(CMS_ContentInfo* p) const { CMS_ContentInfo_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

TEST(Smime, GeneratedSignerSignsWhatOpenSslVerifies) {
  auto signer = GenerateSmimeSigner("secure@clinic.example", "Clinic", 365, kNow);
  ASSERT_TRUE(signer.ok()) << signer.error().ToString();
  EXPECT_NE(CertificatePem(signer->certificate_der).find("BEGIN CERTIFICATE"), std::string::npos);
  auto reread = ReadSmimeSigner(CertificatePem(signer->certificate_der), signer->private_key.view(), kNow);
  ASSERT_TRUE(reread.ok()) << reread.error().ToString();
  auto sig = SmimeSign(kEntity, *signer);
  ASSERT_TRUE(sig.ok());
  const unsigned char* p = reinterpret_cast<const unsigned char*>(sig->data());
  std::unique_ptr<CMS_ContentInfo, CmsFree> cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(sig->size())));
  ASSERT_TRUE(cms);
  std::unique_ptr<BIO, CmsFree> data(BIO_new_mem_buf(kEntity.data(), static_cast<int>(kEntity.size())));
  EXPECT_EQ(CMS_verify(cms.get(), nullptr, nullptr, data.get(), nullptr,
                       CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY), 1);
  // One changed byte and it no longer verifies.
  std::string changed(kEntity);
  changed[changed.size() - 5] ^= 1;
  std::unique_ptr<BIO, CmsFree> bad(BIO_new_mem_buf(changed.data(), static_cast<int>(changed.size())));
  EXPECT_NE(CMS_verify(cms.get(), nullptr, nullptr, bad.get(), nullptr,
                       CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY), 1);
}

TEST(Smime, CertificateChecksNameTheProblem) {
  auto signer = GenerateSmimeSigner("secure@clinic.example", "Clinic", 30, kNow);
  ASSERT_TRUE(signer.ok());
  // A signing-only certificate (digitalSignature) may not be encrypted to.
  auto sign_only = ReadSmimeCertificate(signer->certificate_der, "secure@clinic.example", kNow);
  ASSERT_FALSE(sign_only.ok());
  EXPECT_EQ(sign_only.error().message, "may not be used for encryption: its key usage lacks keyAgreement");
  auto expired = ReadSmimeCertificate(signer->certificate_der, "secure@clinic.example", kNow + 31 * 86400);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().message.rfind("expired on ", 0), 0u);
  auto early = ReadSmimeCertificate(signer->certificate_der, "secure@clinic.example", kNow - 86400);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().message.rfind("is not valid yet", 0), 0u);
  auto junk = ReadSmimeCertificate("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n",
                                   "a@b.example", kNow);
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.error().message.find("not an X.509 certificate"), std::string::npos);
}

TEST(Smime, EnvelopedSignedEntityOpensWithTheRecipientsKey) {
  auto recipient = GenerateSmimeSigner("patient@example.org", "Patient", 30, kNow);
  auto org = GenerateSmimeSigner("secure@clinic.example", "Clinic", 30, kNow);
  ASSERT_TRUE(recipient.ok() && org.ok());
  for (bool gcm : {false, true}) {
    SmimeCertificate cert;
    cert.der = recipient->certificate_der;  // built directly: key usage is not judged here
    cert.gcm = gcm;
    auto mail = BuildSmimeMessage(kMessage, cert, &*org);
    ASSERT_TRUE(mail.ok()) << mail.error().ToString();
    EXPECT_NE(mail->find(gcm ? "smime-type=authEnveloped-data" : "smime-type=enveloped-data"),
              std::string::npos);
    auto body = mail->find("\r\n\r\n");
    std::string b64;
    for (char c : mail->substr(body + 4)) {
      if (c != '\r' && c != '\n') b64 += c;
    }
    auto der = Base64Decode(b64);
    ASSERT_TRUE(der);
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der->data());
    std::unique_ptr<CMS_ContentInfo, CmsFree> cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der->size())));
    ASSERT_TRUE(cms);
    const unsigned char* kp = recipient->private_key.data();
    std::unique_ptr<EVP_PKEY, CmsFree> key(d2i_AutoPrivateKey(nullptr, &kp, static_cast<long>(recipient->private_key.size())));
    const unsigned char* cp = reinterpret_cast<const unsigned char*>(recipient->certificate_der.data());
    std::unique_ptr<X509, CmsFree> x(d2i_X509(nullptr, &cp, static_cast<long>(recipient->certificate_der.size())));
    std::unique_ptr<BIO, CmsFree> out(BIO_new(BIO_s_mem()));
    ASSERT_EQ(CMS_decrypt(cms.get(), key.get(), x.get(), nullptr, out.get(), CMS_BINARY), 1);
    char* data = nullptr;
    long len = BIO_get_mem_data(out.get(), &data);
    std::string inner(data, static_cast<std::size_t>(len));
    EXPECT_EQ(inner.rfind("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"", 0), 0u);
    EXPECT_NE(inner.find(std::string(kEntity) + "\r\n--"), std::string::npos);
  }
}

// A message handed over in small pieces, failing with kIo after `fail_after` bytes
// when that is set; counts how often it was opened.
class Pieces final : public ByteSource {
 public:
  Pieces(std::string_view bytes, std::size_t piece, std::size_t fail_after)
      : rest_(bytes), piece_(piece), fail_after_(fail_after) {}
  Result<bool> Next(std::string& out) override {
    if (given_ >= fail_after_) return MakeError(ErrorCode::kIo, "the disk went away");
    if (rest_.empty()) return false;
    out.assign(rest_.substr(0, piece_));
    rest_.remove_prefix(out.size());
    given_ += out.size();
    return true;
  }

 private:
  std::string_view rest_;
  std::size_t piece_, fail_after_, given_ = 0;
};

// Remembers what was written, and the largest single write.
class Recording final : public ByteSink {
 public:
  Status Write(std::string_view bytes) override {
    all += bytes;
    largest = std::max(largest, bytes.size());
    return OkStatus();
  }
  std::string all;
  std::size_t largest = 0;
};

// A 3 MiB body with every kind of line end, split at every position across pieces.
std::string BigBody() {
  std::string body;
  const char* ends[] = {"\r\n", "\n", "\r"};
  for (int i = 0; body.size() < 3 * 1024 * 1024; ++i) {
    body += "line " + std::to_string(i) + " of the scan, in words and digits" + ends[i % 3];
  }
  return body;
}

std::string Canonical(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r' || in[i] == '\n') {
      out += "\r\n";
      if (in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n') ++i;
    } else {
      out += in[i];
    }
  }
  return out;
}

// Copies of a large message are made from a source read in small pieces and written as
// they are made: what the recipient decrypts is the canonical entity, byte for byte,
// and no single write holds more than a small part of it.
TEST(StreamedCopies, ALargeMessageReadInPiecesDecryptsWhole) {
  const std::string body = BigBody();
  const std::string message = "From: dr@clinic.example\nSubject: Scan\nContent-Type: text/plain\n\n" + body;
  const std::string entity = "Content-Type: text/plain\r\n\r\n" + Canonical(body);

  auto pgp_recipient = GeneratePgpSigningKey("Patient <patient@example.org>", kNow);
  ASSERT_TRUE(pgp_recipient.ok());
  PgpEncryptor encryptor;
  Pieces pieces(message, 1000, SIZE_MAX);
  Recording pgp;
  ASSERT_TRUE(WritePgpMimeMessage(pieces, PublicOf(*pgp_recipient, "patient@example.org"), nullptr,
                                  kNow, encryptor, pgp).ok());
  EXPECT_LT(pgp.largest, 256u * 1024);
  const auto begin = pgp.all.find("-----BEGIN PGP MESSAGE-----");
  const auto end = pgp.all.find("-----END PGP MESSAGE-----");
  ASSERT_NE(end, std::string::npos);
  bool signed_ok = true;
  EXPECT_EQ(RnpDecrypt(pgp.all.substr(begin, end + 25 - begin), pgp_recipient->secret_key, &signed_ok),
            entity);
  EXPECT_EQ(pgp.all.compare(pgp.all.size() - 2, 2, "\r\n"), 0);

  auto smime_recipient = GenerateSmimeSigner("patient@example.org", "Patient", 30, kNow);
  auto org = GenerateSmimeSigner("secure@clinic.example", "Clinic", 30, kNow);
  ASSERT_TRUE(smime_recipient.ok() && org.ok());
  SmimeCertificate cert;
  cert.der = smime_recipient->certificate_der;
  cert.gcm = true;
  int opens = 0;
  OpenSource open = [&]() -> Result<std::unique_ptr<ByteSource>> {
    ++opens;
    return std::unique_ptr<ByteSource>(std::make_unique<Pieces>(message, 1000, SIZE_MAX));
  };
  Recording smime;
  ASSERT_TRUE(WriteSmimeMessage(open, cert, &*org, smime).ok());
  EXPECT_EQ(opens, 2);  // once through the signature, once through the encryption
  EXPECT_LT(smime.largest, 256u * 1024);
  std::string b64;
  for (char c : smime.all.substr(smime.all.find("\r\n\r\n") + 4)) {
    if (c != '\r' && c != '\n') b64 += c;
  }
  auto der = Base64Decode(b64);
  ASSERT_TRUE(der);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der->data());
  std::unique_ptr<CMS_ContentInfo, CmsFree> cms(
      d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der->size())));
  ASSERT_TRUE(cms);
  const unsigned char* kp = smime_recipient->private_key.data();
  std::unique_ptr<EVP_PKEY, CmsFree> key(
      d2i_AutoPrivateKey(nullptr, &kp, static_cast<long>(smime_recipient->private_key.size())));
  const unsigned char* cp = reinterpret_cast<const unsigned char*>(cert.der.data());
  std::unique_ptr<X509, CmsFree> x(d2i_X509(nullptr, &cp, static_cast<long>(cert.der.size())));
  std::unique_ptr<BIO, CmsFree> out(BIO_new(BIO_s_mem()));
  ASSERT_EQ(CMS_decrypt(cms.get(), key.get(), x.get(), nullptr, out.get(), CMS_BINARY), 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(out.get(), &data);
  const std::string inner(data, static_cast<std::size_t>(len));
  EXPECT_NE(inner.find("\r\n\r\n--sealpost-"), std::string::npos);
  EXPECT_NE(inner.find(entity + "\r\n--sealpost-"), std::string::npos);
}

// A source that fails part way (a blob that cannot be read) fails the copy with its own
// error, not the library's.
TEST(StreamedCopies, ASourceThatFailsIsTheErrorTold) {
  const std::string message = "From: dr@clinic.example\r\nContent-Type: text/plain\r\n\r\n" + BigBody();
  auto pgp_recipient = GeneratePgpSigningKey("Patient <patient@example.org>", kNow);
  ASSERT_TRUE(pgp_recipient.ok());
  PgpEncryptor encryptor;
  Pieces pieces(message, 4096, 200 * 1024);
  CountingSink sink;
  auto pgp = WritePgpMimeMessage(pieces, PublicOf(*pgp_recipient, "patient@example.org"), nullptr,
                                 kNow, encryptor, sink);
  ASSERT_FALSE(pgp.ok());
  EXPECT_EQ(pgp.error().code, ErrorCode::kIo);
  EXPECT_EQ(pgp.error().message, "the disk went away");

  auto smime_recipient = GenerateSmimeSigner("patient@example.org", "Patient", 30, kNow);
  ASSERT_TRUE(smime_recipient.ok());
  SmimeCertificate cert;
  cert.der = smime_recipient->certificate_der;
  for (bool sign : {false, true}) {
    OpenSource open = [&]() -> Result<std::unique_ptr<ByteSource>> {
      return std::unique_ptr<ByteSource>(std::make_unique<Pieces>(message, 4096, 200 * 1024));
    };
    auto smime = WriteSmimeMessage(open, cert, sign ? &*smime_recipient : nullptr, sink);
    ASSERT_FALSE(smime.ok());
    EXPECT_EQ(smime.error().code, ErrorCode::kIo);
    EXPECT_EQ(smime.error().message, "the disk went away");
  }
}

}  // namespace
}  // namespace sealpost::pki
