#include "pki/encrypted_mail.h"

#include <vector>

#include "base/byte_stream.h"
#include "base/encoding.h"
#include "base/text.h"
#include "crypto/random.h"
#include "pki/openpgp.h"
#include "pki/smime.h"

namespace sealpost::pki {
namespace {

// A header section larger than this is not a mail header (SMTP limits whole messages;
// this bounds what is held in memory before the body streams).
constexpr std::size_t kMaxHeaderBytes = 8 * 1024 * 1024;

// Every line end CRLF: bare LF and bare CR become CRLF. `after_cr` carries a CR that
// ended the previous piece (its LF, if it comes first in this one, is already written).
void Canonicalize(std::string_view in, bool& after_cr, std::string& out) {
  out.reserve(out.size() + in.size() + in.size() / 50 + 2);
  for (char c : in) {
    if (c == '\n' && after_cr) {
      after_cr = false;
      continue;
    }
    after_cr = c == '\r';
    if (c == '\r' || c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
}

// A source with its line ends made CRLF.
class CanonicalSource final : public ByteSource {
 public:
  explicit CanonicalSource(ByteSource& in) : in_(in) {}
  ~CanonicalSource() override { WipeMemory(raw_.data(), raw_.size()); }
  Result<bool> Next(std::string& piece) override {
    auto more = in_.Next(raw_);
    if (!more.ok() || !*more) return more;
    piece.clear();
    Canonicalize(raw_, after_cr_, piece);
    return true;
  }

 private:
  ByteSource& in_;
  std::string raw_;
  bool after_cr_ = false;
};

// A sink that makes line ends CRLF, and knows whether what it wrote ended with one.
class CanonicalSink final : public ByteSink {
 public:
  explicit CanonicalSink(ByteSink& out) : out_(out) {}
  Status Write(std::string_view bytes) override {
    if (bytes.empty()) return OkStatus();
    piece_.clear();
    Canonicalize(bytes, after_cr_, piece_);
    if (!piece_.empty()) ends_in_crlf_ = piece_.back() == '\n';
    return out_.Write(piece_);
  }
  bool ends_in_crlf() const { return ends_in_crlf_; }

 private:
  ByteSink& out_;
  std::string piece_;
  bool after_cr_ = false;
  bool ends_in_crlf_ = false;
};

// Written bytes as base64 in 76-character lines, CRLF after each.
class Base64Sink final : public ByteSink {
 public:
  explicit Base64Sink(ByteSink& out) : out_(out) {}
  Status Write(std::string_view bytes) override {
    piece_.clear();
    lines_.Add(bytes, piece_);
    return piece_.empty() ? OkStatus() : out_.Write(piece_);
  }
  Status Finish() {
    piece_.clear();
    lines_.Finish(piece_);
    return piece_.empty() ? OkStatus() : out_.Write(piece_);
  }

 private:
  ByteSink& out_;
  Base64Lines lines_;
  std::string piece_;
};

// Texts and sources, one after the other (sources are the caller's to keep alive).
class Concatenation final : public ByteSource {
 public:
  Concatenation& Text(std::string text) {
    parts_.push_back({std::move(text), nullptr});
    return *this;
  }
  Concatenation& Source(ByteSource& source) {
    parts_.push_back({{}, &source});
    return *this;
  }
  ~Concatenation() override {
    for (auto& p : parts_) WipeMemory(p.text.data(), p.text.size());
  }
  Result<bool> Next(std::string& piece) override {
    while (next_ < parts_.size()) {
      Part& part = parts_[next_];
      if (part.source == nullptr) {
        piece = part.text;
        ++next_;
        return true;
      }
      auto more = part.source->Next(piece);
      if (!more.ok() || *more) return more;
      ++next_;
    }
    return false;
  }

 private:
  struct Part {
    std::string text;
    ByteSource* source;
  };
  std::vector<Part> parts_;
  std::size_t next_ = 0;
};

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// A message being split as it is read: the outer header fields, and its entity — the
// Content-* fields, the blank line, the body — as a source of canonical bytes.
class EntityStream {
 public:
  explicit EntityStream(ByteSource& message) : canonical_(message) {}
  EntityStream(const EntityStream&) = delete;
  EntityStream& operator=(const EntityStream&) = delete;

  // Reads the header section; kInvalidArgument when the message has none.
  Status ReadHeader() {
    std::string head, piece;
    std::size_t end = std::string::npos;
    std::size_t searched = 0;  // where the blank line cannot start before
    for (;;) {
      end = head.find("\r\n\r\n", searched);
      if (end != std::string::npos) break;
      searched = head.size() < 3 ? 0 : head.size() - 3;
      if (head.size() > kMaxHeaderBytes) {
        return MakeError(ErrorCode::kInvalidArgument, "the message's header is larger than 8 MiB");
      }
      auto more = canonical_.Next(piece);
      if (!more.ok()) return std::move(more).error();
      if (!*more) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "the message has no blank line after its header");
      }
      head += piece;
    }
    // "\r\n\r\n" at the very start: no header at all; the body starts after the first CRLF.
    const std::size_t body_start = end == 0 ? 2 : end + 4;
    std::string_view header(head.data(), end == 0 ? 0 : end + 2);
    std::string entity_header;
    // Field by field: a field is its first line and every continuation line (starting
    // with a space or tab) after it.
    std::size_t pos = 0;
    while (pos < header.size()) {
      std::size_t field_end = header.find("\r\n", pos);
      while (field_end + 2 < header.size() &&
             (header[field_end + 2] == ' ' || header[field_end + 2] == '\t')) {
        field_end = header.find("\r\n", field_end + 2);
      }
      std::string_view field = header.substr(pos, field_end + 2 - pos);
      pos = field_end + 2;
      if (StartsWithIgnoreCase(field, "content-")) {
        entity_header.append(field);
      } else if (!StartsWithIgnoreCase(field, "mime-version:")) {
        outer_headers_.append(field);
      }
    }
    entity_header += "\r\n";
    entity_header.append(head, body_start, std::string::npos);
    WipeMemory(head.data(), head.size());
    entity_.Text(std::move(entity_header)).Source(canonical_);
    return OkStatus();
  }

  const std::string& outer_headers() const { return outer_headers_; }
  ByteSource& entity() { return entity_; }

 private:
  CanonicalSource canonical_;
  std::string outer_headers_;
  Concatenation entity_;
};

}  // namespace

Result<SplitMessage> SplitForEncryption(std::string_view message) {
  auto source = ViewSource(message);
  EntityStream split(*source);
  if (auto s = split.ReadHeader(); !s.ok()) return std::move(s).error();
  auto entity = ReadAll(split.entity(), std::uint64_t{1} << 40);
  if (!entity.ok()) return std::move(entity).error();
  return SplitMessage{split.outer_headers(), std::move(*entity)};
}

Status WritePgpMimeMessage(ByteSource& message, const std::string& recipient_key,
                           const SecretBytes* signer, std::int64_t now,
                           const PgpEncryptor& encryptor, ByteSink& out) {
  EntityStream split(message);
  if (auto s = split.ReadHeader(); !s.ok()) return s;
  // The armor cannot contain the boundary: it is base64 and "-----" lines only.
  const std::string b = "sealpost-pgp-" + NewId();
  std::string head = split.outer_headers();
  head += "MIME-Version: 1.0\r\n"
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
  if (auto s = out.Write(head); !s.ok()) return s;
  CanonicalSink armor(out);
  if (auto s = encryptor.Encrypt(split.entity(), recipient_key, signer, now, armor); !s.ok()) {
    return s;
  }
  return out.Write(std::string(armor.ends_in_crlf() ? "" : "\r\n") + "\r\n--" + b + "--\r\n");
}

Status WriteSmimeMessage(const OpenSource& message, const SmimeCertificate& recipient,
                         const SmimeSigner* signer, ByteSink& out) {
  // Signed: the entity is read twice, once through the signature's digest, then again
  // inside multipart/signed through the encryption. Nothing is held whole.
  std::string signature;
  if (signer != nullptr) {
    auto first = message();
    if (!first.ok()) return std::move(first).error();
    EntityStream split(**first);
    if (auto s = split.ReadHeader(); !s.ok()) return s;
    auto signed_ = SmimeSign(split.entity(), *signer);
    if (!signed_.ok()) return std::move(signed_).error();
    signature = std::move(*signed_);
  }
  auto opened = message();
  if (!opened.ok()) return std::move(opened).error();
  EntityStream split(**opened);
  if (auto s = split.ReadHeader(); !s.ok()) return s;
  Concatenation inner;
  if (signer != nullptr) {
    // 128 random bits: no entity holds this boundary unless it was guessed.
    const std::string b = "sealpost-" + NewId();
    std::string encoded;
    Base64Lines lines;
    lines.Add(signature, encoded);
    lines.Finish(encoded);
    inner.Text("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n"
               " micalg=sha-256; boundary=\"" + b + "\"\r\n"
               "\r\n"
               "This is a cryptographically signed message in MIME format.\r\n"
               "\r\n"
               "--" + b + "\r\n")
        .Source(split.entity())
        // The CRLF before a delimiter belongs to the delimiter, not to the signed part.
        .Text("\r\n--" + b + "\r\n"
              "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
              "Content-Transfer-Encoding: base64\r\n"
              "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
              "Content-Description: S/MIME Cryptographic Signature\r\n"
              "\r\n" + encoded + "\r\n--" + b + "--\r\n");
  } else {
    inner.Source(split.entity());
  }
  const char* type = recipient.gcm ? "authEnveloped-data" : "enveloped-data";
  std::string head = split.outer_headers();
  head += "MIME-Version: 1.0\r\n"
          "Content-Type: application/pkcs7-mime; smime-type=" + std::string(type) +
          "; name=\"smime.p7m\"\r\n"
          "Content-Transfer-Encoding: base64\r\n"
          "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n"
          "Content-Description: S/MIME Encrypted Message\r\n"
          "\r\n";
  if (auto s = out.Write(head); !s.ok()) return s;
  Base64Sink body(out);
  if (auto s = SmimeEnvelope(inner, recipient, body); !s.ok()) return s;
  return body.Finish();
}

Result<std::string> BuildPgpMimeMessage(std::string_view message, const std::string& recipient_key,
                                        const SecretBytes* signer, std::int64_t now,
                                        const PgpEncryptor& encryptor) {
  std::string mail;
  StringSink out(mail);
  auto in = ViewSource(message);
  if (auto s = WritePgpMimeMessage(*in, recipient_key, signer, now, encryptor, out); !s.ok()) {
    return std::move(s).error();
  }
  return mail;
}

Result<std::string> BuildSmimeMessage(std::string_view message, const SmimeCertificate& recipient,
                                      const SmimeSigner* signer) {
  std::string mail;
  StringSink out(mail);
  if (auto s = WriteSmimeMessage(OpenView(message), recipient, signer, out); !s.ok()) {
    return std::move(s).error();
  }
  return mail;
}

}  // namespace sealpost::pki
