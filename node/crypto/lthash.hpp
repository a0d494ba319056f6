#pragma once
// LtHash16: an incremental, homomorphic hash of a multiset (Lewi, Kim, Maykov, Weis,
// "Securing Update Propagation with Homomorphic Hashing", eprint 2019/227; Bellare and
// Micciancio 1997). The hash of a set is the lane-wise sum, mod 2^16, of a 1024-lane vector
// per element; adding or removing an element costs one element hash, whatever the set size.
// The ledger uses it for its UTXO set, so a final block's state digest costs O(changes) and
// not O(UTXO set) (node/ledger/README.md).
//
// Element vector: ChaCha20 keystream (libsodium crypto_stream_chacha20) of 2,048 bytes under
// the key SHA-256("IOS/v1/lthash" ‖ element), read as 1024 little-endian u16 lanes.
// Security rests on the hardness of finding a short combination of lane vectors summing to
// zero (SIS); the paper's parameters for lthash16 are these: 1024 lanes of 16 bits. The
// additive "AdHash" with one small modulus falls to Wagner's generalized birthday attack;
// that is why the vector is wide.
//
// Invariants: add(x) then remove(x) restores the previous value exactly; the order of
// additions does not matter; the empty multiset hashes to all-zero lanes.
#include <array>
#include <cstdint>

#include "node/core/bytes.hpp"

namespace ios::crypto {

class LtHash {
 public:
  static constexpr std::size_t lanes = 1024;

  void add(core::ByteView element);
  void remove(core::ByteView element);
  // SHA-256("IOS/v1/lthash-digest" ‖ lanes as little-endian bytes).
  core::Hash32 digest() const;
  bool operator==(const LtHash&) const = default;

 private:
  std::array<std::uint16_t, lanes> sum_{};
};

}  // namespace ios::crypto
