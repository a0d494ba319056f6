#pragma once
// One identity = one 32-byte master seed (docs/DESIGN.md §3, keystore row). Every key an identity
// uses is derived from it with libsodium's crypto_kdf (BLAKE2b keyed by the master seed,
// context "IOSKEYv1"), so a keystore holds a single secret and `--seed` devnets are
// reproducible byte for byte:
//
//   subkey 1  signing seed (32 bytes)  -> Ed25519 key pair (transactions, votes, CoSi)
//   subkey 2  VRF seed (32 bytes)      -> ECVRF-EDWARDS25519-SHA512-TAI key (RFC 9381); its
//                                         public key is the Ed25519 public key of that seed
//   subkey 3  64 bytes, reduced mod L  -> ristretto255 PVSS scalar x; public key x·B
//
// Separate sub-keys keep the schemes apart: a VRF proof or a PVSS decryption share can never
// be turned into an Ed25519 signature under the signing key (cross-protocol attacks), and
// the 64-byte wide reduction makes the PVSS scalar uniform mod L (no modulo bias).
//
// Accounts only sign: their PublicIdentity carries the signing key and zeros elsewhere.
// Validators also carry the VRF and PVSS public keys and a proof of possession of the
// signing key (docs/PROTOCOLS.md §3.3), which stops rogue-key attacks on CoSi aggregates. The PoP
// binds only the signing key and the registration epoch; binding the VRF and PVSS keys to
// it is the job of whatever signs the roster (genesis, registration transactions).
#include <cstdint>
#include <optional>
#include <string_view>

#include "node/core/bytes.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/crypto/secret.hpp"

namespace ios::crypto {

enum class KeyType { validator, account };

std::string_view to_string(KeyType type);
std::optional<KeyType> key_type_from_string(std::string_view text);

struct PublicIdentity {
  KeyType type = KeyType::account;
  PublicKey signing{};
  // Validators only; all zero for accounts.
  PublicKey vrf{};
  core::ByteArray<32> pvss{};  // ristretto255 point
  Signature pop{};             // make_pop(signing key, chain, pop_epoch): see verify_public_identity
  std::uint64_t pop_epoch = 0;

  bool operator==(const PublicIdentity&) const = default;
};

class Identity {
 public:
  // A fresh master seed from libsodium's CSPRNG (crypto::init() must have run).
  static Identity generate(KeyType type, std::uint64_t pop_epoch = 0);
  // Deterministic: the same seed, type and epoch give the same public identity.
  // pop_epoch is ignored for accounts.
  static Identity from_master_seed(KeyType type, const Secret<32>& seed, std::uint64_t pop_epoch = 0);

  const PublicIdentity& public_identity() const { return public_; }
  KeyType type() const { return public_.type; }
  const Secret<32>& master_seed() const { return master_; }

  Seed signing_seed() const;
  Seed vrf_seed() const;
  Secret<32> pvss_scalar() const;  // canonical ristretto255 scalar, never zero
  SigningKey signing_key() const { return SigningKey(signing_seed()); }
  // The public identity with its PoP made for `chain_id` (registration in a genesis or a
  // roster); public_identity() carries the keystore's, bound to no chain.
  PublicIdentity registration(core::ByteView chain_id) const;

 private:
  Identity(Secret<32> master, PublicIdentity pub) : master_(std::move(master)), public_(pub) {}

  Secret<32> master_;
  PublicIdentity public_;
};

// For identities read from files, rosters and peers. All keys must be canonical points
// outside the small-order subgroup (Ed25519 keys in the prime-order subgroup, the PVSS key a
// valid ristretto255 encoding); for validators the PoP must verify; for accounts the
// validator-only fields must be zero, so an account has exactly one representation.
// `chain_id` is the chain the PoP must be bound to (keystore_pop_chain for a keystore's own).
bool verify_public_identity(const PublicIdentity& identity, core::ByteView chain_id);

}  // namespace ios::crypto
