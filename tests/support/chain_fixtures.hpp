#pragma once
// Fixtures shared by the chain, ledger and contracts unit tests: libsodium initialised once
// per test executable, deterministic keys and identities (the same number always gives the
// same key, so expected values stay stable), and builders for the transfers the tests spend.
#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "node/chain/address.hpp"
#include "node/chain/tx.hpp"
#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/identity.hpp"

namespace ios::test {

// Including this header initialises libsodium before the first test of the executable.
class SodiumEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { crypto::init(); }
};
inline ::testing::Environment* const sodium_environment = ::testing::AddGlobalTestEnvironment(new SodiumEnvironment);

// The chain id the tests that need no genesis sign under.
inline const core::Bytes chain_id{'t', 'e', 's', 't'};

// A signing key whose seed is 32 bytes of `n`.
inline crypto::SigningKey seeded_key(std::uint8_t n) {
  core::ByteArray<32> seed{};
  seed.fill(n);
  return crypto::SigningKey(crypto::Seed(seed));
}

// Account keys start at seed byte 100, so they never equal a seeded_key(n) of a producer.
inline crypto::SigningKey account_key(std::uint8_t n) { return seeded_key(static_cast<std::uint8_t>(100 + n)); }

// A validator identity (signing and CoSi keys, proof of possession for epoch 0) from seed `n`.
inline crypto::Identity validator(std::uint8_t n) {
  core::ByteArray<32> seed{};
  seed.fill(n);
  return crypto::Identity::from_master_seed(crypto::KeyType::validator, crypto::Secret<32>(seed), 0);
}

inline chain::Address addr(const crypto::SigningKey& k) { return chain::Address::from_public_key(k.public_key()); }

// An outpoint of a made-up funding transaction named `tag`.
inline chain::OutPoint outpoint(std::string_view tag, std::uint32_t index) {
  return chain::OutPoint{crypto::sha256(core::as_bytes(tag)), index};
}

// `owner` spends `prev` and pays `amount` of IOS back to itself, with a fee of 1.
inline chain::Tx self_transfer(const crypto::SigningKey& owner, const chain::OutPoint& prev, chain::Amount amount,
                               std::uint64_t nonce, core::ByteView chain_id) {
  return chain::make_transfer({{prev, &owner}}, {chain::TxOutput{addr(owner), chain::Asset::ios, amount}}, 1, nonce,
                              chain_id);
}

// `from` spends `prev`, paying `amount` of IOS to `to` and, when `change` is not zero, `change`
// back to itself.
inline chain::Tx transfer_with_change(const crypto::SigningKey& from, const chain::OutPoint& prev,
                                      const chain::Address& to, chain::Amount amount, chain::Amount change,
                                      chain::Amount fee, std::uint64_t nonce, core::ByteView chain_id) {
  std::vector<chain::TxOutput> outs{chain::TxOutput{to, chain::Asset::ios, amount}};
  if (change > 0) outs.push_back(chain::TxOutput{addr(from), chain::Asset::ios, change});
  return chain::make_transfer({{prev, &from}}, std::move(outs), fee, nonce, chain_id);
}

// What `parse` says about `text`, which it must refuse: the test fails, naming the text, if it
// is accepted (and gets a placeholder error back so the caller's checks fail too).
template <class Parse>
core::Error refusal_of(Parse parse, std::string_view text) {
  auto parsed = parse(text);
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.ok() ? core::Error{core::Reject::truncated, "accepted"} : parsed.error();
}

}  // namespace ios::test
