#pragma once
// The genesis block (whitepaper §8.1: "All IOS tokens will be generated in the Genesis Block").
// It fixes the chain id that every signature is bound to, the sharding policy, the first
// validator roster (identities with proofs of possession, stakes, Servi, reviews) and the
// token allocations. JSON for people, version 1:
//
//   {"version": 1, "chain_id": "ios-devnet", "time_ms": 0, "policy": {...shard_policy.hpp...},
//    "validators": [{"identity": {"type": "validator",
//                                 "public_keys": {"signing": hex, "vrf": hex, "pvss": hex},
//                                 "proof_of_possession": {"epoch": 0, "signature": hex}},
//                    "stake": "1000", "servi": 0, "reviews": 0}],
//    "allocations": [{"owner": "ios1...", "amount": "5000"}]}
//
// Invariants (parse_genesis): every identity is a validator whose keys are valid points and
// whose proof of possession verifies (crypto::verify_public_identity: this stops a rogue key
// from entering the first CoSi roster); no signing key twice (duplicate); every allocation is
// > 0; the total supply (Σ allocations + Σ stakes) fits in 64 bits; unknown keys and newer
// versions are refused. Amounts are decimal strings.
//
// genesis_hash covers a canonical binary encoding, not the JSON text, so reformatting the file
// does not change the chain's identity while any change of meaning does.
//
// Genesis outputs: allocation i is OutPoint{SHA-256("IOS/v1/genesis-tx"), i}. The tx id does
// not depend on the chain id because nothing needs it to: every witness that spends it is
// already bound to the chain id, and the "IOS/v1/genesis-tx" tag keeps it apart from real ids.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/chain/address.hpp"
#include "node/chain/amount.hpp"
#include "node/chain/shard_policy.hpp"
#include "node/chain/tx.hpp"
#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/identity.hpp"

namespace ios::chain {

inline constexpr std::uint32_t genesis_version = 1;
inline constexpr std::size_t chain_id_len_max = 64;
inline constexpr std::size_t genesis_validators_max = 10000;
inline constexpr std::size_t genesis_allocations_max = 1'000'000;
inline constexpr std::size_t genesis_json_bytes_max = std::size_t{256} << 20;  // 256 MiB

struct GenesisValidator {
  crypto::PublicIdentity identity;
  Amount stake = 0;
  std::uint64_t servi = 0;
  std::int64_t reviews = 0;

  bool operator==(const GenesisValidator&) const = default;
};

struct GenesisAllocation {
  Address owner;
  Amount amount = 0;

  bool operator==(const GenesisAllocation&) const = default;
};

struct Genesis {
  std::string chain_id;
  std::uint64_t time_ms = 0;
  ShardPolicy policy;
  std::vector<GenesisValidator> validators;
  std::vector<GenesisAllocation> allocations;

  bool operator==(const Genesis&) const = default;
  core::ByteView chain_id_bytes() const { return core::as_bytes(chain_id); }
};

nlohmann::json to_json(const Genesis& genesis);
// bad_json for syntax, unknown_version, and for meaning: bad_policy (policy.<field>),
// bad_json naming the field, bad_point / bad_proof (identity i), duplicate, bad_amount,
// amount_overflow.
core::Result<Genesis> parse_genesis(std::string_view json_text);
core::Result<Genesis> genesis_from_json(const nlohmann::json& doc);
// The same checks on a Genesis built in code (tests, devnet init).
core::Status validate(const Genesis& genesis);

core::Bytes encode(const Genesis& genesis);
core::Hash32 genesis_hash(const Genesis& genesis);
OutPoint genesis_outpoint(std::uint32_t allocation_index);

}  // namespace ios::chain
