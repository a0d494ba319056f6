#include "node/crypto/identity.hpp"

#include <sodium.h>

#include <algorithm>

namespace ios::crypto {

namespace {

// crypto_kdf contexts are exactly 8 bytes; "v1" lets a future derivation scheme coexist.
constexpr char kdf_context[] = "IOSKEYv1";
static_assert(sizeof(kdf_context) - 1 == crypto_kdf_CONTEXTBYTES);
static_assert(crypto_kdf_KEYBYTES == 32);
static_assert(crypto_core_ristretto255_NONREDUCEDSCALARBYTES == 64);
static_assert(crypto_core_ristretto255_SCALARBYTES == 32);

// Sub-key ids are part of the on-disk format: never renumber them.
constexpr std::uint64_t subkey_signing = 1;
constexpr std::uint64_t subkey_vrf = 2;
constexpr std::uint64_t subkey_pvss = 3;

template <std::size_t N>
Secret<N> derive(const Secret<32>& master, std::uint64_t subkey_id) {
  static_assert(N >= crypto_kdf_BYTES_MIN && N <= crypto_kdf_BYTES_MAX);
  Secret<N> out;
  IOS_ASSERT(crypto_kdf_derive_from_key(out.data(), N, subkey_id, kdf_context, master.data()) == 0);
  return out;
}

Secret<32> pvss_scalar_from(const Secret<32>& master) {
  Secret<64> wide = derive<64>(master, subkey_pvss);
  Secret<32> scalar;
  crypto_core_ristretto255_scalar_reduce(scalar.data(), wide.data());
  return scalar;
}

template <std::size_t N>
bool all_zero(const core::ByteArray<N>& a) {
  return std::all_of(a.begin(), a.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace

std::string_view to_string(KeyType type) {
  switch (type) {
    case KeyType::validator:
      return "validator";
    case KeyType::account:
      return "account";
  }
  return "unknown";
}

std::optional<KeyType> key_type_from_string(std::string_view text) {
  if (text == "validator") return KeyType::validator;
  if (text == "account") return KeyType::account;
  return std::nullopt;
}

Identity Identity::generate(KeyType type, std::uint64_t pop_epoch) {
  Secret<32> seed;
  randombytes_buf(seed.data(), seed.size());
  return from_master_seed(type, seed, pop_epoch);
}

Identity Identity::from_master_seed(KeyType type, const Secret<32>& seed, std::uint64_t pop_epoch) {
  PublicIdentity pub;
  pub.type = type;
  SigningKey signing(derive<32>(seed, subkey_signing));
  pub.signing = signing.public_key();
  if (type == KeyType::validator) {
    // RFC 9381 §5.5 with suite 0x03: the VRF public key is the Ed25519 public key of the seed.
    pub.vrf = SigningKey(derive<32>(seed, subkey_vrf)).public_key();
    // Fails only for the zero scalar, probability 2^-252: treat it as a broken libsodium.
    IOS_ASSERT(crypto_scalarmult_ristretto255_base(pub.pvss.data(), pvss_scalar_from(seed).data()) == 0);
    pub.pop_epoch = pop_epoch;
    pub.pop = make_pop(signing, keystore_pop_chain, pop_epoch);
  }
  return Identity(seed, pub);
}

Seed Identity::signing_seed() const { return derive<32>(master_, subkey_signing); }

Seed Identity::vrf_seed() const { return derive<32>(master_, subkey_vrf); }

Secret<32> Identity::pvss_scalar() const { return pvss_scalar_from(master_); }

PublicIdentity Identity::registration(core::ByteView chain_id) const {
  PublicIdentity pub = public_;
  if (pub.type == KeyType::validator) pub.pop = make_pop(signing_key(), chain_id, pub.pop_epoch);
  return pub;
}

bool verify_public_identity(const PublicIdentity& identity, core::ByteView chain_id) {
  // libsodium's is_valid_point rejects non-canonical encodings, small-order points and
  // points outside the prime-order subgroup.
  if (crypto_core_ed25519_is_valid_point(identity.signing.data()) != 1) return false;
  if (identity.type == KeyType::account) {
    return all_zero(identity.vrf) && all_zero(identity.pvss) && all_zero(identity.pop) && identity.pop_epoch == 0;
  }
  if (identity.type != KeyType::validator) return false;
  if (crypto_core_ed25519_is_valid_point(identity.vrf.data()) != 1) return false;
  if (crypto_core_ristretto255_is_valid_point(identity.pvss.data()) != 1) return false;
  return verify_pop(identity.signing, chain_id, identity.pop_epoch, identity.pop);
}

}  // namespace ios::crypto
