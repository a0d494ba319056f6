#pragma once
// Keys for simulated runs: identities drawn from a seeded stream, so a run's keys replay with
// its seed (docs/STYLE.md rule 8).
#include "node/crypto/identity.hpp"
#include "node/crypto/random.hpp"

namespace ios::sim {

inline crypto::Identity identity_from(crypto::ChaChaRng& rng, crypto::KeyType type) {
  crypto::Secret<32> seed;
  rng.fill({seed.data(), seed.size()});
  return crypto::Identity::from_master_seed(type, seed, 0);
}

}  // namespace ios::sim
