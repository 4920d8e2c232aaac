// Messages written in the console and waiting for their sender's last word: the review
// page shows how each recipient will get it (the policy engine's plan) and asks for a
// question where one is needed, and only then is it sent. Until then the message waits
// here — its fields in memory, its files already sealed in the draft's encrypted blobs
// — for a bounded time, a few per sender, a bounded number in all. A composition that
// times out or is discarded is destroyed with its draft, which removes its blobs.
// Held in this process's memory: a restart loses what waits (the sender writes it again).
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "escrow/sealer.h"
#include "submission/submission.h"

namespace sealpost::portal {

struct HeldComposition {
  std::string owner;  // the console user's address: nobody else's requests find it
  submission::Submission message;
  std::unique_ptr<Draft> draft;
  std::int64_t held_at = 0;
};

class HeldCompositions {
 public:
  struct Limits {
    std::int64_t lifetime_seconds = 60 * 60;
    std::size_t per_owner = 5;  // holding one more drops the owner's oldest
    std::size_t total = 500;
  };
  HeldCompositions(const Clock& clock, Limits limits) : clock_(clock), limits_(limits) {}

  // Holds `c`; returns the id that finds it (random, unguessable). kResourceExhausted
  // when the server holds its limit already.
  Result<std::string> Hold(HeldComposition c);
  // Takes `id` out while it is sent (a second click finds nothing); Return puts it back
  // when the sender must still change something. Null: no such composition of `owner`'s
  // (another's, timed out, or sent).
  std::unique_ptr<HeldComposition> Take(const std::string& id, const std::string& owner);
  void Return(const std::string& id, std::unique_ptr<HeldComposition> c);
  std::size_t size() const;

 private:
  void DropExpired();  // mu_ held

  const Clock& clock_;
  const Limits limits_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<HeldComposition>> held_;
};

}  // namespace sealpost::portal
