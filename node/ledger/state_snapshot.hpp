#pragma once
// A shard's state at one final block, as bytes: what a validator joining the shard in a
// TransEpoch swap obtains from the shard's members (whitepaper §6.1: "a validator joining a
// shard obtains the shard's state from its peers"; docs/DESIGN.md §4 "TransEpoch"), and what a
// validator staying in the shard hands from one segment of the chain to the next.
//
//   u8 version (1) ‖ u64 height ‖ u64 epoch ‖ u64 pool
//   ‖ u32 n ‖ n × utxo_entry(outpoint, output)                        outpoints strictly increasing
//   ‖ u32 n ‖ n × (key 32 ‖ u64 stake ‖ u64 fees ‖ u64 servi ‖ i64 reviews ‖ u8 slashed)
//                                                                    keys strictly increasing
//
// Trust: none in the sender. decode_snapshot rebuilds the state and accepts it only when its
// digest (LedgerState::digest, the one every final block commits to) equals the digest the
// caller took from a block whose finality it verified, so a peer can only hand over the state
// that a quorum of the shard signed. The checks before that one keep a hostile snapshot from
// costing more than its size: canonical order (one state, one encoding), bounded counts, the
// genesis's validator set, amounts whose sum fits.
//
// A snapshot is taken between epochs, right after the block that opens the next epoch, when no
// producer has a PoB record yet (asserted): the records of a finished epoch are not carried.
#include "node/core/result.hpp"
#include "node/ledger/ledger_state.hpp"

namespace ios::ledger {

inline constexpr std::uint8_t snapshot_version = 1;
// A shard's unspent outputs a snapshot may carry: 2^22 ≈ 4.2 M entries of 81 bytes (340 MB);
// the peer channel's frame limit is the tighter bound today.
inline constexpr std::size_t snapshot_utxos_max = std::size_t{1} << 22;

core::Bytes encode_snapshot(const LedgerState& state);
// The size of encode_snapshot(state), without encoding it.
std::size_t snapshot_bytes(const LedgerState& state);

// The state of `scope` of the chain of `genesis` that `bytes` carry, if its digest is
// `expected_digest`. truncated / non_canonical / length_over_limit / bad_amount for bytes
// that encode_snapshot never writes, bad_proof for a state other than the expected one.
core::Result<LedgerState> decode_snapshot(core::ByteView bytes, const chain::Genesis& genesis,
                                          contracts::ShardScope scope, const core::Hash32& expected_digest);

}  // namespace ios::ledger
