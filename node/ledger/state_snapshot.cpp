// Shard state snapshots. Encoding and checks: state_snapshot.hpp.
#include "node/ledger/state_snapshot.hpp"

#include "node/core/encoding.hpp"
#include "node/ledger/pending_state.hpp"

namespace ios::ledger {

core::Bytes encode_snapshot(const LedgerState& state) {
  IOS_ASSERT(state.epoch_records_.empty());
  core::Writer w;
  w.u8(snapshot_version).u64(state.height_).u64(state.epoch_).u64(state.pool_);
  w.u32(static_cast<std::uint32_t>(state.utxos_.size()));
  for (const auto& [op, out] : state.utxos_) w.raw(utxo_entry(op, out));
  w.u32(static_cast<std::uint32_t>(state.validators_.size()));
  for (const auto& [key, v] : state.validators_)
    w.raw(key).u64(v.stake).u64(v.fees).u64(v.servi).u64(static_cast<std::uint64_t>(v.reviews)).u8(v.slashed ? 1 : 0);
  return w.take();
}

std::size_t snapshot_bytes(const LedgerState& state) {
  constexpr std::size_t utxo = 32 + 4 + 32 + 1 + 8, account = 32 + 8 + 8 + 8 + 8 + 1;
  return 1 + 8 + 8 + 8 + 4 + state.utxos().size() * utxo + 4 + state.validators().size() * account;
}

core::Result<LedgerState> decode_snapshot(core::ByteView bytes, const chain::Genesis& genesis,
                                          contracts::ShardScope scope, const core::Hash32& expected_digest) {
  // Start from the genesis state for the chain id and the scope, then replace its content.
  LedgerState state = LedgerState::from_genesis_shard(genesis, scope.shard);
  if (state.scope_.shard_count != scope.shard_count)
    return core::reject(core::Reject::wrong_shard, "a snapshot for " + std::to_string(scope.shard_count) + " shards");
  for (auto it = state.utxos_.begin(); it != state.utxos_.end();) state.remove_output((it++)->first);

  core::Reader r(bytes);
  r.version(snapshot_version);
  state.height_ = r.u64();
  state.epoch_ = r.u64();
  state.pool_ = r.u64();
  chain::Amount total = state.pool_;
  auto add = [&](chain::Amount a) {
    if (auto sum = chain::add_amount(total, a)) total = *sum;
    else r.fail(core::Reject::bad_amount, "the snapshot's amounts overflow");
  };
  const auto n_utxos = r.count(snapshot_utxos_max);
  for (std::uint32_t i = 0; i < n_utxos && !r.failed(); ++i) {
    chain::OutPoint op;
    op.tx = r.fixed<32>();
    op.index = r.u32();
    chain::TxOutput out;
    out.owner = chain::Address(r.fixed<32>());
    const auto asset = r.u8();
    out.asset = static_cast<chain::Asset>(asset);
    out.amount = r.u64();
    if (r.failed()) break;
    if (asset > static_cast<std::uint8_t>(chain::Asset::servi)) r.fail(core::Reject::non_canonical, "unknown asset");
    else if (!state.utxos_.empty() && !(state.utxos_.rbegin()->first < op))
      r.fail(core::Reject::non_canonical, "outpoints out of order");
    else {
      if (out.asset == chain::Asset::ios) add(out.amount);
      state.add_output(op, out);
    }
  }
  const auto n_validators = r.count(genesis.validators.size());
  if (!r.failed() && n_validators != state.validators_.size())
    r.fail(core::Reject::non_canonical, "a snapshot must carry every validator account");
  auto account = state.validators_.begin();
  for (std::uint32_t i = 0; i < n_validators && !r.failed(); ++i, ++account) {
    contracts::ValidatorAccount v;
    v.key = r.fixed<32>();
    v.stake = r.u64();
    v.fees = r.u64();
    v.servi = r.u64();
    v.reviews = static_cast<std::int64_t>(r.u64());
    v.slashed = r.boolean();
    if (r.failed()) break;
    // Both sides in key order: a key of another roster, or out of order, never matches.
    if (v.key != account->first) r.fail(core::Reject::non_canonical, "validator accounts out of order or unknown");
    add(v.stake);
    add(v.fees);
    account->second = v;
  }
  if (auto s = r.finish(); !s) return s.error();
  if (state.digest() != expected_digest)
    return core::reject(core::Reject::bad_proof, "the snapshot's state is not the one the final block commits to");
  return state;
}

}  // namespace ios::ledger
