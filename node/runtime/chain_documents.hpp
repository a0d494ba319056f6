#pragma once
// The JSON the node API shows of its final chain (docs/DESIGN.md §5 "API"): a final block with
// its header, transaction hashes and finality signers (GET /v1/blocks/{height|latest}), and one
// transaction's body (GET /v1/tx/{hash}/body). Pure functions of decoded chain data, so the
// runtime only finds the bytes; amounts are decimal strings like everywhere in the API.
#include <optional>

#include <nlohmann/json.hpp>

#include "node/chain/finality.hpp"
#include "node/chain/tx.hpp"
#include "node/protocol/pob/proposed_block.hpp"

namespace ios::runtime {

// A final block as the store holds it, decoded. The store re-checked its hash against the bytes
// we wrote, and its body was decoded before it was voted on: a failure is our own bug (asserted).
struct StoredBlock {
  chain::FinalizedBlock final;
  protocol::pob::ProposedBlock proposed;
};
StoredBlock decode_stored_block(core::ByteView bytes);

// Every tx of a final block in apply order: the merged optimistic blocks' txs, then the
// direct ones (ShardLedger::apply_final's order).
std::vector<const chain::Tx*> block_txs(const protocol::pob::ProposedBlock& block);

// The block document: height, hash, prev, view, time_ms, shard, epoch, mode, leader,
// state_digest, optimistic_blocks [{producer, seq, txs}], tx_hashes and txs (the applied ones),
// excluded (carried but not applied: they are not in tx_hashes), commit_signers:
// the validators whose bit is set in the commit round's CoSi mask. The mask indexes the
// normal league (ByzCoin's roster), so `normal` maps mask bit k to validator normal[k].
nlohmann::json block_document(const chain::FinalizedBlock& block, const protocol::pob::ProposedBlock& proposed,
                              const std::vector<std::uint32_t>& normal);

// {"hash", "inputs": [{"tx", "index", "owner"}], "outputs": [{"to", "asset", "amount"}], "fee",
// "nonce"}: the owner of an input is the address of its key.
nlohmann::json tx_document(const chain::Tx& tx);

}  // namespace ios::runtime
