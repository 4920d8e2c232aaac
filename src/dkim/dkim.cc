#include "dkim/dkim.h"

#include <algorithm>
#include <cctype>

#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/encoding.h"
#include "base/text.h"
#include "crypto/primitives.h"

namespace sealpost::dkim {
namespace {

constexpr std::size_t kMaxHeaderBytes = 1024 * 1024;
constexpr std::size_t kMaxFields = 2000;

bool IsWsp(char c) { return c == ' ' || c == '\t'; }

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The field without its b= value (RFC 6376 §3.7), and without its final CRLF.
std::string WithoutB(std::string_view raw) {
  if (raw.size() >= 2 && raw.substr(raw.size() - 2) == "\r\n") raw.remove_suffix(2);
  const auto colon = raw.find(':');
  if (colon == std::string_view::npos) return std::string(raw);
  std::string out(raw.substr(0, colon + 1));
  std::string_view tags = raw.substr(colon + 1);
  while (true) {
    const auto semi = tags.find(';');
    std::string_view tag = tags.substr(0, semi);
    const auto eq = tag.find('=');
    // The tag's name without folding whitespace (CR, LF, SP, HTAB).
    std::string name;
    for (char c : tag.substr(0, eq == std::string_view::npos ? 0 : eq)) {
      if (!IsWsp(c) && c != '\r' && c != '\n') name += c;
    }
    out += name == "b" ? tag.substr(0, eq + 1) : tag;
    if (semi == std::string_view::npos) break;
    out += ';';
    tags.remove_prefix(semi + 1);
  }
  return out;
}

bool IsDnsName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

const char* AlgorithmName(Algorithm a) {
  return a == Algorithm::kRsaSha256 ? "rsa-sha256" : "ed25519-sha256";
}

Result<Algorithm> ParseAlgorithm(std::string_view text) {
  if (text == "rsa" || text == "rsa-sha256") return Algorithm::kRsaSha256;
  if (text == "ed25519" || text == "ed25519-sha256") return Algorithm::kEd25519Sha256;
  return MakeError(ErrorCode::kInvalidArgument, "is not rsa or ed25519", "algorithm");
}

Result<SplitMessage> Split(std::string_view message) {
  SplitMessage out;
  std::size_t pos = 0;
  while (pos < message.size()) {
    if (message.substr(pos, 2) == "\r\n") {
      out.body = message.substr(pos + 2);
      return out;
    }
    if (pos > kMaxHeaderBytes || out.fields.size() >= kMaxFields) {
      return MakeError(ErrorCode::kInvalidArgument, "the header is too large to sign");
    }
    const auto end = message.find("\r\n", pos);
    if (end == std::string_view::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "a header line does not end with CRLF");
    }
    std::string_view line = message.substr(pos, end + 2 - pos);
    if (IsWsp(line[0])) {
      if (out.fields.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "the header starts with a continuation line");
      }
      out.fields.back().raw += line;
    } else {
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) {
        return MakeError(ErrorCode::kInvalidArgument, "a header line has no field name");
      }
      out.fields.push_back({CompressWhitespace(line.substr(0, colon)), std::string(line)});
    }
    pos = end + 2;
  }
  out.body = message.substr(message.size());  // header only: an empty body
  return out;
}

std::string CanonicalHeader(const HeaderField& field, Canon canon) {
  if (canon == Canon::kSimple) return field.raw;
  std::string_view raw = field.raw;
  const auto colon = raw.find(':');
  std::string value;
  for (char c : raw.substr(colon + 1)) {
    if (c != '\r' && c != '\n') value += c;  // unfold
  }
  return AsciiLower(CompressWhitespace(raw.substr(0, colon))) + ":" + CompressWhitespace(value) +
         "\r\n";
}

std::string CanonicalBody(std::string_view body, Canon canon) {
  std::string out;
  if (canon == Canon::kSimple) {
    out = body;
  } else {
    std::size_t pos = 0;
    while (pos < body.size()) {
      auto end = body.find("\r\n", pos);
      std::string_view line = body.substr(pos, end == std::string_view::npos ? end : end - pos);
      // Inner runs of WSP become one SP; trailing WSP goes; leading WSP stays (as one SP).
      std::string l;
      bool space = false;
      for (char c : line) {
        if (IsWsp(c)) {
          space = true;
          continue;
        }
        if (space) l += ' ';
        space = false;
        l += c;
      }
      out += l + "\r\n";
      if (end == std::string_view::npos) break;
      pos = end + 2;
    }
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  while (out.size() >= 4 && out.compare(out.size() - 4, 4, "\r\n\r\n") == 0) out.resize(out.size() - 2);
  // An empty body is CRLF in simple canonicalisation and nothing in relaxed.
  if (out == "\r\n" && canon == Canon::kRelaxed) out.clear();
  return out;
}

std::string BodyHash(std::string_view body, Canon canon) {
  return Base64Encode(Sha256(CanonicalBody(body, canon)));
}

// CanonicalBody's relaxed rules as a state machine: lines end at CRLF only (a lone CR
// is text); WSP runs become one SP before more text and vanish at a line's end; empty
// lines are written only when text follows them; a last line without CRLF gets one.
struct RelaxedBodyHasher::Sha256 {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Sha256() { EVP_MD_CTX_free(ctx); }
};

RelaxedBodyHasher::RelaxedBodyHasher() : hash_(std::make_unique<Sha256>()) {
  EVP_DigestInit_ex(hash_->ctx, EVP_sha256(), nullptr);
}

RelaxedBodyHasher::~RelaxedBodyHasher() = default;

void RelaxedBodyHasher::Char(char c) {
  if (!line_has_text_) {
    for (; empty_lines_ > 0; --empty_lines_) out_ += "\r\n";
  }
  if (space_) out_ += ' ';
  space_ = false;
  out_ += c;
  line_has_text_ = true;
}

void RelaxedBodyHasher::EndLine() {
  if (line_has_text_) {
    out_ += "\r\n";
  } else {
    ++empty_lines_;
  }
  line_has_text_ = false;
  space_ = false;
}

void RelaxedBodyHasher::Flush() {
  EVP_DigestUpdate(hash_->ctx, out_.data(), out_.size());
  out_.clear();
}

void RelaxedBodyHasher::Update(std::string_view piece) {
  std::size_t i = 0;
  while (i < piece.size()) {
    const char c = piece[i];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') {
        EndLine();
        ++i;
        continue;
      }
      Char('\r');
    }
    if (c == '\r') {
      after_cr_ = true;
      ++i;
    } else if (IsWsp(c)) {
      space_ = true;
      ++i;
    } else {
      // A run of ordinary bytes: the first settles what was held back, the rest go as
      // they are.
      std::size_t end = i + 1;
      while (end < piece.size() && piece[end] != '\r' && !IsWsp(piece[end])) ++end;
      Char(c);
      out_.append(piece.data() + i + 1, end - i - 1);
      i = end;
    }
    if (out_.size() >= 64 * 1024) Flush();
  }
}

std::string RelaxedBodyHasher::Final() {
  if (after_cr_) Char('\r');
  after_cr_ = false;
  if (line_has_text_) out_ += "\r\n";
  Flush();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(hash_->ctx, digest, &size);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(digest), size));
}

std::string SignedData(const std::vector<HeaderField>& fields,
                       const std::vector<std::string>& signed_names,
                       const HeaderField& signature, Canon canon) {
  std::string out;
  std::vector<bool> used(fields.size(), false);
  for (const auto& name : signed_names) {
    const std::string wanted = AsciiLower(name);
    for (std::size_t i = fields.size(); i-- > 0;) {
      if (used[i] || AsciiLower(fields[i].name) != wanted) continue;
      used[i] = true;
      out += CanonicalHeader(fields[i], canon);
      break;
    }
  }
  std::string sig = CanonicalHeader({signature.name, WithoutB(signature.raw) + "\r\n"}, canon);
  sig.resize(sig.size() - 2);
  return out + sig;
}

struct DkimKey::Handle {
  Pkey pkey;
};

DkimKey::DkimKey(Algorithm algorithm, std::unique_ptr<Handle> handle)
    : algorithm_(algorithm), handle_(std::move(handle)) {}
DkimKey::DkimKey(DkimKey&&) noexcept = default;
DkimKey& DkimKey::operator=(DkimKey&&) noexcept = default;
DkimKey::~DkimKey() = default;

Result<DkimKey> DkimKey::Generate(Algorithm algorithm) {
  EVP_PKEY* raw = algorithm == Algorithm::kRsaSha256
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!raw) return MakeError(ErrorCode::kInternal, "key generation failed");
  return DkimKey(algorithm, std::make_unique<Handle>(Handle{Pkey(raw)}));
}

Result<DkimKey> DkimKey::FromPrivateDer(Algorithm algorithm, std::string_view der,
                                        bool for_tests) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkey pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) return MakeError(ErrorCode::kInvalidArgument, "is not a private key", "key");
  const int id = EVP_PKEY_get_base_id(pkey.get());
  if (algorithm == Algorithm::kRsaSha256) {
    if (id != EVP_PKEY_RSA) return MakeError(ErrorCode::kInvalidArgument, "is not an RSA key", "key");
    if (EVP_PKEY_get_bits(pkey.get()) < (for_tests ? 1024 : 2048)) {
      return MakeError(ErrorCode::kInvalidArgument, "is an RSA key under 2048 bits", "key");
    }
  } else if (id != EVP_PKEY_ED25519) {
    return MakeError(ErrorCode::kInvalidArgument, "is not an Ed25519 key", "key");
  }
  return DkimKey(algorithm, std::make_unique<Handle>(Handle{std::move(pkey)}));
}

std::string DkimKey::PrivateDer() const {
  PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(handle_->pkey.get());
  if (!info) return "";
  unsigned char* der = nullptr;
  const int n = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
  PKCS8_PRIV_KEY_INFO_free(info);
  if (n <= 0) return "";
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_clear_free(der, static_cast<std::size_t>(n));
  return out;
}

std::string DkimKey::PublicValue() const {
  if (algorithm_ == Algorithm::kEd25519Sha256) {
    unsigned char key[32];
    std::size_t n = sizeof key;
    if (EVP_PKEY_get_raw_public_key(handle_->pkey.get(), key, &n) != 1) return "";
    return Base64Encode(std::string_view(reinterpret_cast<char*>(key), n));
  }
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(handle_->pkey.get(), &der);
  if (n <= 0) return "";
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return Base64Encode(out);
}

std::string DkimKey::DnsRecord() const {
  return std::string("v=DKIM1; k=") +
         (algorithm_ == Algorithm::kRsaSha256 ? "rsa" : "ed25519") + "; p=" + PublicValue();
}

Result<std::string> DkimKey::Sign(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return MakeError(ErrorCode::kInternal, "out of memory");
  std::string input;
  const EVP_MD* md = nullptr;
  if (algorithm_ == Algorithm::kEd25519Sha256) {
    input = Sha256(data);  // RFC 8463: Ed25519 signs the SHA-256 of the data
  } else {
    input = data;
    md = EVP_sha256();
  }
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, handle_->pkey.get()) != 1) {
    return MakeError(ErrorCode::kInternal, "signing could not start");
  }
  std::size_t n = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &n, in, input.size()) != 1) {
    return MakeError(ErrorCode::kInternal, "signing failed");
  }
  std::string sig(n, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n, in,
                     input.size()) != 1) {
    return MakeError(ErrorCode::kInternal, "signing failed");
  }
  sig.resize(n);
  return Base64Encode(sig);
}

const std::vector<std::string>& DefaultSignedHeaders() {
  static const std::vector<std::string> kNames = {
      "from", "to", "cc", "subject", "date", "message-id", "reply-to", "in-reply-to",
      "references", "mime-version", "content-type", "content-transfer-encoding"};
  return kNames;
}

Result<std::string> SignMessage(const DkimKey& key, const SignRequest& request,
                                std::string_view message) {
  auto split = Split(message);
  if (!split.ok()) return std::move(split).error();
  const std::string_view header = message.substr(0, message.size() - split->body.size());
  return SignHeader(key, request, header, BodyHash(split->body, Canon::kRelaxed));
}

Result<std::string> SignHeader(const DkimKey& key, const SignRequest& request,
                               std::string_view header, const std::string& body_hash) {
  if (!IsDnsName(request.domain)) return MakeError(ErrorCode::kInvalidArgument, "is not a domain name", "domain");
  if (!IsDnsName(request.selector)) return MakeError(ErrorCode::kInvalidArgument, "is not a selector", "selector");
  auto split = Split(header);
  if (!split.ok()) return std::move(split).error();
  std::vector<std::string> names;
  for (const auto& name : DefaultSignedHeaders()) {
    for (const auto& f : split->fields) {
      if (AsciiLower(f.name) == name) names.push_back(name);  // each instance
    }
  }
  names.push_back("from");  // one more than there is: nobody can add a From
  // Folded so no line passes 78 characters: the h= list wraps between names.
  std::string field = std::string("DKIM-Signature: v=1; a=") + AlgorithmName(key.algorithm()) +
                      "; c=relaxed/relaxed;\r\n\td=" + request.domain + "; s=" +
                      request.selector + "; t=" + std::to_string(request.now) + ";\r\n\th=";
  std::size_t line = 3;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string part = names[i] + (i + 1 < names.size() ? ":" : ";");
    if (line + part.size() > 76) {
      field += "\r\n\t";
      line = 1;
    }
    field += part;
    line += part.size();
  }
  field += "\r\n\tbh=" + body_hash + ";\r\n\tb=";
  auto b = key.Sign(SignedData(split->fields, names, {"DKIM-Signature", field + "\r\n"},
                               Canon::kRelaxed));
  if (!b.ok()) return std::move(b).error();
  for (std::size_t i = 0; i < b->size(); i += 64) {
    field += (i ? "\r\n\t" : "") + b->substr(i, 64);
  }
  return field + "\r\n";
}

}  // namespace sealpost::dkim
