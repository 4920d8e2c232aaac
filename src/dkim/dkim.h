// DKIM signing (RFC 6376) with RSA-SHA256 and Ed25519-SHA256 (RFC 8463), so receivers
// can tell that mail from an organisation's domain really left its gateway.
// The message functions are pure: canonicalisation, body hash, what a signature covers.
// DkimKey holds one private key (OpenSSL) and signs with it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealpost::dkim {

enum class Algorithm { kRsaSha256, kEd25519Sha256 };
const char* AlgorithmName(Algorithm a);  // "rsa-sha256", "ed25519-sha256"
Result<Algorithm> ParseAlgorithm(std::string_view text);  // also "rsa", "ed25519"

enum class Canon { kSimple, kRelaxed };

// One header field as it stands in the message: its name and every byte of it, folds
// and the final CRLF included.
struct HeaderField {
  std::string name;
  std::string raw;
};

struct SplitMessage {
  std::vector<HeaderField> fields;
  std::string_view body;  // after the empty line (a view into the message)
};

// kInvalidArgument for a header that is not CRLF-terminated fields, or is too large.
Result<SplitMessage> Split(std::string_view message);

// RFC 6376 §3.4.1, §3.4.2 (the result ends with CRLF).
std::string CanonicalHeader(const HeaderField& field, Canon canon);
// RFC 6376 §3.4.3, §3.4.4.
std::string CanonicalBody(std::string_view body, Canon canon);
// bh=: base64 of the SHA-256 of the canonical body.
std::string BodyHash(std::string_view body, Canon canon);

// The relaxed bh= of a body given piece by piece, for messages too large to hold: the
// same as BodyHash(whole, kRelaxed) however the body is cut. Holds back only what it
// cannot judge yet (a CR, a run of spaces, a count of empty lines).
class RelaxedBodyHasher {
 public:
  RelaxedBodyHasher();
  ~RelaxedBodyHasher();
  RelaxedBodyHasher(const RelaxedBodyHasher&) = delete;
  RelaxedBodyHasher& operator=(const RelaxedBodyHasher&) = delete;
  void Update(std::string_view piece);
  std::string Final();  // base64

 private:
  struct Sha256;  // OpenSSL's: several times libsodium's speed where the CPU has SHA-NI
  void Char(char c);
  void EndLine();
  void Flush();
  std::unique_ptr<Sha256> hash_;
  std::string out_;            // canonical bytes not hashed yet
  std::uint64_t empty_lines_ = 0;  // held back: they count only if more text follows
  bool space_ = false;         // a run of WSP not written yet
  bool line_has_text_ = false;
  bool after_cr_ = false;
};

// What a signature covers (RFC 6376 §3.7): the fields named in `signed_names`, each
// occurrence taken from the bottom up (a name with no instance left adds nothing), then
// `signature` with its b= value removed and without its final CRLF.
std::string SignedData(const std::vector<HeaderField>& fields,
                       const std::vector<std::string>& signed_names,
                       const HeaderField& signature, Canon canon);

class DkimKey {
 public:
  // A new key: RSA-2048 or Ed25519.
  static Result<DkimKey> Generate(Algorithm algorithm);
  // From PKCS#8 DER (what PrivateDer returns). kInvalidArgument when it is not a key of
  // `algorithm`, or an RSA key under 2048 bits (1024 only `for_tests`: the RFC vectors).
  static Result<DkimKey> FromPrivateDer(Algorithm algorithm, std::string_view der,
                                        bool for_tests = false);
  DkimKey(DkimKey&&) noexcept;
  DkimKey& operator=(DkimKey&&) noexcept;
  ~DkimKey();

  Algorithm algorithm() const { return algorithm_; }
  std::string PrivateDer() const;  // secret: seal before storing
  // p= of the DNS record: the SubjectPublicKeyInfo (RSA) or the raw key (Ed25519), base64.
  std::string PublicValue() const;
  // The TXT record's text: "v=DKIM1; k=rsa; p=...".
  std::string DnsRecord() const;
  // b=: RSA PKCS#1 v1.5 over SHA-256 of `data`; Ed25519 over SHA-256 of `data`
  // (RFC 8463 §3). Base64, unfolded.
  Result<std::string> Sign(std::string_view data) const;

 private:
  struct Handle;
  DkimKey(Algorithm algorithm, std::unique_ptr<Handle> handle);
  Algorithm algorithm_;
  std::unique_ptr<Handle> handle_;
};

// The header fields sealpost signs, when present; "from" twice, so no From can be
// added after signing (RFC 6376 §8.15).
const std::vector<std::string>& DefaultSignedHeaders();

struct SignRequest {
  std::string domain;    // d=
  std::string selector;  // s=
  std::int64_t now = 0;  // t=
};

// The DKIM-Signature field (relaxed/relaxed) to put at the top of `message`, CRLF-ended.
Result<std::string> SignMessage(const DkimKey& key, const SignRequest& request,
                                std::string_view message);
// The same for a message given as its header (its fields, each CRLF-ended) and the
// relaxed hash of its body (RelaxedBodyHasher).
Result<std::string> SignHeader(const DkimKey& key, const SignRequest& request,
                               std::string_view header, const std::string& body_hash);

}  // namespace sealpost::dkim
