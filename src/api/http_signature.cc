#include "api/http_signature.h"

#include <map>

#include "base/encoding.h"
#include "crypto/primitives.h"

namespace sealpost::api {
namespace {

constexpr std::size_t kMaxSignatures = 4;
constexpr std::size_t kMaxComponents = 32;
constexpr std::size_t kMaxFieldBytes = 8 * 1024;

Error Malformed(std::string_view field, std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument, std::string(field) + ": " + std::string(why),
                   std::string(field));
}

// A bare item of RFC 8941 §3.3, kept as it would be serialized again.
struct BareItem {
  enum class Kind { kInteger, kString, kToken, kBytes, kBoolean } kind = Kind::kBoolean;
  std::int64_t integer = 0;
  std::string text;  // string, token; bytes: decoded
  bool boolean = true;
};

struct Parameter {
  std::string key;
  BareItem value;
};

struct Member {
  std::string key;
  bool inner_list = false;
  std::vector<BareItem> items;  // inner list items (each without parameters)
  BareItem item;                // a single item
  std::vector<Parameter> params;
};

// RFC 8941 §4.2, for the dictionaries signatures use. Items in inner lists may not
// have parameters (RFC 9421 component parameters such as ;sf are not supported).
class Parser {
 public:
  Parser(std::string_view text, std::string_view field) : s_(text), field_(field) {}

  Result<std::vector<Member>> Dictionary() {
    std::vector<Member> out;
    SkipSp();
    if (Done()) return out;
    for (;;) {
      auto key = Key();
      if (!key.ok()) return std::move(key).error();
      Member m;
      m.key = std::move(*key);
      if (Peek() == '=') {
        ++i_;
        if (Peek() == '(') {
          m.inner_list = true;
          if (auto s = InnerList(m.items); !s.ok()) return std::move(s).error();
        } else {
          auto item = Item();
          if (!item.ok()) return std::move(item).error();
          m.item = std::move(*item);
        }
      }
      if (auto s = Parameters(m.params); !s.ok()) return std::move(s).error();
      out.push_back(std::move(m));
      SkipOws();
      if (Done()) return out;
      if (Peek() != ',') return Malformed(field_, "expected \",\" between members");
      ++i_;
      SkipOws();
      if (Done()) return Malformed(field_, "a trailing \",\"");
    }
  }

 private:
  bool Done() const { return i_ >= s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[i_]; }
  void SkipSp() {
    while (Peek() == ' ') ++i_;
  }
  void SkipOws() {
    while (Peek() == ' ' || Peek() == '\t') ++i_;
  }
  static bool LcAlpha(char c) { return c >= 'a' && c <= 'z'; }
  static bool Digit(char c) { return c >= '0' && c <= '9'; }
  static bool Alpha(char c) { return LcAlpha(c) || (c >= 'A' && c <= 'Z'); }
  static bool TChar(char c) {
    return Alpha(c) || Digit(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  }

  Result<std::string> Key() {
    if (!(LcAlpha(Peek()) || Peek() == '*'))
      return Malformed(field_, "a key must start with a-z or *");
    std::string key;
    while (LcAlpha(Peek()) || Digit(Peek()) || Peek() == '_' || Peek() == '-' || Peek() == '.' ||
           Peek() == '*') {
      key.push_back(s_[i_++]);
    }
    return key;
  }

  Status InnerList(std::vector<BareItem>& items) {
    ++i_;  // (
    for (;;) {
      SkipSp();
      if (Peek() == ')') {
        ++i_;
        return OkStatus();
      }
      if (items.size() >= kMaxComponents) return Malformed(field_, "too many items");
      auto item = Item();
      if (!item.ok()) return std::move(item).error();
      if (Peek() == ';') return Malformed(field_, "component parameters are not supported");
      items.push_back(std::move(*item));
      if (Peek() != ' ' && Peek() != ')') return Malformed(field_, "expected \" \" or \")\"");
    }
  }

  Status Parameters(std::vector<Parameter>& params) {
    while (Peek() == ';') {
      ++i_;
      SkipSp();
      auto key = Key();
      if (!key.ok()) return std::move(key).error();
      BareItem value;  // boolean true when no value is given
      if (Peek() == '=') {
        ++i_;
        auto item = Item();
        if (!item.ok()) return std::move(item).error();
        value = std::move(*item);
      }
      for (const auto& p : params) {
        if (p.key == *key) return Malformed(field_, "a parameter given twice");
      }
      params.push_back({std::move(*key), std::move(value)});
    }
    return OkStatus();
  }

  Result<BareItem> Item() {
    BareItem item;
    const char c = Peek();
    if (c == '-' || Digit(c)) {
      item.kind = BareItem::Kind::kInteger;
      bool negative = c == '-';
      if (negative) ++i_;
      std::size_t digits = 0;
      std::int64_t v = 0;
      while (Digit(Peek())) {
        if (++digits > 15) return Malformed(field_, "an integer too long");
        v = v * 10 + (s_[i_++] - '0');
      }
      if (digits == 0) return Malformed(field_, "a malformed integer");
      if (Peek() == '.') return Malformed(field_, "decimals are not expected");
      item.integer = negative ? -v : v;
    } else if (c == '"') {
      item.kind = BareItem::Kind::kString;
      ++i_;
      for (;;) {
        if (Done()) return Malformed(field_, "an unterminated string");
        char ch = s_[i_++];
        if (ch == '\\') {
          if (Peek() != '"' && Peek() != '\\') return Malformed(field_, "a bad escape in a string");
          item.text.push_back(s_[i_++]);
        } else if (ch == '"') {
          break;
        } else if (ch < 0x20 || ch > 0x7e) {
          return Malformed(field_, "a string with a character it may not have");
        } else {
          item.text.push_back(ch);
        }
      }
    } else if (c == ':') {
      item.kind = BareItem::Kind::kBytes;
      ++i_;
      const std::size_t end = s_.find(':', i_);
      if (end == std::string_view::npos) return Malformed(field_, "an unterminated byte sequence");
      auto decoded = Base64Decode(s_.substr(i_, end - i_));
      if (!decoded) return Malformed(field_, "a byte sequence that is not base64");
      item.text = std::move(*decoded);
      i_ = end + 1;
    } else if (c == '?') {
      item.kind = BareItem::Kind::kBoolean;
      ++i_;
      if (Peek() != '0' && Peek() != '1') return Malformed(field_, "a malformed boolean");
      item.boolean = s_[i_++] == '1';
    } else if (Alpha(c) || c == '*') {
      item.kind = BareItem::Kind::kToken;
      while (TChar(Peek()) || Peek() == ':' || Peek() == '/') item.text.push_back(s_[i_++]);
    } else {
      return Malformed(field_, "an item of no known type");
    }
    return item;
  }

  std::string_view s_;
  std::string_view field_;
  std::size_t i_ = 0;
};

std::string SerializeString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

std::string Serialize(const BareItem& item) {
  switch (item.kind) {
    case BareItem::Kind::kInteger:
      return std::to_string(item.integer);
    case BareItem::Kind::kString:
      return SerializeString(item.text);
    case BareItem::Kind::kToken:
      return item.text;
    case BareItem::Kind::kBytes:
      return ":" + Base64Encode(item.text) + ":";
    case BareItem::Kind::kBoolean:
      return item.boolean ? "?1" : "?0";
  }
  return "";
}

}  // namespace

Result<std::vector<SignedMember>> ParseSignatures(std::string_view signature_input,
                                                  std::string_view signature) {
  if (signature_input.size() > kMaxFieldBytes || signature.size() > kMaxFieldBytes) {
    return MakeError(ErrorCode::kInvalidArgument, "signature fields too long", "Signature-Input");
  }
  auto inputs = Parser(signature_input, "Signature-Input").Dictionary();
  if (!inputs.ok()) return std::move(inputs).error();
  auto signatures = Parser(signature, "Signature").Dictionary();
  if (!signatures.ok()) return std::move(signatures).error();
  if (inputs->empty()) return Malformed("Signature-Input", "no signature is described");
  if (inputs->size() > kMaxSignatures) return Malformed("Signature-Input", "too many signatures");
  std::vector<SignedMember> out;
  for (const auto& m : *inputs) {
    if (!m.inner_list) return Malformed("Signature-Input", "each member must be an inner list");
    SignedMember signed_member;
    SignatureInput& in = signed_member.input;
    in.label = m.key;
    in.serialized = "(";
    for (std::size_t i = 0; i < m.items.size(); ++i) {
      const BareItem& item = m.items[i];
      if (item.kind != BareItem::Kind::kString) {
        return Malformed("Signature-Input", "components must be strings");
      }
      for (const auto& seen : in.components) {
        if (seen == item.text) return Malformed("Signature-Input", "a component given twice");
      }
      in.components.push_back(item.text);
      if (i > 0) in.serialized += " ";
      in.serialized += SerializeString(item.text);
    }
    in.serialized += ")";
    for (const auto& p : m.params) {
      const auto want = [&](BareItem::Kind kind) -> Status {
        if (p.value.kind != kind)
          return Malformed("Signature-Input", p.key + " has the wrong type");
        return OkStatus();
      };
      Status typed = OkStatus();
      if (p.key == "created" || p.key == "expires") {
        typed = want(BareItem::Kind::kInteger);
        (p.key == "created" ? in.created : in.expires) = p.value.integer;
      } else if (p.key == "nonce" || p.key == "keyid" || p.key == "alg" || p.key == "tag") {
        typed = want(BareItem::Kind::kString);
        if (p.key == "nonce") in.nonce = p.value.text;
        if (p.key == "keyid") in.keyid = p.value.text;
        if (p.key == "alg") in.alg = p.value.text;
      }
      if (!typed.ok()) return std::move(typed).error();
      in.serialized += ";" + p.key;
      if (!(p.value.kind == BareItem::Kind::kBoolean && p.value.boolean)) {
        in.serialized += "=" + Serialize(p.value);
      }
    }
    const Member* sig = nullptr;
    for (const auto& s : *signatures) {
      if (s.key == m.key) sig = &s;
    }
    if (!sig || sig->inner_list || sig->item.kind != BareItem::Kind::kBytes) {
      return Malformed("Signature", "no byte sequence for the signature " + m.key);
    }
    signed_member.signature = sig->item.text;
    out.push_back(std::move(signed_member));
  }
  return out;
}

Result<std::string> SignatureBase(const SignedRequestView& r, const SignatureInput& input) {
  std::string base;
  for (const auto& name : input.components) {
    std::string value;
    if (name == "@method") {
      value = r.method;
    } else if (name == "@target-uri") {
      value = r.scheme + "://" + r.authority + r.path + (r.query.empty() ? "" : "?" + r.query);
    } else if (name == "@authority") {
      value = r.authority;
    } else if (name == "@scheme") {
      value = r.scheme;
    } else if (name == "@path") {
      value = r.path;
    } else if (name == "@query") {
      value = "?" + r.query;
    } else if (name == "@request-target") {
      value = r.path + (r.query.empty() ? "" : "?" + r.query);
    } else if (!name.empty() && name[0] == '@') {
      return MakeError(ErrorCode::kInvalidArgument, "the component " + name + " is not supported",
                       "Signature-Input");
    } else {
      bool lower = true;
      for (char c : name) lower = lower && !(c >= 'A' && c <= 'Z');
      auto field = lower ? r.field(name) : std::nullopt;
      if (!field) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "the signed field " + name + " is not in the request", "Signature-Input");
      }
      value = std::move(*field);
    }
    base += SerializeString(name) + ": " + value + "\n";
  }
  base += "\"@signature-params\": " + input.serialized;
  return base;
}

std::string HmacSignature(const SecretBytes& key, std::string_view base) {
  return HmacSha256(key, base);
}

bool HmacSignatureMatches(const SecretBytes& key, std::string_view base,
                          std::string_view signature) {
  return ConstantTimeEqual(HmacSha256(key, base), signature);
}

Result<std::string> ContentDigestSha256(std::string_view field) {
  if (field.size() > kMaxFieldBytes) return Malformed("Content-Digest", "too long");
  auto members = Parser(field, "Content-Digest").Dictionary();
  if (!members.ok()) return std::move(members).error();
  for (const auto& m : *members) {
    if (m.key != "sha-256") continue;
    if (m.inner_list || m.item.kind != BareItem::Kind::kBytes || m.item.text.size() != 32) {
      return Malformed("Content-Digest", "sha-256 must be a 32-byte byte sequence");
    }
    return m.item.text;
  }
  return Malformed("Content-Digest", "a sha-256 digest is required");
}

}  // namespace sealpost::api
