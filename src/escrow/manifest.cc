#include "escrow/manifest.h"

#include <boost/json.hpp>

#include "base/encoding.h"

namespace sealpost {
namespace json = boost::json;
namespace {

Error Corrupt(const std::string& what) {
  return MakeError(ErrorCode::kIntegrity, "manifest is malformed: " + what);
}

json::array Strings(const std::vector<std::string>& v) {
  json::array out;
  for (const auto& s : v) out.emplace_back(s);
  return out;
}

bool GetString(const json::object& o, const char* key, std::string& out) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}

bool GetStrings(const json::object& o, const char* key, std::vector<std::string>& out) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_array()) return false;
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) return false;
    out.emplace_back(item.get_string());
  }
  return true;
}

bool GetInt(const json::object& o, const char* key, std::int64_t& out) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_int64()) return false;
  out = v->get_int64();
  return true;
}

Result<json::object> ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Corrupt("not a JSON object");
  return std::move(v.get_object());
}

}  // namespace

std::string ManifestToJson(const Manifest& m) {
  json::array attachments;
  for (const auto& a : m.attachments) {
    attachments.push_back(json::object{{"blob", a.blob_id},
                                       {"filename", a.filename},
                                       {"content_type", a.content_type},
                                       {"size", a.size},
                                       {"sha256", HexEncode(a.sha256)}});
  }
  json::object o{{"v", 1},
                 {"id", m.message_id},
                 {"from", m.from},
                 {"to", Strings(m.to)},
                 {"cc", Strings(m.cc)},
                 {"subject", m.subject},
                 {"text", m.text},
                 {"html", m.html},
                 {"created_at", m.created_at},
                 {"attachments", std::move(attachments)}};
  return json::serialize(o);
}

Result<Manifest> ManifestFromJson(std::string_view text) {
  auto parsed = ParseObject(text);
  if (!parsed.ok()) return std::move(parsed).error();
  const json::object& o = *parsed;
  Manifest m;
  if (!GetString(o, "id", m.message_id) || !GetString(o, "from", m.from) ||
      !GetStrings(o, "to", m.to) || !GetStrings(o, "cc", m.cc) ||
      !GetString(o, "subject", m.subject) || !GetString(o, "text", m.text) ||
      !GetString(o, "html", m.html) || !GetInt(o, "created_at", m.created_at)) {
    return Corrupt("missing fields");
  }
  auto* list = o.if_contains("attachments");
  if (!list || !list->is_array()) return Corrupt("no attachment list");
  for (const auto& item : list->get_array()) {
    if (!item.is_object()) return Corrupt("attachment is not an object");
    const auto& a = item.get_object();
    AttachmentInfo info;
    std::string sha_hex;
    std::int64_t size = 0;
    if (!GetString(a, "blob", info.blob_id) || !GetString(a, "filename", info.filename) ||
        !GetString(a, "content_type", info.content_type) || !GetString(a, "sha256", sha_hex)) {
      return Corrupt("attachment fields");
    }
    auto* sv = a.if_contains("size");
    if (sv && sv->is_uint64()) size = static_cast<std::int64_t>(sv->get_uint64());
    else if (!GetInt(a, "size", size) || size < 0) return Corrupt("attachment size");
    info.size = static_cast<std::uint64_t>(size);
    auto sha = HexDecode(sha_hex);
    if (!sha || sha->size() != 32) return Corrupt("attachment digest");
    info.sha256 = *sha;
    m.attachments.push_back(std::move(info));
  }
  return m;
}

std::string ManifestSigningInput(const std::string& message_id, std::string_view manifest_json) {
  std::string input = "sealpost/manifest/v1\n";
  input += message_id;
  input += '\n';
  input += manifest_json;
  return input;
}

std::string SignedManifestToJson(const SignedManifest& s) {
  return json::serialize(json::object{{"manifest", s.manifest_json},
                                      {"signature", Base64Encode(s.signature)},
                                      {"key_id", s.key_id}});
}

Result<SignedManifest> SignedManifestFromJson(std::string_view text) {
  auto parsed = ParseObject(text);
  if (!parsed.ok()) return std::move(parsed).error();
  SignedManifest s;
  std::string sig64;
  if (!GetString(*parsed, "manifest", s.manifest_json) ||
      !GetString(*parsed, "signature", sig64) || !GetString(*parsed, "key_id", s.key_id)) {
    return Corrupt("signed envelope fields");
  }
  auto sig = Base64Decode(sig64);
  if (!sig) return Corrupt("signature encoding");
  s.signature = *sig;
  return s;
}

}  // namespace sealpost
