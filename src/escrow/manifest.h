// The manifest of a sealed message: everything about it that is content (addresses,
// subject, bodies, attachment names and digests). It is stored only inside the
// message's encrypted manifest blob, together with the organisation's Ed25519
// signature over it, so the signature covers every byte the recipient is shown.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace sealpost {

struct AttachmentInfo {
  std::string blob_id;
  std::string filename;
  std::string content_type;
  std::uint64_t size = 0;
  std::string sha256;  // raw 32 bytes of the plaintext
};

struct Manifest {
  std::string message_id;
  std::string from;
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::string subject;
  std::string text;
  std::string html;
  std::int64_t created_at = 0;
  std::vector<AttachmentInfo> attachments;
};

std::string ManifestToJson(const Manifest& manifest);
Result<Manifest> ManifestFromJson(std::string_view json);

// The bytes the organisation signs: a domain-separation prefix, the message id, and
// the manifest's JSON exactly as stored.
std::string ManifestSigningInput(const std::string& message_id, std::string_view manifest_json);

// What the manifest blob holds: the manifest JSON, its signature and the signing key id.
struct SignedManifest {
  std::string manifest_json;
  std::string signature;  // 64 bytes
  std::string key_id;
};

std::string SignedManifestToJson(const SignedManifest& signed_manifest);
Result<SignedManifest> SignedManifestFromJson(std::string_view json);

}  // namespace sealpost
