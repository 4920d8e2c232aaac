#include "forms/challenge.h"

#include <optional>

#include "base/encoding.h"
#include "crypto/primitives.h"
#include "crypto/random.h"

namespace sealpost::forms {
namespace {

// "v1.<shown at>.<bits>.<random, base64url>.<mac, base64url>"
struct Parsed {
  std::int64_t shown_at = 0;
  int bits = 0;
  std::string_view random;
  std::string_view mac;
  std::string_view signed_part;  // everything before the MAC's dot
};

std::optional<std::int64_t> Digits(std::string_view s, std::size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  std::int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::optional<Parsed> Parse(std::string_view text) {
  if (text.size() > 200 || text.substr(0, 3) != "v1.") return std::nullopt;
  std::string_view parts[4];
  std::string_view rest = text.substr(3);
  for (int i = 0; i < 3; ++i) {
    const auto dot = rest.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    parts[i] = rest.substr(0, dot);
    rest = rest.substr(dot + 1);
  }
  parts[3] = rest;
  auto shown = Digits(parts[0], 12);
  auto bits = Digits(parts[1], 2);
  if (!shown || !bits || parts[2].size() != 22 || parts[3].size() != 43) return std::nullopt;
  Parsed p;
  p.shown_at = *shown;
  p.bits = static_cast<int>(*bits);
  p.random = parts[2];
  p.mac = parts[3];
  p.signed_part = text.substr(0, text.size() - parts[3].size() - 1);
  return p;
}

std::string Mac(const SecretBytes& key, std::string_view form_id, std::string_view signed_part) {
  return Base64UrlEncode(
      HmacSha256(key, "form-challenge|" + std::string(form_id) + "|" + std::string(signed_part)));
}

int LeadingZeroBits(std::string_view digest) {
  int bits = 0;
  for (char c : digest) {
    const auto b = static_cast<unsigned char>(c);
    if (b == 0) {
      bits += 8;
      continue;
    }
    for (int i = 7; i >= 0 && !(b & (1 << i)); --i) ++bits;
    break;
  }
  return bits;
}

bool Holds(std::string_view challenge, std::string_view nonce, int bits) {
  return LeadingZeroBits(Sha256(std::string(challenge) + ":" + std::string(nonce))) >= bits;
}

}  // namespace

std::string IssueChallenge(const SecretBytes& key, std::string_view form_id, std::int64_t now,
                           const ChallengeRules& rules) {
  const std::string signed_part = "v1." + std::to_string(now) + "." + std::to_string(rules.bits) +
                                  "." + Base64UrlEncode(RandomBytes(16));
  return signed_part + "." + Mac(key, form_id, signed_part);
}

namespace {

Status Check(const SecretBytes& key, std::string_view form_id, std::string_view challenge,
             const std::string_view* nonce, std::int64_t now, const ChallengeRules& rules) {
  auto p = Parse(challenge);
  if (!p || !ConstantTimeEqual(p->mac, Mac(key, form_id, p->signed_part))) {
    return MakeError(ErrorCode::kInvalidArgument, "the form's challenge is not this server's",
                     "proof");
  }
  // The rules in force, not the ones written in the challenge, decide how hard it is.
  if (nonce && (p->bits < rules.bits || nonce->empty() || nonce->size() > 64 ||
                !Holds(challenge, *nonce, rules.bits))) {
    return MakeError(ErrorCode::kInvalidArgument, "the proof of work does not hold", "proof");
  }
  if (now - p->shown_at < rules.min_seconds) {
    return MakeError(ErrorCode::kFailedPrecondition, "sent sooner than a person fills it in",
                     "too_fast");
  }
  if (now - p->shown_at > rules.max_seconds) {
    return MakeError(ErrorCode::kFailedPrecondition, "the page was open too long", "expired");
  }
  return OkStatus();
}

}  // namespace

Status CheckChallenge(const SecretBytes& key, std::string_view form_id, std::string_view challenge,
                      std::string_view nonce, std::int64_t now, const ChallengeRules& rules) {
  return Check(key, form_id, challenge, &nonce, now, rules);
}

Status CheckChallengeWithoutProof(const SecretBytes& key, std::string_view form_id,
                                  std::string_view challenge, std::int64_t now,
                                  const ChallengeRules& rules) {
  return Check(key, form_id, challenge, nullptr, now, rules);
}

std::string ChallengeId(std::string_view challenge) {
  auto p = Parse(challenge);
  return p ? std::string(p->random) : std::string();
}

std::int64_t ChallengeExpiry(std::string_view challenge, const ChallengeRules& rules) {
  auto p = Parse(challenge);
  return p ? p->shown_at + rules.max_seconds : 0;
}

std::string SolveChallenge(std::string_view challenge, int bits) {
  for (std::uint64_t n = 0;; ++n) {
    std::string nonce = std::to_string(n);
    if (Holds(challenge, nonce, bits)) return nonce;
  }
}

}  // namespace sealpost::forms
