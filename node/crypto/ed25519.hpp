#pragma once
// Ed25519 (RFC 8032, pure, no prehash) through libsodium, which docs/PROTOCOLS.md §2 pins as the
// one consensus verifier: it rejects S >= L (malleability, kyber #427/#430), small-order A and
// R, and non-canonical A, and uses the cofactorless equation.
//
// Everything ios signs is domain-separated: the signed bytes are
// tag ‖ u32(len(chain_id)) ‖ chain_id ‖ body, so a signature made for one purpose, chain or
// shard can never be replayed as another (docs/PROTOCOLS.md §0.2, §2).
#include <cstdint>
#include <string_view>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/crypto/secret.hpp"

namespace ios::crypto {

using PublicKey = core::ByteArray<32>;
using Signature = core::ByteArray<64>;
using Seed = Secret<32>;

class SigningKey {
 public:
  // RFC 8032 key generation from a 32-byte seed.
  explicit SigningKey(const Seed& seed);

  const PublicKey& public_key() const { return public_key_; }
  Signature sign(core::ByteView message) const;
  // The raw 64-byte libsodium secret key (seed ‖ public key); for the VRF and CoSi code.
  const Secret<64>& expanded() const { return secret_; }

 private:
  Secret<64> secret_;
  PublicKey public_key_{};
};

bool verify(const PublicKey& key, core::ByteView message, const Signature& sig);

// One signature check as data, so it can be handed to another thread: protocol cores ask for
// batches of these with a Verify effect (docs/STYLE.md rule 7) instead of verifying on the thread
// that owns their state.
struct SignatureCheck {
  PublicKey key{};
  core::Bytes message;
  Signature signature{};
  bool operator==(const SignatureCheck&) const = default;
};
bool verify(const SignatureCheck& check);
// valid[i] = verify(checks[i]).
std::vector<bool> verify_each(const std::vector<SignatureCheck>& checks);

// tag ‖ u32(len(chain_id)) ‖ chain_id ‖ body.
core::Bytes tagged_message(std::string_view tag, core::ByteView chain_id, core::ByteView body);
Signature sign_tagged(const SigningKey& key, std::string_view tag, core::ByteView chain_id, core::ByteView body);
bool verify_tagged(const PublicKey& key, std::string_view tag, core::ByteView chain_id, core::ByteView body,
                   const Signature& sig);

// Proof of possession (docs/PROTOCOLS.md §3.3): sign_tagged("IOS/v1/pop", chain_id, pk ‖ u64(epoch)).
// It stops the rogue-key attack on CoSi aggregates (a key X − Σ honest keys announced without
// knowing its secret): only keys whose PoP verified may ever be aggregated. The chain id is
// bound (docs/security.md "Proof-of-possession replay across chains"), so a PoP published for one
// network cannot be replayed to register the key in another: each chain's genesis and rosters
// verify under their own id.
Signature make_pop(const SigningKey& key, core::ByteView chain_id, std::uint64_t registration_epoch);
bool verify_pop(const PublicKey& key, core::ByteView chain_id, std::uint64_t registration_epoch, const Signature& pop);

// The "chain" of the PoP a keystore carries: none. It shows that the file's keys belong
// together; no chain accepts it, since a chain's id is never empty (genesis.hpp).
inline constexpr core::ByteView keystore_pop_chain{};

}  // namespace ios::crypto
