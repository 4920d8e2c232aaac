// How fast can someone who holds a notice link and a copy of the database guess an
// escrow answer offline? (Issue 18.3.) Each guess is what an attacker must compute to
// test one answer against a stored recipient: for copies sealed before issue 18 (v1),
// HKDF of link secret and bare answer, then one AES-GCM unwrap; for copies sealed now
// (v2), Argon2id of the answer (the server's parameters) first. Prints guesses per
// second for each and the ratio. Not a test: nothing here fails on speed.
//   answer_guess_bench [seconds per scheme, default 5] [v2]
// With "v2", only the Argon2id scheme is timed (api_bench's Argon2id bound).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "crypto/password_hash.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "escrow/opener.h"
#include "escrow/sealer.h"

using namespace sealpost;

namespace {

// A recipient record as the database holds it, sealed with `answer`.
RecipientRecord Sealed(bool stretched, const SecretBytes& link_secret, const SecretBytes& data_key) {
  RecipientRecord r;
  r.id = "00000000000000000000000000000001";
  r.message_id = "00000000000000000000000000000002";
  r.kek_salt = RandomBytes(16);
  if (stretched) r.answer_kdf = Argon2ParamsName(Argon2Params{});  // the server's default
  auto answer_key = AnswerKey(r, "santas little helper");
  auto kek = DeriveRecipientKek(r, link_secret, *answer_key);
  r.wrapped_key = *BoxSeal(*kek, data_key.view(), WrapAad(r.message_id, r.id));
  return r;
}

double GuessesPerSecond(const RecipientRecord& r, const SecretBytes& link_secret, double seconds) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  long n = 0;
  for (;; ++n) {
    auto key = UnwrapMessageKey(r, link_secret, "guess " + std::to_string(n));
    if (key.ok()) std::abort();  // a wrong guess never opens it
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (elapsed >= seconds && n > 0) return (n + 1) / elapsed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  const SecretBytes link_secret = RandomSecret(32);
  const SecretBytes data_key = RandomSecret(32);
  const RecipientRecord v1 = Sealed(false, link_secret, data_key);
  const RecipientRecord v2 = Sealed(true, link_secret, data_key);
  // The right answer opens both (so the guesses above are real tests).
  if (!UnwrapMessageKey(v1, link_secret, "santas little helper").ok() ||
      !UnwrapMessageKey(v2, link_secret, "santas little helper").ok()) {
    std::fprintf(stderr, "the right answer did not open a record\n");
    return 1;
  }
  if (argc > 2 && std::string(argv[2]) == "v2") {
    std::printf("  v2 (Argon2id m=19 MiB t=2, then HKDF): %10.1f guesses/s\n",
                GuessesPerSecond(v2, link_secret, seconds));
    return 0;
  }
  const double before = GuessesPerSecond(v1, link_secret, seconds);
  const double after = GuessesPerSecond(v2, link_secret, seconds);
  std::printf("answer guesses with link + database, one core:\n");
  std::printf("  v1 (HKDF of the bare answer):        %12.0f guesses/s\n", before);
  std::printf("  v2 (Argon2id m=19 MiB t=2, then HKDF): %10.1f guesses/s\n", after);
  std::printf("  ratio v1/v2: %.0fx slower to guess\n", before / after);
  return 0;
}
