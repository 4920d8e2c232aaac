#include "pki/encrypted_mail.h"

#include "base/encoding.h"
#include "base/text.h"
#include "crypto/random.h"
#include "pki/openpgp.h"
#include "pki/smime.h"

namespace sealpost::pki {
namespace {

// Every line end CRLF: bare LF and bare CR become CRLF.
std::string Canonical(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 50);
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// Base64 in lines of 76 characters, CRLF after each.
std::string Base64Lines(std::string_view bytes) {
  std::string b64 = Base64Encode(bytes);
  std::string out;
  out.reserve(b64.size() + b64.size() / 38 + 2);
  for (std::size_t i = 0; i < b64.size(); i += 76) {
    out.append(b64, i, 76);
    out += "\r\n";
  }
  return out;
}

// A boundary that occurs nowhere in `content`.
std::string Boundary(std::string_view content) {
  for (;;) {
    std::string b = "sealpost-" + NewId();
    if (content.find(b) == std::string_view::npos) return b;
  }
}

}  // namespace

Result<SplitMessage> SplitForEncryption(std::string_view message) {
  const std::string canonical = Canonical(message);
  std::size_t end = canonical.rfind("\r\n\r\n", 0) == 0 ? 0 : canonical.find("\r\n\r\n");
  if (end == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "the message has no blank line after its header");
  }
  SplitMessage out;
  const std::size_t body_start = end == 0 ? 2 : end + 4;
  std::string_view header(canonical.data(), end == 0 ? 0 : end + 2);
  // Field by field: a field is its first line and every continuation line (starting
  // with a space or tab) after it.
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t field_end = header.find("\r\n", pos);
    while (field_end + 2 < header.size() && (header[field_end + 2] == ' ' || header[field_end + 2] == '\t')) {
      field_end = header.find("\r\n", field_end + 2);
    }
    std::string_view field = header.substr(pos, field_end + 2 - pos);
    pos = field_end + 2;
    if (StartsWithIgnoreCase(field, "content-")) {
      out.entity.append(field);
    } else if (!StartsWithIgnoreCase(field, "mime-version:")) {
      out.outer_headers.append(field);
    }
  }
  out.entity += "\r\n";
  out.entity.append(canonical, body_start, std::string::npos);
  return out;
}

Result<std::string> BuildPgpMimeMessage(std::string_view message, const std::string& recipient_key,
                                        const SecretBytes* signer, std::int64_t now,
                                        const PgpEncryptor& encryptor) {
  auto split = SplitForEncryption(message);
  if (!split.ok()) return std::move(split).error();
  auto armored = encryptor.Encrypt(split->entity, recipient_key, signer, now);
  WipeMemory(split->entity.data(), split->entity.size());
  if (!armored.ok()) return std::move(armored).error();
  // The armor cannot contain the boundary: it is base64 and "-----" lines only.
  const std::string b = "sealpost-pgp-" + NewId();
  std::string out = std::move(split->outer_headers);
  out += "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n"
         " boundary=\"" + b + "\"\r\n"
         "\r\n"
         "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
         "--" + b + "\r\n"
         "Content-Type: application/pgp-encrypted\r\n"
         "Content-Description: PGP/MIME version identification\r\n"
         "\r\n"
         "Version: 1\r\n"
         "\r\n"
         "--" + b + "\r\n"
         "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
         "Content-Description: OpenPGP encrypted message\r\n"
         "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n"
         "\r\n";
  out += Canonical(*armored);
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  out += "\r\n--" + b + "--\r\n";
  return out;
}

Result<std::string> BuildSmimeMessage(std::string_view message, const SmimeCertificate& recipient,
                                      const SmimeSigner* signer) {
  auto split = SplitForEncryption(message);
  if (!split.ok()) return std::move(split).error();
  std::string inner;
  if (signer != nullptr) {
    auto signature = SmimeSign(split->entity, *signer);
    if (!signature.ok()) return std::move(signature).error();
    const std::string b = Boundary(split->entity);
    inner = "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n"
            " micalg=sha-256; boundary=\"" + b + "\"\r\n"
            "\r\n"
            "This is a cryptographically signed message in MIME format.\r\n"
            "\r\n"
            "--" + b + "\r\n";
    inner += split->entity;
    // The CRLF before a delimiter belongs to the delimiter, not to the signed part.
    inner += "\r\n--" + b + "\r\n"
             "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
             "Content-Transfer-Encoding: base64\r\n"
             "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
             "Content-Description: S/MIME Cryptographic Signature\r\n"
             "\r\n" +
             Base64Lines(*signature) + "\r\n--" + b + "--\r\n";
  } else {
    inner = split->entity;
  }
  WipeMemory(split->entity.data(), split->entity.size());
  auto enveloped = SmimeEnvelope(inner, recipient);
  WipeMemory(inner.data(), inner.size());
  if (!enveloped.ok()) return std::move(enveloped).error();
  const char* type = recipient.gcm ? "authEnveloped-data" : "enveloped-data";
  std::string out = std::move(split->outer_headers);
  out += "MIME-Version: 1.0\r\n"
         "Content-Type: application/pkcs7-mime; smime-type=" + std::string(type) +
         "; name=\"smime.p7m\"\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n"
         "Content-Description: S/MIME Encrypted Message\r\n"
         "\r\n";
  out += Base64Lines(*enveloped);
  return out;
}

}  // namespace sealpost::pki
