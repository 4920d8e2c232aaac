#include "pki/openpgp.h"

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "base/byte_stream.h"
#include "base/clock.h"
#include "base/text.h"
#include "crypto/primitives.h"

namespace sealpost::pki {
namespace {

constexpr std::size_t kMaxKeyBytes = 1024 * 1024;  // a key with many signatures is still small

struct FfiFree {
  void operator()(rnp_ffi_st* p) const { rnp_ffi_destroy(p); }
};
struct InputFree {
  void operator()(rnp_input_st* p) const { rnp_input_destroy(p); }
};
struct OutputFree {
  void operator()(rnp_output_st* p) const { rnp_output_destroy(p); }
};
struct KeyFree {
  void operator()(rnp_key_handle_st* p) const { rnp_key_handle_destroy(p); }
};
struct UidFree {
  void operator()(rnp_uid_handle_st* p) const { rnp_uid_handle_destroy(p); }
};
struct EncryptFree {
  void operator()(rnp_op_encrypt_st* p) const { rnp_op_encrypt_destroy(p); }
};
struct IteratorFree {
  void operator()(rnp_identifier_iterator_st* p) const { rnp_identifier_iterator_destroy(p); }
};
using Ffi = std::unique_ptr<rnp_ffi_st, FfiFree>;
using Input = std::unique_ptr<rnp_input_st, InputFree>;
using Output = std::unique_ptr<rnp_output_st, OutputFree>;
using Key = std::unique_ptr<rnp_key_handle_st, KeyFree>;
using Uid = std::unique_ptr<rnp_uid_handle_st, UidFree>;

// A string RNP allocated, freed by RNP.
struct RnpString {
  char* p = nullptr;
  ~RnpString() { rnp_buffer_destroy(p); }
  std::string str() const { return p ? std::string(p) : std::string(); }
};

Error RnpError(rnp_result_t code, const char* what) {
  return MakeError(ErrorCode::kInternal, std::string("OpenPGP: ") + what + ": " +
                                             rnp_result_to_string(code));
}

Error Refused(std::string reason) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(reason), "key");
}

// A context of our own, its clock set to the caller's. (RNP prints parse diagnostics to
// stderr itself; they name packet types, never key or message content.)
Result<Ffi> NewFfi(std::int64_t now) {
  rnp_ffi_t raw = nullptr;
  if (auto rc = rnp_ffi_create(&raw, "GPG", "GPG"); rc != RNP_SUCCESS) {
    return RnpError(rc, "cannot create a context");
  }
  Ffi ffi(raw);
  if (now > 0) (void)rnp_set_timestamp(ffi.get(), static_cast<std::uint64_t>(now));
  return ffi;
}

Result<Input> MemoryInput(std::string_view data) {
  rnp_input_t raw = nullptr;
  auto rc = rnp_input_from_memory(&raw, reinterpret_cast<const std::uint8_t*>(data.data()),
                                  data.size(), false);
  if (rc != RNP_SUCCESS) return RnpError(rc, "cannot read input");
  return Input(raw);
}

Result<Output> MemoryOutput() {
  rnp_output_t raw = nullptr;
  if (auto rc = rnp_output_to_memory(&raw, 0); rc != RNP_SUCCESS) {
    return RnpError(rc, "cannot allocate output");
  }
  return Output(raw);
}

std::string OutputBytes(rnp_output_t out) {
  std::uint8_t* buf = nullptr;
  std::size_t len = 0;
  if (rnp_output_memory_get_buf(out, &buf, &len, false) != RNP_SUCCESS) return {};
  return std::string(reinterpret_cast<const char*>(buf), len);
}

// The fingerprints of the primary keys a context holds.
std::vector<std::string> PrimaryFingerprints(rnp_ffi_t ffi) {
  std::vector<std::string> out;
  rnp_identifier_iterator_t raw = nullptr;
  if (rnp_identifier_iterator_create(ffi, &raw, "fingerprint") != RNP_SUCCESS) return out;
  std::unique_ptr<rnp_identifier_iterator_st, IteratorFree> it(raw);
  const char* id = nullptr;
  while (rnp_identifier_iterator_next(it.get(), &id) == RNP_SUCCESS && id != nullptr) {
    rnp_key_handle_t key = nullptr;
    if (rnp_locate_key(ffi, "fingerprint", id, &key) != RNP_SUCCESS || key == nullptr) continue;
    Key holder(key);
    bool primary = false;
    if (rnp_key_is_primary(key, &primary) == RNP_SUCCESS && primary) out.emplace_back(id);
  }
  return out;
}

// Loads exactly one key (primary with its subkeys) into a fresh context.
Result<Key> LoadOneKey(rnp_ffi_t ffi, std::string_view data, std::uint32_t what) {
  if (data.empty() || data.size() > kMaxKeyBytes) {
    return Refused("is not an OpenPGP key (empty, or larger than 1 MiB)");
  }
  auto input = MemoryInput(data);
  if (!input.ok()) return std::move(input).error();
  if (rnp_import_keys(ffi, input->get(), what, nullptr) != RNP_SUCCESS) {
    return Refused("is not an OpenPGP key: it could not be read as an armored or binary key");
  }
  auto primaries = PrimaryFingerprints(ffi);
  if (primaries.empty()) return Refused("holds no OpenPGP primary key (only subkeys or signatures)");
  if (primaries.size() > 1) {
    return Refused("holds " + std::to_string(primaries.size()) + " keys; give one key per address");
  }
  rnp_key_handle_t key = nullptr;
  if (auto rc = rnp_locate_key(ffi, "fingerprint", primaries[0].c_str(), &key);
      rc != RNP_SUCCESS || key == nullptr) {
    return RnpError(rc, "key vanished after import");
  }
  return Key(key);
}

std::string Fingerprint(rnp_key_handle_t key) {
  RnpString fp;
  (void)rnp_key_get_fprint(key, &fp.p);
  return fp.str();
}

bool Flag(rnp_result_t (*fn)(rnp_key_handle_t, bool*), rnp_key_handle_t key) {
  bool v = false;
  return fn(key, &v) == RNP_SUCCESS && v;
}

// When the key stops being usable: 0 never, else the unix time; -1 was never valid.
std::int64_t ValidTill(rnp_key_handle_t key) {
  std::uint64_t till = 0;
  if (rnp_key_valid_till64(key, &till) != RNP_SUCCESS || till == 0) return -1;
  if (till == std::numeric_limits<std::uint64_t>::max()) return 0;
  return static_cast<std::int64_t>(till);
}

// The address in a user id "Name <addr>", or the user id itself when it is a bare address.
std::string AddressOfUserId(std::string_view uid) {
  auto open = uid.rfind('<');
  auto close = uid.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(TrimWhitespace(uid.substr(open + 1, close - open - 1)));
  }
  return std::string(TrimWhitespace(uid));
}

struct UidInfo {
  std::string text;
  bool valid = false;
  bool revoked = false;
};

std::vector<UidInfo> UserIds(rnp_key_handle_t key) {
  std::vector<UidInfo> out;
  std::size_t count = 0;
  if (rnp_key_get_uid_count(key, &count) != RNP_SUCCESS) return out;
  for (std::size_t i = 0; i < count; ++i) {
    rnp_uid_handle_t raw = nullptr;
    if (rnp_key_get_uid_handle_at(key, i, &raw) != RNP_SUCCESS || raw == nullptr) continue;
    Uid uid(raw);
    std::uint32_t type = 0;
    if (rnp_uid_get_type(raw, &type) != RNP_SUCCESS || type != RNP_USER_ID) continue;
    RnpString text;
    if (rnp_key_get_uid_at(key, i, &text.p) != RNP_SUCCESS) continue;
    UidInfo info;
    info.text = text.str();
    (void)rnp_uid_is_valid(raw, &info.valid);
    (void)rnp_uid_is_revoked(raw, &info.revoked);
    out.push_back(std::move(info));
  }
  return out;
}

std::string Describe(rnp_key_handle_t key) {
  RnpString alg;
  (void)rnp_key_get_alg(key, &alg.p);
  std::uint32_t bits = 0;
  (void)rnp_key_get_bits(key, &bits);
  return alg.str() + (bits ? " " + std::to_string(bits) : "");
}

// A key (the primary or a subkey) that may encrypt at `now`: not revoked, not expired.
struct EncryptionKey {
  std::string description;
  std::int64_t valid_till = 0;
};
std::optional<EncryptionKey> UsableEncryptionKey(rnp_key_handle_t primary, std::int64_t now) {
  auto usable = [&](rnp_key_handle_t k) -> std::optional<EncryptionKey> {
    bool allows = false;
    if (rnp_key_allows_usage(k, "encrypt", &allows) != RNP_SUCCESS || !allows) return std::nullopt;
    if (Flag(rnp_key_is_revoked, k) || !Flag(rnp_key_is_valid, k)) return std::nullopt;
    const std::int64_t till = ValidTill(k);
    if (till < 0 || (till > 0 && till <= now)) return std::nullopt;
    return EncryptionKey{Describe(k), till};
  };
  std::optional<EncryptionKey> best;
  std::size_t count = 0;
  (void)rnp_key_get_subkey_count(primary, &count);
  for (std::size_t i = 0; i < count; ++i) {
    rnp_key_handle_t raw = nullptr;
    if (rnp_key_get_subkey_at(primary, i, &raw) != RNP_SUCCESS || raw == nullptr) continue;
    Key sub(raw);
    if (auto found = usable(sub.get()); found) best = found;  // the newest usable subkey
  }
  if (!best) best = usable(primary);
  return best;
}

Result<std::string> Export(rnp_key_handle_t key, std::uint32_t flags) {
  auto out = MemoryOutput();
  if (!out.ok()) return std::move(out).error();
  if (auto rc = rnp_key_export(key, out->get(), flags); rc != RNP_SUCCESS) {
    return RnpError(rc, "cannot export the key");
  }
  return OutputBytes(out->get());
}

// Common checks of a primary key at `now`.
Status CheckPrimary(rnp_key_handle_t key, std::int64_t now) {
  if (Flag(rnp_key_is_revoked, key)) {
    RnpString reason;
    (void)rnp_key_get_revocation_reason(key, &reason.p);
    std::string why = SanitizeForLog(reason.str(), 120);
    return Refused("is revoked" + (why.empty() ? std::string() : " (\"" + why + "\")"));
  }
  const std::int64_t till = ValidTill(key);
  if (till > 0 && till <= now) {
    return Refused("expired on " + FormatRfc3339(till));
  }
  if (till < 0 || !Flag(rnp_key_is_valid, key)) {
    return Refused("is not valid: its self-signatures are missing or do not verify");
  }
  return OkStatus();
}

}  // namespace

Result<PgpPublicKey> ReadPgpPublicKey(std::string_view data, std::string_view address,
                                      std::int64_t now) {
  auto ffi = NewFfi(now);
  if (!ffi.ok()) return std::move(ffi).error();
  auto key = LoadOneKey(ffi->get(), data, RNP_LOAD_SAVE_PUBLIC_KEYS);
  if (!key.ok()) return std::move(key).error();
  rnp_key_handle_t k = key->get();
  auto primary = CheckPrimary(k, now);
  if (!primary.ok()) return std::move(primary).error();

  PgpPublicKey out;
  out.fingerprint = Fingerprint(k);
  bool names_address = false;
  std::vector<std::string> named;
  for (const auto& uid : UserIds(k)) {
    if (!uid.valid || uid.revoked) continue;
    out.user_ids.push_back(uid.text);
    named.push_back(AddressOfUserId(uid.text));
    if (AsciiLower(named.back()) == AsciiLower(address)) names_address = true;
  }
  if (out.user_ids.empty()) return Refused("has no valid user id");
  if (!names_address) {
    std::string list;
    for (const auto& n : named) list += (list.empty() ? "" : ", ") + SanitizeForLog(n, 100);
    return Refused("is for " + list + ", not for " + std::string(address));
  }
  auto enc = UsableEncryptionKey(k, now);
  if (!enc) return Refused("has no key that may encrypt and is neither expired nor revoked");
  out.algorithm = enc->description;
  out.expires_at = enc->valid_till;
  auto exported = Export(k, RNP_KEY_EXPORT_PUBLIC | RNP_KEY_EXPORT_SUBKEYS);
  if (!exported.ok()) return std::move(exported).error();
  out.transferable_key = std::move(*exported);
  return out;
}

namespace {

Result<PgpSigningKey> SigningKeyFrom(rnp_key_handle_t k, std::int64_t now) {
  auto primary = CheckPrimary(k, now);
  if (!primary.ok()) return std::move(primary).error();
  bool can_sign = false;
  if (rnp_key_allows_usage(k, "sign", &can_sign) != RNP_SUCCESS || !can_sign) {
    return Refused("cannot sign (its primary key has no signing usage)");
  }
  if (!Flag(rnp_key_have_secret, k)) return Refused("is a public key; a signing key needs its secret part");
  if (Flag(rnp_key_is_protected, k)) {
    return Refused("is protected by a password; export it without one (gpg --export-secret-keys "
                   "after removing the passphrase) so the server can sign unattended");
  }
  PgpSigningKey out;
  out.fingerprint = Fingerprint(k);
  RnpString uid;
  (void)rnp_key_get_primary_uid(k, &uid.p);
  out.user_id = uid.str();
  auto pub = Export(k, RNP_KEY_EXPORT_PUBLIC | RNP_KEY_EXPORT_SUBKEYS | RNP_KEY_EXPORT_ARMORED);
  if (!pub.ok()) return std::move(pub).error();
  out.public_armored = std::move(*pub);
  auto secret = Export(k, RNP_KEY_EXPORT_SECRET | RNP_KEY_EXPORT_SUBKEYS);
  if (!secret.ok()) return std::move(secret).error();
  out.secret_key = SecretBytes(secret->data(), secret->size());
  WipeMemory(secret->data(), secret->size());
  return out;
}

}  // namespace

Result<PgpSigningKey> GeneratePgpSigningKey(std::string_view user_id, std::int64_t now) {
  auto ffi = NewFfi(now);
  if (!ffi.ok()) return std::move(ffi).error();
  const std::string uid(user_id);
  rnp_key_handle_t raw = nullptr;
  if (auto rc = rnp_generate_key_25519(ffi->get(), uid.c_str(), nullptr, &raw);
      rc != RNP_SUCCESS) {
    return RnpError(rc, "cannot generate a key");
  }
  Key key(raw);
  // RNP's default is two years; an organisation key is replaced deliberately (with the
  // CLI), not by surprise on a weekend.
  (void)rnp_key_set_expiration(key.get(), 0);
  std::size_t subkeys = 0;
  (void)rnp_key_get_subkey_count(key.get(), &subkeys);
  for (std::size_t i = 0; i < subkeys; ++i) {
    rnp_key_handle_t sub = nullptr;
    if (rnp_key_get_subkey_at(key.get(), i, &sub) != RNP_SUCCESS || sub == nullptr) continue;
    Key holder(sub);
    (void)rnp_key_set_expiration(sub, 0);
  }
  return SigningKeyFrom(key.get(), now);
}

Result<PgpSigningKey> ReadPgpSigningKey(std::string_view data, std::int64_t now) {
  auto ffi = NewFfi(now);
  if (!ffi.ok()) return std::move(ffi).error();
  auto key = LoadOneKey(ffi->get(), data, RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS);
  if (!key.ok()) return std::move(key).error();
  return SigningKeyFrom(key->get(), now);
}

namespace {

// RNP pulls the plaintext and pushes the armored message through these; the first
// error of either side is kept, to be told instead of RNP's generic one.
struct StreamEnds {
  SourceReader in;
  ByteSink& out;
  std::optional<Error> error;
};

bool ReadPlaintext(void* app, void* buf, std::size_t len, std::size_t* read) {
  auto* ends = static_cast<StreamEnds*>(app);
  auto n = ends->in.Read(static_cast<char*>(buf), len);
  if (!n.ok()) {
    ends->error = std::move(n).error();
    return false;
  }
  *read = *n;
  return true;
}

bool WriteMessage(void* app, const void* buf, std::size_t len) {
  auto* ends = static_cast<StreamEnds*>(app);
  auto s = ends->out.Write(std::string_view(static_cast<const char*>(buf), len));
  if (!s.ok()) {
    ends->error = std::move(s).error();
    return false;
  }
  return true;
}

// Encrypts in `ffi` to `recipient`, signed by `signer` when it is given: AES-256,
// ASCII-armored, streamed from `plaintext` into `out`.
Status EncryptIn(rnp_ffi_t ffi, ByteSource& plaintext, rnp_key_handle_t recipient,
                 rnp_key_handle_t signer, ByteSink& out) {
  StreamEnds ends{SourceReader(plaintext), out, std::nullopt};
  rnp_input_t raw_in = nullptr;
  if (auto rc = rnp_input_from_callback(&raw_in, ReadPlaintext, nullptr, &ends); rc != RNP_SUCCESS) {
    return RnpError(rc, "cannot read input");
  }
  Input input(raw_in);
  rnp_output_t raw_out = nullptr;
  if (auto rc = rnp_output_to_callback(&raw_out, WriteMessage, nullptr, &ends); rc != RNP_SUCCESS) {
    return RnpError(rc, "cannot make output");
  }
  Output output(raw_out);
  rnp_op_encrypt_t raw = nullptr;
  if (auto rc = rnp_op_encrypt_create(&raw, ffi, input.get(), output.get()); rc != RNP_SUCCESS) {
    return RnpError(rc, "cannot start encryption");
  }
  std::unique_ptr<rnp_op_encrypt_st, EncryptFree> op(raw);
  if (auto rc = rnp_op_encrypt_add_recipient(op.get(), recipient); rc != RNP_SUCCESS) {
    return RnpError(rc, "the recipient's key cannot encrypt");
  }
  if (signer != nullptr) {
    if (auto rc = rnp_op_encrypt_add_signature(op.get(), signer, nullptr); rc != RNP_SUCCESS) {
      return RnpError(rc, "cannot sign with the organisation's key");
    }
    (void)rnp_op_encrypt_set_hash(op.get(), "SHA256");
  }
  (void)rnp_op_encrypt_set_armor(op.get(), true);
  if (auto rc = rnp_op_encrypt_set_cipher(op.get(), "AES256"); rc != RNP_SUCCESS) {
    return RnpError(rc, "AES-256 is not available");
  }
  // Integrity-protected (MDC) packets without AEAD: what GnuPG 2.2 and every mail
  // client reads. Uncompressed: the content is mostly compressed attachments anyway.
  (void)rnp_op_encrypt_set_aead(op.get(), "None");
  (void)rnp_op_encrypt_set_compression(op.get(), "Uncompressed", 0);
  auto rc = rnp_op_encrypt_execute(op.get());
  // The output flushes what it still holds when it goes.
  op.reset();
  output.reset();
  if (ends.error) return std::move(*ends.error);
  if (rc != RNP_SUCCESS) return RnpError(rc, "encryption failed");
  return OkStatus();
}

// The key of `fingerprint` in `ffi`; with `secret`, only if its secret part is there.
Result<Key> Locate(rnp_ffi_t ffi, const std::string& fingerprint, bool secret) {
  rnp_key_handle_t k = nullptr;
  if (rnp_locate_key(ffi, "fingerprint", fingerprint.c_str(), &k) != RNP_SUCCESS || !k) {
    return RnpError(RNP_ERROR_KEY_NOT_FOUND, "key vanished from its context");
  }
  Key key(k);
  if (secret && !Flag(rnp_key_have_secret, k)) {
    return RnpError(RNP_ERROR_NO_SUITABLE_KEY, "no secret signing key");
  }
  return key;
}

}  // namespace

Status PgpEncrypt(ByteSource& plaintext, const std::string& recipient_key, const SecretBytes* signer,
                  std::int64_t now, ByteSink& out) {
  auto ffi = NewFfi(now);
  if (!ffi.ok()) return std::move(ffi).error();
  auto recipient = LoadOneKey(ffi->get(), recipient_key, RNP_LOAD_SAVE_PUBLIC_KEYS);
  if (!recipient.ok()) return std::move(recipient).error();
  const std::string recipient_fp = Fingerprint(recipient->get());
  Key signing;
  if (signer != nullptr) {
    auto signer_input = MemoryInput(signer->view());
    if (!signer_input.ok()) return std::move(signer_input).error();
    auto rc = rnp_import_keys(ffi->get(), signer_input->get(),
                              RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS, nullptr);
    if (rc != RNP_SUCCESS) return RnpError(rc, "cannot load the signing key");
    for (const auto& fp : PrimaryFingerprints(ffi->get())) {
      if (fp == recipient_fp) continue;
      auto k = Locate(ffi->get(), fp, /*secret=*/true);
      if (k.ok()) signing = std::move(*k);
    }
    if (!signing) return RnpError(RNP_ERROR_NO_SUITABLE_KEY, "no secret signing key");
  }
  return EncryptIn(ffi->get(), plaintext, recipient->get(), signing.get(), out);
}

Result<std::string> PgpEncrypt(std::string_view plaintext, const std::string& recipient_key,
                               const SecretBytes* signer, std::int64_t now) {
  std::string armored;
  StringSink out(armored);
  auto in = ViewSource(plaintext);
  if (auto s = PgpEncrypt(*in, recipient_key, signer, now, out); !s.ok()) return std::move(s).error();
  return armored;
}

// A context kept for reuse, with the keys read into it so far: each key's bytes (by
// SHA-256) → its primary fingerprint. Keys are read and checked once per context, and
// the context's random generator is seeded once.
struct PgpEncryptor::Context {
  Ffi ffi;
  std::int64_t created = 0;
  std::map<std::string, std::string> fingerprint_of;  // SHA-256 of key bytes → fingerprint
  std::set<std::string> primaries;                    // every primary read in so far
};

PgpEncryptor::PgpEncryptor(std::size_t max_keys, std::int64_t max_age_seconds)
    : max_keys_(max_keys), max_age_seconds_(max_age_seconds) {}

PgpEncryptor::~PgpEncryptor() = default;

std::unique_ptr<PgpEncryptor::Context> PgpEncryptor::Take(std::int64_t now) const {
  {
    std::lock_guard lock(mu_);
    while (!idle_.empty()) {
      std::unique_ptr<Context> c = std::move(idle_.back());
      idle_.pop_back();
      // An old context goes: what it judged of its keys (validity, expiry) is renewed.
      if (now - c->created < max_age_seconds_ && c->fingerprint_of.size() < max_keys_) return c;
    }
  }
  auto ffi = NewFfi(now);
  if (!ffi.ok()) return nullptr;
  auto c = std::make_unique<Context>();
  c->ffi = std::move(*ffi);
  c->created = now;
  return c;
}

void PgpEncryptor::Give(std::unique_ptr<Context> context) const {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(context));
}

// The primary fingerprint of `data` in `c`, read in the first time it is met: one
// primary key (with its subkeys) that is new to the context.
static Result<std::string> KeyIn(PgpEncryptor::Context& c, std::string_view data,
                                 std::uint32_t what) {
  const std::string digest = Sha256(data);
  auto known = c.fingerprint_of.find(digest);
  if (known != c.fingerprint_of.end()) return known->second;
  if (data.empty() || data.size() > kMaxKeyBytes) return Refused("is not an OpenPGP key");
  auto input = MemoryInput(data);
  if (!input.ok()) return std::move(input).error();
  if (rnp_import_keys(c.ffi.get(), input->get(), what, nullptr) != RNP_SUCCESS) {
    return Refused("is not an OpenPGP key: it could not be read as an armored or binary key");
  }
  std::vector<std::string> fresh;
  for (auto& fp : PrimaryFingerprints(c.ffi.get())) {
    if (c.primaries.insert(fp).second) fresh.push_back(std::move(fp));
  }
  // None new: these bytes merged into a key read before under other bytes; more than
  // one: not one key. The caller does this one in a context of its own.
  if (fresh.size() != 1) return MakeError(ErrorCode::kFailedPrecondition, "not one new key");
  c.fingerprint_of.emplace(digest, fresh[0]);
  return fresh[0];
}

Status PgpEncryptor::Encrypt(ByteSource& plaintext, const std::string& recipient_key,
                             const SecretBytes* signer, std::int64_t now, ByteSink& out) const {
  std::unique_ptr<Context> c = Take(now);
  if (!c) return PgpEncrypt(plaintext, recipient_key, signer, now, out);
  (void)rnp_set_timestamp(c->ffi.get(), static_cast<std::uint64_t>(now));
  auto recipient_fp = KeyIn(*c, recipient_key, RNP_LOAD_SAVE_PUBLIC_KEYS);
  Result<std::string> signer_fp = std::string();
  if (recipient_fp.ok() && signer != nullptr) {
    signer_fp = KeyIn(*c, signer->view(), RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS);
  }
  if (!recipient_fp.ok() || !signer_fp.ok()) {
    // A context that read something it could not place is not reused. (Nothing was
    // read from `plaintext` yet.)
    return PgpEncrypt(plaintext, recipient_key, signer, now, out);
  }
  auto recipient = Locate(c->ffi.get(), *recipient_fp, false);
  if (!recipient.ok()) return std::move(recipient).error();
  Key signing;
  if (signer != nullptr) {
    auto k = Locate(c->ffi.get(), *signer_fp, true);
    if (!k.ok()) return std::move(k).error();
    signing = std::move(*k);
  }
  auto done = EncryptIn(c->ffi.get(), plaintext, recipient->get(), signing.get(), out);
  recipient->reset();
  signing.reset();
  if (done.ok()) Give(std::move(c));
  return done;
}

Result<std::string> PgpEncryptor::Encrypt(std::string_view plaintext,
                                          const std::string& recipient_key,
                                          const SecretBytes* signer, std::int64_t now) const {
  std::string armored;
  StringSink out(armored);
  auto in = ViewSource(plaintext);
  if (auto s = Encrypt(*in, recipient_key, signer, now, out); !s.ok()) return std::move(s).error();
  return armored;
}

Result<std::string> ArmorPgpPublicKey(std::string_view binary) {
  auto in = MemoryInput(binary);
  if (!in.ok()) return std::move(in).error();
  auto out = MemoryOutput();
  if (!out.ok()) return std::move(out).error();
  if (auto rc = rnp_enarmor(in->get(), out->get(), "public key"); rc != RNP_SUCCESS) {
    return RnpError(rc, "cannot armor the key");
  }
  return OutputBytes(out->get());
}

}  // namespace sealpost::pki
