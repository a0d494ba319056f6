#pragma once
// One shard's finalized state as every participant sees it — normal validators, believable
// validators and clients following the chain all run this same code on the same finalized
// blocks, so they agree on balances, on who is slashed and on the league mode.
//
// League mode (whitepaper §8.2 fall-back; docs/PROTOCOLS.md §12): a believable validator is live
// while one of its optimistic blocks was merged within the last believable_liveness_blocks
// final blocks (all are live at genesis) and it is not slashed. Fewer live than the policy's
// believable_min: the next block runs one league (every transaction fully verified, clients
// send to the normal league); enough again: two leagues. The mode is a function of the
// finalized chain only, so the leader's choice is checkable by every witness.
#include <map>
#include <memory>
#include <vector>

#include "node/chain/finality.hpp"
#include "node/ledger/block.hpp"
#include "node/ledger/ledger_state.hpp"
#include "node/protocol/pob/proposed_block.hpp"
#include "node/protocol/pob/shard_setup.hpp"

namespace ios::protocol::pob {

inline constexpr std::uint64_t believable_liveness_blocks = 8;

struct AppliedBlock {
  std::uint64_t height = 0;  // ByzCoin height (0-based); the ledger's height is height + 1
  core::Hash32 hash{};
  ProposedBlock block;
  std::vector<core::Hash32> applied;  // tx hashes applied, in order
  std::vector<core::Hash32> done;     // applied and excluded: what producers and mempools forget
  ledger::BlockOutcome outcome;
};

class ShardLedger {
 public:
  explicit ShardLedger(std::shared_ptr<const ShardSetup> setup);
  // A later segment of the shard's chain, from the state the previous one ended with. Its
  // believable validators count as live from here (as at genesis).
  ShardLedger(std::shared_ptr<const ShardSetup> setup, ledger::LedgerState state);

  // A finalized block (finality already verified by ByzCoin). It must apply: 2f+1 validators
  // checked it with this same code, so a failure here is a bug in ours, and aborts.
  AppliedBlock apply(const chain::FinalizedBlock& block);

  // The witness's check of a proposal for the next height (everything but sampling). Every
  // merged block must already have passed verify_optimistic_block (NormalPool::check does it).
  core::Result<ledger::BlockOutcome> check(const ProposedBlock& proposal) const;
  // The leader's completion of a body: excluded and state_digest filled in.
  core::Result<ProposedBlock> complete(ProposedBlock proposal) const;
  // An empty body of `epoch` for the next height (a heartbeat; or the block opening the next
  // epoch), completed; slashed when `leader` is.
  core::Result<ProposedBlock> empty_block(std::uint64_t epoch, const crypto::PublicKey& leader, TimeMs now_ms) const;
  // The last step's last block (TransEpoch): the empty body that opens the next epoch. Its
  // roster signs nothing after it; the next epoch's first segment goes on from its state.
  // slashed when `leader` is (it may propose nothing; the view moves past it).
  core::Result<ProposedBlock> opening_block(const crypto::PublicKey& leader, TimeMs now_ms) const;
  // This segment is over: a step's blocks are all final, or the next epoch is open.
  bool ended() const;

  chain::LeagueMode next_mode() const;
  bool is_live(std::uint32_t validator_index) const;
  std::vector<std::uint32_t> live_believable() const;  // in league order
  // Where a wallet sends a transaction of `payer` (whitepaper §8.2: "by its payer"): in two
  // leagues, one live believable validator, chosen by the payer so one account's chained
  // payments meet one producer, and the next one on each retry (`attempt` from 0); in one
  // league (or with no live believable validator), every normal validator.
  std::vector<NodeId> submission_route(const chain::Address& payer, std::uint32_t attempt) const;
  bool is_slashed(const crypto::PublicKey& key) const;
  // Last merged seq of a producer this epoch (nullopt: none merged yet).
  std::optional<std::uint64_t> last_merged_seq(const crypto::PublicKey& producer) const;

  const ledger::LedgerState& state() const { return state_; }
  std::uint64_t height() const { return next_height_; }  // next ByzCoin height to apply
  const ShardSetup& setup() const { return *setup_; }
  chain::Amount genesis_supply() const { return genesis_supply_; }  // of the segment's start
  std::uint64_t first_height() const { return first_height_; }
  chain::Amount compensation_paid() const { return compensation_paid_; }

 private:
  std::shared_ptr<const ShardSetup> setup_;
  ledger::LedgerState state_;
  chain::Amount genesis_supply_ = 0;
  std::uint64_t next_height_ = 0;
  std::uint64_t first_height_ = 0;
  chain::Amount compensation_paid_ = 0;
  std::map<crypto::PublicKey, std::uint64_t> last_merged_height_;  // believable producers
};

}  // namespace ios::protocol::pob
