#include "crypto/primitives.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <sodium.h>

#include <cstring>
#include <memory>

#include "crypto/random.h"

namespace sealpost {
namespace {

struct KdfDeleter { void operator()(EVP_KDF* p) const { EVP_KDF_free(p); } };
struct KdfCtxDeleter { void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); } };
struct CipherCtxDeleter { void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); } };
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

Error CryptoError(const char* what) { return MakeError(ErrorCode::kInternal, what); }

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// One AES-256-GCM operation; `tag` is read (decrypt) or written (encrypt).
Status GcmCrypt(bool encrypt, const SecretBytes& key, std::string_view nonce,
                std::string_view aad, std::string_view in, unsigned char* out,
                unsigned char* tag) {
  if (key.size() != kKeySize || nonce.size() != kNonceSize) {
    return CryptoError("AES-256-GCM needs a 32-byte key and a 12-byte nonce");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return CryptoError("EVP_CIPHER_CTX_new failed");
  auto init = encrypt ? EVP_EncryptInit_ex : EVP_DecryptInit_ex;
  auto update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate;
  if (init(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), Bytes(nonce)) != 1) {
    return CryptoError("AES-GCM init failed");
  }
  int len = 0;
  if (!aad.empty() &&
      update(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1) {
    return CryptoError("AES-GCM aad failed");
  }
  if (!in.empty() &&
      update(ctx.get(), out, &len, Bytes(in), static_cast<int>(in.size())) != 1) {
    return CryptoError("AES-GCM update failed");
  }
  if (encrypt) {
    if (EVP_EncryptFinal_ex(ctx.get(), out + in.size(), &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, tag) != 1) {
      return CryptoError("AES-GCM final failed");
    }
    return OkStatus();
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) != 1) {
    return CryptoError("AES-GCM set tag failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), out + in.size(), &len) != 1) {
    return MakeError(ErrorCode::kIntegrity, "authentication failed");
  }
  return OkStatus();
}

}  // namespace

Result<SecretBytes> HkdfSha256(std::string_view ikm, std::string_view salt,
                               std::string_view info, std::size_t length) {
  std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return CryptoError("HKDF unavailable");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxDeleter> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return CryptoError("EVP_KDF_CTX_new failed");
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  int n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, const_cast<char*>(ikm.data()), ikm.size());
  if (!salt.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size());
  }
  params[n++] = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size());
  params[n] = OSSL_PARAM_construct_end();
  SecretBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), length, params) != 1) {
    return CryptoError("HKDF derive failed");
  }
  return out;
}

Status GcmSeal(const SecretBytes& key, std::string_view nonce, std::string_view aad,
               std::string_view plaintext, std::string& out) {
  out.resize(plaintext.size() + kTagSize);
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  return GcmCrypt(true, key, nonce, aad, plaintext, p, p + plaintext.size());
}

Status GcmOpen(const SecretBytes& key, std::string_view nonce, std::string_view aad,
               std::string_view sealed, std::string& out) {
  if (sealed.size() < kTagSize) return MakeError(ErrorCode::kIntegrity, "ciphertext too short");
  std::string_view body = sealed.substr(0, sealed.size() - kTagSize);
  unsigned char tag[kTagSize];
  std::memcpy(tag, sealed.data() + body.size(), kTagSize);
  out.resize(body.size());
  auto status =
      GcmCrypt(false, key, nonce, aad, body, reinterpret_cast<unsigned char*>(out.data()), tag);
  if (!status.ok()) {
    WipeMemory(out.data(), out.size());
    out.clear();
  }
  return status;
}

Result<std::string> BoxSeal(const SecretBytes& key, std::string_view plaintext,
                            std::string_view aad) {
  std::string nonce = RandomBytes(kNonceSize);
  std::string sealed;
  auto status = GcmSeal(key, nonce, aad, plaintext, sealed);
  if (!status.ok()) return std::move(status).error();
  return nonce + sealed;
}

Result<std::string> BoxOpen(const SecretBytes& key, std::string_view box, std::string_view aad) {
  if (box.size() < kNonceSize + kTagSize) {
    return MakeError(ErrorCode::kIntegrity, "sealed box too short");
  }
  std::string out;
  auto status = GcmOpen(key, box.substr(0, kNonceSize), aad, box.substr(kNonceSize), out);
  if (!status.ok()) return std::move(status).error();
  return out;
}

Result<SecretBytes> BoxOpenSecret(const SecretBytes& key, std::string_view box,
                                  std::string_view aad) {
  auto opened = BoxOpen(key, box, aad);
  if (!opened.ok()) return std::move(opened).error();
  SecretBytes out(opened->data(), opened->size());
  WipeMemory(opened->data(), opened->size());
  return out;
}

std::string Sha256(std::string_view data) {
  Sha256Hasher h;
  h.Update(data);
  return h.Final();
}

Sha256Hasher::Sha256Hasher() {
  static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(state_));
  crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_));
}

void Sha256Hasher::Update(std::string_view data) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_), Bytes(data),
                            data.size());
}

std::string Sha256Hasher::Final() {
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_),
                           reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string HmacSha256(const SecretBytes& key, std::string_view data) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, Bytes(data), data.size());
  std::string out(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(out.data()));
  WipeMemory(&st, sizeof st);
  return out;
}

}  // namespace sealpost
