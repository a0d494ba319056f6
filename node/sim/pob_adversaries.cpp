#include "node/sim/pob_adversaries.hpp"

#include "node/protocol/byzcoin/messages.hpp"
#include "node/protocol/pob/messages.hpp"
#include "node/protocol/pob/proposed_block.hpp"

namespace ios::sim {

namespace bz = protocol::byzcoin;
namespace pob = protocol::pob;

ByzantineRewrite equivocating_leader(const ShardWorld& world, std::uint32_t validator_index) {
  const auto setup = world.setup;
  const auto roster_index = setup->normal_index(validator_index);
  IOS_ASSERT(roster_index.has_value());
  const auto key = std::make_shared<const crypto::SigningKey>(world.validators[validator_index].signing_key());
  const auto n = setup->normal.size();
  return [=](const protocol::Send& s) -> std::vector<protocol::Send> {
    auto m = bz::decode_message(s.payload, n);
    const auto* a = m ? std::get_if<bz::Announce>(&*m) : nullptr;
    if (a == nullptr || a->phase != bz::Phase::prepare || a->leader != *roster_index || a->certificate) return {s};
    auto proposal = pob::decode_proposed_block(a->body);
    if (!proposal) return {s};
    // Another valid proposal for the same height: same transactions, another timestamp.
    proposal->body.time_ms += 1;
    bz::Announce other = *a;
    other.relay = false;
    other.body = pob::encode(*proposal);
    other.sig = crypto::sign_tagged(*key, bz::announce_tag, setup->domain, bz::announce_signed_part(other));
    // The announce goes on as sent (down the tree or to a star member); every other member
    // also gets the other proposal directly. Whichever arrives first, the league is split.
    std::vector<protocol::Send> out{s};
    for (auto member : setup->normal) {
      if (member != validator_index && member != s.to) out.push_back({member, bz::encode(other)});
    }
    return out;
  };
}

Forger::Forger(const ShardWorld& world, std::uint32_t validator_index, TimeMs forge_interval_ms)
    : world_(world), producer_(validator_index), interval_ms_(forge_interval_ms) {}

std::vector<protocol::Send> Forger::operator()(const protocol::Send& send) {
  auto m = pob::decode_pob_message(send.payload);
  if (!m || !std::holds_alternative<pob::OptimisticBlockMsg>(*m)) return {send};
  auto& block = std::get<pob::OptimisticBlockMsg>(*m).block;
  auto it = rewritten_.find(block.header.seq);
  if (it == rewritten_.end()) it = rewritten_.emplace(block.header.seq, forge(std::move(block))).first;
  return {protocol::Send{send.to, it->second}};
}

core::Bytes Forger::forge(chain::OptimisticBlock block) {
  const auto& setup = *world_.setup;
  const auto now = block.header.time_ms;
  const bool due = !last_forged_ms_ || now >= *last_forged_ms_ + interval_ms_;
  if (!due || forgeries_.size() >= world_.victims.size()) {
    return pob::encode(pob::PobMessage{pob::OptimisticBlockMsg{std::move(block)}});
  }
  last_forged_ms_ = now;
  const auto victim = static_cast<std::uint32_t>(forgeries_.size());
  const auto allocation = world_.victim_allocations[victim];
  const auto thief = world_.validators[producer_].signing_key();
  chain::Tx tx;
  tx.inputs.push_back({chain::genesis_outpoint(allocation), world_.victims[victim].public_identity().signing, {}});
  const auto amount = setup.genesis.allocations[allocation].amount;
  tx.outputs.push_back({chain::Address::from_public_key(thief.public_key()), chain::Asset::ios, amount - setup.policy().min_fee});
  tx.fee = setup.policy().min_fee;
  tx.nonce = allocation;
  tx.inputs[0].witness = chain::sign_tx(thief, setup.chain_id, tx);  // the thief's key, not the victim's
  auto txs = std::move(block.txs);
  txs.push_back(tx);
  const auto index = static_cast<std::uint32_t>(txs.size() - 1);
  auto forged = chain::make_optimistic_block(thief, setup.chain_id, block.header, std::move(txs));
  forgeries_.push_back({chain::header_hash(forged.header), index, chain::tx_hash(tx), victim});
  return pob::encode(pob::PobMessage{pob::OptimisticBlockMsg{std::move(forged)}});
}

}  // namespace ios::sim
