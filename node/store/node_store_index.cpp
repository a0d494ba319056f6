// NodeStore's indexes beside the chain: unspent outputs by owner (for RPC balances and UTXO
// listings; rebuilt from the ledger, which the blocks determine) and the peers seen.
#include <utility>

#include "node/store/node_store.hpp"
#include "node/store/node_store_impl.hpp"

namespace ios::store {

namespace {

std::string outpoint_name(const chain::OutPoint& at) {
  return core::to_hex(at.tx) + ":" + std::to_string(at.index);
}

}  // namespace

core::Status NodeStore::Impl::write_utxo(const chain::OutPoint& at, const chain::TxOutput& out) {
  auto q = insert_utxo.use();
  q.bind(1, core::ByteView(at.tx)).bind(2, static_cast<std::int64_t>(at.index));
  q.bind(3, core::ByteView(out.owner.bytes())).bind(4, static_cast<std::int64_t>(out.asset)).bind(5, as_sql(out.amount));
  return q.run("utxo " + outpoint_name(at));
}

core::Status NodeStore::replace_utxos(const std::vector<Utxo>& all) {
  auto tx = Transaction::begin(impl_->ts, "replace utxos");
  if (!tx) return tx.error();
  if (auto st = impl_->clear_utxos.use().run("clear utxos"); !st) return st;
  for (const auto& [at, out] : all)
    if (auto st = impl_->write_utxo(at, out); !st) return st;
  return tx->commit("replace utxos");
}

core::Status NodeStore::update_utxos(const std::vector<chain::OutPoint>& spent, const std::vector<Utxo>& created) {
  auto tx = Transaction::begin(impl_->ts, "update utxos");
  if (!tx) return tx.error();
  for (const auto& [at, out] : created)
    if (auto st = impl_->write_utxo(at, out); !st) return st;
  for (const chain::OutPoint& at : spent) {
    auto q = impl_->delete_utxo.use();
    q.bind(1, core::ByteView(at.tx)).bind(2, static_cast<std::int64_t>(at.index));
    if (auto st = q.run("spend " + outpoint_name(at)); !st) return st;
    if (q.changes() != 1)
      return core::reject(core::Reject::unknown_input, "utxo index has no " + outpoint_name(at) + ": rebuild it");
  }
  return tx->commit("update utxos");
}

core::Result<std::vector<Utxo>> NodeStore::utxos_of(const chain::Address& owner, std::size_t count_max) const {
  IOS_ASSERT(count_max < static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max()));
  const std::string what = "utxos of " + owner.to_string();
  auto q = impl_->select_utxos_of.use();
  // One row more than allowed, to tell "exactly count_max" from "more".
  q.bind(1, core::ByteView(owner.bytes())).bind(2, static_cast<std::int64_t>(count_max) + 1);
  std::vector<Utxo> out;
  for (;;) {
    auto row = q.step(what);
    if (!row) return row.error();
    if (!*row) break;
    if (out.size() == count_max)
      return core::reject(core::Reject::length_over_limit,
                          owner.to_string() + " has more than " + std::to_string(count_max) + " utxos");
    auto tx = q.column_fixed<32>(0);
    const std::int64_t index = q.column_int(1);
    const std::int64_t asset = q.column_int(2);
    if (!tx || index < 0 || index > 0xFFFFFFFF || (asset != 0 && asset != 1))
      return core::reject(core::Reject::io_error, what + ": a row is corrupted");
    out.emplace_back(chain::OutPoint{*tx, static_cast<std::uint32_t>(index)},
                     chain::TxOutput{owner, static_cast<chain::Asset>(asset), from_sql(q.column_int(3))});
  }
  return out;
}

core::Status NodeStore::save_peer(const PeerRow& peer) {
  if (peer.address.size() > peer_address_bytes_max)
    return core::reject(core::Reject::length_over_limit, "peer address of " + std::to_string(peer.address.size()) +
                                                             " bytes over limit " +
                                                             std::to_string(peer_address_bytes_max));
  auto q = impl_->upsert_peer.use();
  q.bind(1, core::ByteView(peer.key)).bind(2, static_cast<std::int64_t>(peer.node_id));
  q.bind(3, std::string_view(peer.address)).bind(4, as_sql(peer.last_seen_ms));
  return q.run("peer " + core::to_hex(peer.key));
}

core::Result<std::vector<PeerRow>> NodeStore::peers() const {
  auto q = impl_->select_peers.use();
  q.bind(1, static_cast<std::int64_t>(peers_count_max));
  std::vector<PeerRow> out;
  for (;;) {
    auto row = q.step("peers");
    if (!row) return row.error();
    if (!*row) break;
    auto key = q.column_fixed<32>(0);
    const std::int64_t node_id = q.column_int(1);
    if (!key || node_id < 0 || node_id > 0xFFFFFFFF) return core::reject(core::Reject::io_error, "a peer row is corrupted");
    out.push_back(PeerRow{*key, static_cast<protocol::NodeId>(node_id), q.column_text(2), from_sql(q.column_int(3))});
  }
  return out;
}

}  // namespace ios::store
