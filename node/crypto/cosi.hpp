#pragma once
// CoSi collective Schnorr signatures that verify as plain Ed25519: Syta et al., "Keeping
// Authorities Honest or Bust with Decentralized Witness Cosigning", IEEE S&P 2016;
// docs/PROTOCOLS.md §3. We use the kyber `sign/cosi` convention (docs/PROTOCOLS.md §3.2): the challenge
// hashes the aggregate key of the PARTICIPANTS, and the mask is an inclusion mask (bit i set =
// roster member i signed; bit i is bit i%8 of byte i/8). Hence (V, r) is an RFC 8032 signature
// under A_M = Σ_{i∈M} A_i and libsodium's crypto_sign_verify_detached checks it unchanged.
//
// The round (announcement, commitment, challenge, response):
//   witness i:  V_i = v_i·B with a fresh random v_i            CosiSigner::commit
//   leader:     V = Σ V_i, A_M = Σ_{i∈M} A_i,                   sum_commitments, aggregate_key
//               c = SHA-512(V ‖ A_M ‖ message) mod L            make_challenge
//   witness i:  recompute c, then r_i = v_i + c·a_i mod L       CosiSigner::respond
//   subtree:    Σ r_i·B == Σ V_i + c·Σ A_i                      sum_responses, verify_partial
//   anyone:     mask fits roster, enough signers, Ed25519 verify of V ‖ r under A_M   cosi_verify
//
// Invariants:
//   - Only a CosiKey can be aggregated, and a CosiKey exists only after its proof of possession
//     verified and the key was found to be a prime-order point (CosiKey::admit).
//   - A CosiSigner holds at most one open commitment; v_i lives in guarded memory, is drawn
//     fresh from an Rng for every attempt (never derived from key and message), and is erased
//     by the one response it produces, by a refused challenge, or by abandon().
//   - The leader fixes the participant set M before computing c and never changes it; a witness
//     that committed but did not respond forces a restart with fresh commitments (no
//     "exception" lists, docs/PROTOCOLS.md §3.2).
//   - Decoded signatures are canonical: r < L, V a prime-order point, mask padding bits zero,
//     mask length exactly ⌈n/8⌉.
//
// Attacks this stops:
//   - the rogue-key attack (docs/PROTOCOLS.md §3.3): a member announcing A_evil = X − Σ A_honest
//     would make the aggregate X, which it alone can sign for. It cannot produce a proof of
//     possession for A_evil, so CosiKey::admit refuses it and it never enters a sum;
//   - nonce reuse: two responses with the same v_i and different c reveal a_i; v_i is random
//     per attempt and erased after one response, including across a restarted round;
//   - concurrent-session forgeries (Drijvers et al., eprint 2018/417; Benhamouda et al., ROS,
//     eprint 2020/945): two-round Schnorr multisignatures fall to Wagner/ROS when many
//     sessions are open at once. A signer here has at most ONE open commitment, so sessions
//     are strictly sequential per key (commit while one is open aborts);
//   - a lying leader: each witness recomputes c from (V, A_M, message) and refuses a mismatch
//     (the dedis CoSi draft's MUST-abort);
//   - threshold inflation: duplicate keys among the participants are refused, so mask.count()
//     is the number of distinct signers; the policy (signers_min) is checked before the math;
//   - malleable and non-canonical encodings (r ≥ L, torsion or small-order V, padding bits).
//
// The challenge carries no domain tag of its own because it must be exactly Ed25519's; the
// caller signs domain-separated bytes (tagged_message in ed25519.hpp, docs/PROTOCOLS.md §0.2).
// The open commitment is deliberately never persisted: after a crash it is lost and the round
// restarts with a fresh commitment, which is safe (a lost v can never be used twice).
#include <cstddef>
#include <cstdint>
#include <span>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/core/rng.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/crypto/secret.hpp"

namespace ios::crypto {

// The largest roster a mask or a collective signature may describe (8 KiB of mask).
inline constexpr std::size_t cosi_roster_size_max = 1u << 16;
inline constexpr std::uint8_t cosi_signature_version = 1;

// A roster member's Ed25519 key whose proof of possession verified. Immutable; the only
// constructor is admit(), so nothing else can put a key into an aggregate (rogue-key defence).
class CosiKey {
 public:
  // bad_point if `key` is not a canonical prime-order point (small order, torsion component,
  // identity, or not on the curve); bad_signature if `pop` is not make_pop(key, chain_id, pop_epoch).
  static core::Result<CosiKey> admit(const PublicKey& key, core::ByteView chain_id, std::uint64_t pop_epoch,
                                     const Signature& pop);

  const PublicKey& public_key() const { return key_; }
  bool operator==(const CosiKey&) const = default;

 private:
  explicit CosiKey(const PublicKey& key) : key_(key) {}
  PublicKey key_;
};

// Inclusion mask over a roster of size() members: bit i set = member i participates.
// Encoded as ⌈n/8⌉ bytes, bit i = bit (i % 8) of byte i / 8; unused high bits of the last
// byte must be zero.
class CosiMask {
 public:
  CosiMask() = default;
  explicit CosiMask(std::size_t size);  // nobody participates; size <= cosi_roster_size_max
  static CosiMask full(std::size_t size);

  std::size_t size() const { return size_; }
  bool contains(std::size_t i) const;          // i < size()
  void set(std::size_t i, bool participates);  // i < size()
  std::size_t count() const;

  const core::Bytes& encode() const { return bytes_; }
  // Refuses a length other than ⌈size/8⌉ (truncated / trailing_bytes), set padding bits
  // (non_canonical) and size > cosi_roster_size_max (length_over_limit).
  static core::Result<CosiMask> decode(core::ByteView bytes, std::size_t size);

  bool operator==(const CosiMask&) const = default;

 private:
  std::size_t size_ = 0;
  core::Bytes bytes_;
};

// A_M = Σ of the roster keys enabled in `mask` (crypto_core_ed25519_add). Refuses
// (bad_signature) a mask whose size differs from the roster's or that enables nobody;
// (duplicate) the same key enabled twice; (bad_point) a sum that is the identity.
core::Result<PublicKey> aggregate_key(std::span<const CosiKey> roster, const CosiMask& mask);

// A roster with the sum of all its keys precomputed. libsodium adds encoded points only, so
// every addition pays two decodings and an encoding; when every member of an N-roster checks
// a collective signature, summing the enabled keys costs N² additions in total. From the
// total, the aggregate of a mostly-full mask costs one subtraction per absent member.
class CosiRoster {
 public:
  CosiRoster() = default;  // empty; aggregate() refuses every mask
  // Refuses an empty roster and a key listed twice (it would count as two signers).
  static core::Result<CosiRoster> create(std::vector<CosiKey> keys);

  std::span<const CosiKey> keys() const { return keys_; }
  std::size_t size() const { return keys_.size(); }
  // Same result and refusals as aggregate_key(keys(), mask).
  core::Result<PublicKey> aggregate(const CosiMask& mask) const;

 private:
  std::vector<CosiKey> keys_;
  PublicKey total_{};
};

// What the leader broadcasts in the challenge phase. V and A_M travel with c so that every
// witness can recompute c (docs/PROTOCOLS.md §0.5: verifiers never trust the challenge sent).
struct CosiChallenge {
  core::ByteArray<32> aggregate_commitment;  // V = Σ V_i over the participants
  PublicKey aggregate_key;                   // A_M
  core::ByteArray<32> c;                     // SHA-512(V ‖ A_M ‖ message) mod L
};

// Leader: c = SHA-512(V ‖ A_M ‖ message) reduced mod L (the RFC 8032 challenge).
CosiChallenge make_challenge(const core::ByteArray<32>& aggregate_commitment, const PublicKey& aggregate_key,
                             core::ByteView message);
// Witness: bad_proof unless challenge.c is the c recomputed from its V, A_M and `message`.
core::Status check_challenge(const CosiChallenge& challenge, core::ByteView message);

// One roster member's signing side. Holds a copy of the Ed25519 secret scalar
// a = clamp(SHA-512(seed)[0:32]) mod L and at most one open commitment, both in guarded
// memory. Not copyable or movable: a copy would duplicate an open commitment, and two
// responses from one v reveal a.
//
// Sessions are strictly sequential (Drijvers et al. 2018/417, ROS 2020/945): commit() while a
// commitment is open is a bug in the driver and aborts (IOS_ASSERT). A challenge, however,
// comes from a peer, so respond() without an open commitment (a second or late challenge) is
// a typed rejection, not an abort.
class CosiSigner {
 public:
  explicit CosiSigner(const SigningKey& key);
  CosiSigner(const CosiSigner&) = delete;
  CosiSigner& operator=(const CosiSigner&) = delete;

  const PublicKey& public_key() const { return public_key_; }
  bool has_open_commitment() const { return open_; }

  // Draws a fresh v (64 bytes from `rng`, reduced mod L), keeps it, returns V = v·B.
  // Aborts if a commitment is already open.
  core::ByteArray<32> commit(core::Rng& rng);

  // Recomputes c (check_challenge) and returns r = v + c·a mod L, erasing v. Rejects:
  // duplicate if no commitment is open (already answered, abandoned, or never made);
  // bad_proof if c does not match, and then the commitment is erased too: the witness aborts
  // the round, and a restart needs a fresh commit().
  core::Result<core::ByteArray<32>> respond(const CosiChallenge& challenge, core::ByteView message);

  // Erases an open commitment (the round restarts without a signer that did not respond).
  // Harmless when none is open.
  void abandon();

 private:
  Secret<32> a_;  // secret scalar mod L
  Secret<32> v_;  // open commitment secret; all zeros when none is open
  bool open_ = false;
  PublicKey public_key_{};
};

// V = Σ V_i. Each commitment must be a prime-order point (bad_point), the list non-empty
// (bad_point), and the sum not the identity (bad_point).
core::Result<core::ByteArray<32>> sum_commitments(std::span<const core::ByteArray<32>> commitments);
// r = Σ r_i mod L. Each response must be canonical, < L (bad_scalar); the list non-empty.
core::Result<core::ByteArray<32>> sum_responses(std::span<const core::ByteArray<32>> responses);

// A subtree root's check of its aggregate: r_sub·B == V_sub + c·A_sub. bad_scalar for c or
// r_sub ≥ L; bad_point for V_sub or A_sub not a prime-order point; bad_signature if the
// equation fails (including r_sub = 0, which no honest subtree produces except with
// probability 2^-252).
core::Status verify_partial(const core::ByteArray<32>& v_sub, const PublicKey& a_sub, const core::ByteArray<32>& c,
                            const core::ByteArray<32>& r_sub);

struct CollectiveSignature {
  core::ByteArray<32> V;
  core::ByteArray<32> r;
  CosiMask mask;

  bool operator==(const CollectiveSignature&) const = default;
};

// Canonical encoding: u8 version (1) ‖ V (32) ‖ r (32) ‖ u32 n ‖ mask (⌈n/8⌉ bytes).
core::Bytes encode(const CollectiveSignature& sig);
// Refuses unknown versions, truncation, trailing bytes, n > cosi_roster_size_max,
// r ≥ L (bad_scalar), V not a prime-order point (bad_point), set mask padding bits.
core::Result<CollectiveSignature> decode_collective_signature(core::ByteView bytes);

// V ‖ r: the plain Ed25519 signature under aggregate_key(roster, sig.mask).
Signature as_ed25519(const CollectiveSignature& sig);

// Full verification: the mask has exactly roster.size() bits; at least signers_min members
// participate (bad_signature naming both counts otherwise); A_M from the mask; then
// crypto_sign_verify_detached(V ‖ r, message, A_M) — plain Ed25519 (bad_signature).
core::Status cosi_verify(const CosiRoster& roster, core::ByteView message, const CollectiveSignature& sig,
                         std::size_t signers_min);
core::Status cosi_verify(std::span<const CosiKey> roster, core::ByteView message, const CollectiveSignature& sig,
                         std::size_t signers_min);

}  // namespace ios::crypto
