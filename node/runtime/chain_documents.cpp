#include "node/runtime/chain_documents.hpp"

#include <algorithm>
#include <string>

#include "node/chain/address.hpp"
#include "node/core/result.hpp"

namespace ios::runtime {

StoredBlock decode_stored_block(core::ByteView bytes) {
  auto block = chain::decode_finalized_block(bytes);
  IOS_ASSERT(block);
  auto proposed = protocol::pob::decode_proposed_block(block->body);
  IOS_ASSERT(proposed);
  return {std::move(*block), std::move(*proposed)};
}

std::vector<const chain::Tx*> block_txs(const protocol::pob::ProposedBlock& block) {
  std::vector<const chain::Tx*> txs;
  for (const auto& m : block.merged)
    for (const auto& tx : m.txs) txs.push_back(&tx);
  for (const auto& tx : block.body.direct_txs) txs.push_back(&tx);
  return txs;
}

nlohmann::json block_document(const chain::FinalizedBlock& block, const protocol::pob::ProposedBlock& proposed,
                              const std::vector<std::uint32_t>& normal) {
  const auto& body = proposed.body;
  nlohmann::json optimistic = nlohmann::json::array();
  for (const auto& m : proposed.merged)
    optimistic.push_back(
        {{"producer", core::to_hex(m.header.producer)}, {"seq", m.header.seq}, {"txs", m.txs.size()}});
  nlohmann::json hashes = nlohmann::json::array();
  for (const auto* tx : block_txs(proposed)) {
    const auto h = chain::tx_hash(*tx);
    if (!std::binary_search(body.excluded.begin(), body.excluded.end(), h)) hashes.push_back(core::to_hex(h));
  }
  nlohmann::json excluded = nlohmann::json::array();
  for (const auto& h : body.excluded) excluded.push_back(core::to_hex(h));
  nlohmann::json signers = nlohmann::json::array();
  IOS_ASSERT(block.commit.mask.size() <= normal.size());  // ByzCoin verified it under that roster
  for (std::size_t k = 0; k < block.commit.mask.size(); ++k)
    if (block.commit.mask.contains(k)) signers.push_back(normal[k]);
  return {{"height", block.height},
          {"hash", core::to_hex(block.hash())},
          {"prev", core::to_hex(block.prev)},
          {"view", block.view},
          {"time_ms", body.time_ms},
          {"shard", body.shard},
          {"epoch", body.epoch},
          {"mode", body.mode == chain::LeagueMode::two_leagues ? "two_leagues" : "one_league"},
          {"leader", core::to_hex(body.leader)},
          {"state_digest", core::to_hex(body.state_digest)},
          {"txs", hashes.size()},
          {"tx_hashes", std::move(hashes)},
          {"excluded", std::move(excluded)},
          {"optimistic_blocks", std::move(optimistic)},
          {"commit_signers", std::move(signers)}};
}

nlohmann::json tx_document(const chain::Tx& tx) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& in : tx.inputs)
    inputs.push_back({{"tx", core::to_hex(in.prev.tx)},
                      {"index", in.prev.index},
                      {"owner", chain::Address::from_public_key(in.owner_key).to_string()}});
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& out : tx.outputs)
    outputs.push_back({{"to", out.owner.to_string()},
                       {"asset", out.asset == chain::Asset::ios ? "ios" : "servi"},
                       {"amount", std::to_string(out.amount)}});
  return {{"hash", core::to_hex(chain::tx_hash(tx))},
          {"inputs", std::move(inputs)},
          {"outputs", std::move(outputs)},
          {"fee", std::to_string(tx.fee)},
          {"nonce", tx.nonce}};
}

}  // namespace ios::runtime
