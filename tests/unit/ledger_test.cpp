// The UTXO ledger and final-block application (node/ledger, README.md there): all-or-nothing
// changes, a canonical digest, exact exclusion lists, double spends within and across blocks,
// replayed optimistic blocks, fraud proofs in the same and in later blocks (slashing and exact
// compensation), Servi, and supply conservation over seeded random blocks.
#include <gtest/gtest.h>

#include <algorithm>

#include "contracts/token.hpp"
#include "node/chain/genesis.hpp"
#include "node/crypto/hash.hpp"
#include "node/ledger/block.hpp"
#include "node/ledger/ledger_state.hpp"
#include "node/ledger/state_snapshot.hpp"
#include "support/chain_fixtures.hpp"
#include "support/test_support.hpp"

namespace ios::ledger {
namespace {

using chain::Asset;
using chain::BlockBody;
using chain::OptimisticBlock;
using chain::OutPoint;
using chain::Tx;
using chain::TxOutput;
using core::Reject;

using test::account_key;
using test::addr;
using test::validator;

constexpr chain::Amount min_fee = 1;
constexpr std::size_t accounts = 4;

struct LedgerTest : ::testing::Test {
  std::vector<crypto::SigningKey> keys = make_keys();
  crypto::Identity p1 = validator(1), p2 = validator(2), leader = validator(3);
  chain::Genesis genesis = make_genesis();
  LedgerState state = LedgerState::from_genesis(genesis);
  core::ByteView chain_id = genesis.chain_id_bytes();
  std::uint64_t epoch = 0;
  std::map<crypto::PublicKey, std::uint64_t> next_seq;

  static std::vector<crypto::SigningKey> make_keys() {
    std::vector<crypto::SigningKey> out;
    for (std::uint8_t i = 0; i < accounts; ++i) out.push_back(account_key(i));
    return out;
  }
  chain::Genesis make_genesis() {
    chain::Genesis g;
    g.chain_id = "ios-ledger-test";
    g.validators = {chain::GenesisValidator{p1.registration(core::as_bytes(g.chain_id)), 5000, 0, 0},
                    chain::GenesisValidator{p2.registration(core::as_bytes(g.chain_id)), 100, 0, 0},
                    chain::GenesisValidator{leader.registration(core::as_bytes(g.chain_id)), 7000, 9, 0}};
    // Account i gets allocations 2i and 2i+1, of 1000 each.
    for (std::size_t i = 0; i < 2 * accounts; ++i)
      g.allocations.push_back(chain::GenesisAllocation{addr(keys[i / 2]), 1000});
    return g;
  }
  const crypto::PublicKey& key_of(const crypto::Identity& id) const { return id.public_identity().signing; }

  // Account `from` sends `amount` of genesis allocation `alloc` to account `to`, the rest back.
  Tx spend(OutPoint op, std::size_t from, std::size_t to, chain::Amount have, chain::Amount amount,
           chain::Amount fee = 1, std::uint64_t nonce = 0) {
    const chain::Amount change = have > amount + fee ? have - amount - fee : 0;
    return test::transfer_with_change(keys[from], op, addr(keys[to]), amount, change, fee, nonce, chain_id);
  }
  Tx spend_genesis(std::uint32_t alloc, std::size_t to, chain::Amount amount, std::uint64_t nonce = 0) {
    return spend(chain::genesis_outpoint(alloc), alloc / 2, to, 1000, amount, 1, nonce);
  }
  OptimisticBlock opt(const crypto::Identity& producer, std::vector<Tx> txs) {
    chain::OptimisticHeader h;
    h.epoch = epoch;
    h.seq = next_seq[key_of(producer)]++;
    return chain::make_optimistic_block(producer.signing_key(), chain_id, h, std::move(txs));
  }
  // A body as an honest leader proposes it: excluded and the digest from preview_block.
  BlockBody propose(const LedgerState& s, const std::vector<OptimisticBlock>& merged, std::vector<Tx> direct = {},
                    std::vector<chain::FraudProof> proofs = {}) {
    BlockBody body;
    body.epoch = epoch;
    body.height = s.height() + 1;
    body.leader = key_of(leader);
    body.mode = merged.empty() && !direct.empty() ? chain::LeagueMode::one_league : chain::LeagueMode::two_leagues;
    for (const auto& b : merged) body.optimistic_blocks.push_back(chain::header_hash(b.header));
    body.direct_txs = std::move(direct);
    body.fraud_proofs = std::move(proofs);
    auto preview = preview_block(s, body, merged, min_fee);
    EXPECT_TRUE(preview.ok()) << preview.error().message();
    if (preview.ok()) {
      body.excluded = preview->excluded;
      body.state_digest = preview->state_digest;
    }
    return body;
  }
  BlockBody propose_unchecked(const std::vector<OptimisticBlock>& merged) const {
    BlockBody body;
    body.epoch = epoch;
    body.height = state.height() + 1;
    body.leader = key_of(leader);
    for (const auto& b : merged) body.optimistic_blocks.push_back(chain::header_hash(b.header));
    return body;
  }
  static BlockBody decode_roundtrip(const BlockBody& body) {
    auto back = chain::decode_block_body(chain::encode(body));
    EXPECT_TRUE(back.ok()) << back.error().message();
    return back.ok() ? *back : BlockBody{};
  }
  BlockOutcome apply_ok(const BlockBody& body, const std::vector<OptimisticBlock>& merged) {
    auto out = apply_block(state, body, merged, min_fee);
    EXPECT_TRUE(out.ok()) << out.error().message();
    return out.ok() ? *out : BlockOutcome{};
  }
  chain::Amount genesis_supply() const { return 8 * 1000 + 5000 + 100 + 7000; }
};

TEST_F(LedgerTest, GenesisState) {
  EXPECT_EQ(state.total_supply(), genesis_supply());
  EXPECT_EQ(state.balance(addr(keys[1])), 2000u);
  EXPECT_EQ(state.utxos_of(addr(keys[1])).size(), 2u);
  EXPECT_EQ(state.height(), 0u);
  EXPECT_EQ(state.chain_id(), "ios-ledger-test");
  EXPECT_EQ(state.find_validator(key_of(leader))->servi, 9u);
  EXPECT_EQ(LedgerState::from_genesis(genesis).digest(), state.digest());
  // Shard-local ledgers split the allocations and together hold them all.
  auto g = genesis;
  g.policy.shards = 2;
  auto s0 = LedgerState::from_genesis_shard(g, 0), s1 = LedgerState::from_genesis_shard(g, 1);
  EXPECT_EQ(s0.utxos().size() + s1.utxos().size(), 8u);
  for (const auto& [op, out] : s1.utxos()) EXPECT_EQ(out.owner.shard(2), 1u);
}

TEST_F(LedgerTest, ApplyIsAllOrNothing) {
  const auto before = state.digest();
  auto good = contracts::transfer(state, spend_genesis(0, 1, 500), key_of(p1), min_fee);
  ASSERT_TRUE(good.ok());
  auto bad = *good;
  bad.spent.push_back(OutPoint{crypto::sha256(core::as_bytes("nowhere")), 0});
  EXPECT_EQ(state.apply(bad).error().reason, Reject::unknown_input);
  EXPECT_EQ(state.digest(), before);
  bad = *good;
  bad.fee_credits.push_back(contracts::FeeCredit{keys[0].public_key(), 0});
  EXPECT_EQ(state.apply(bad).error().reason, Reject::unknown_validator);
  bad = *good;
  bad.spent.push_back(bad.spent.front());
  EXPECT_EQ(state.apply(bad).error().reason, Reject::double_spend);
  bad = *good;
  bad.created.push_back({chain::genesis_outpoint(3), TxOutput{addr(keys[0]), Asset::ios, 1}});
  bad.fee_credits[0].amount -= 1;
  EXPECT_EQ(state.apply(bad).error().reason, Reject::duplicate);
  bad = *good;
  bad.pool_paid = 1;
  bad.fee_credits[0].amount += 1;
  EXPECT_EQ(state.apply(bad).error().reason, Reject::bad_amount);  // the pool is empty
  EXPECT_EQ(state.digest(), before);
  EXPECT_EQ(state.balance(addr(keys[0])), 2000u);
  ASSERT_TRUE(state.apply(*good).ok());
  EXPECT_NE(state.digest(), before);
  EXPECT_EQ(state.total_supply(), genesis_supply());
}

TEST_F(LedgerTest, DigestDependsOnContentNotOrder) {
  auto a = spend_genesis(0, 1, 300), b = spend_genesis(2, 0, 200);
  LedgerState one = state, two = state;
  ASSERT_TRUE(one.apply(*contracts::transfer(one, a, key_of(p1), 1)).ok());
  ASSERT_TRUE(one.apply(*contracts::transfer(one, b, key_of(p1), 1)).ok());
  ASSERT_TRUE(two.apply(*contracts::transfer(two, b, key_of(p1), 1)).ok());
  ASSERT_TRUE(two.apply(*contracts::transfer(two, a, key_of(p1), 1)).ok());
  EXPECT_EQ(one.digest(), two.digest());
  LedgerState three = state;
  ASSERT_TRUE(three.apply(*contracts::transfer(three, a, key_of(p1), 1)).ok());
  ASSERT_TRUE(three.apply(*contracts::transfer(three, b, key_of(p2), 1)).ok());  // another fee recipient
  EXPECT_NE(one.digest(), three.digest());
}

TEST_F(LedgerTest, BlockAppliesFeesAndServi) {
  std::vector<OptimisticBlock> merged{opt(p1, {spend_genesis(0, 1, 100), spend_genesis(1, 2, 100)}),
                                      opt(p1, {spend_genesis(2, 3, 100)}), opt(p2, {spend_genesis(4, 0, 100)})};
  auto body = propose(state, merged, {spend_genesis(6, 0, 100)});
  EXPECT_TRUE(body.excluded.empty());
  auto out = apply_ok(body, merged);
  EXPECT_EQ(out.applied, 5u);
  EXPECT_EQ(out.fees, 5u);
  EXPECT_EQ(state.height(), 1u);
  EXPECT_EQ(state.digest(), body.state_digest);
  EXPECT_EQ(state.find_validator(key_of(p1))->fees, 3u);
  EXPECT_EQ(state.find_validator(key_of(p2))->fees, 1u);
  EXPECT_EQ(state.find_validator(key_of(leader))->fees, 1u);
  EXPECT_EQ(state.find_validator(key_of(p1))->servi, 1u);  // one per final block, not per optimistic block
  EXPECT_EQ(state.find_validator(key_of(p2))->servi, 1u);
  EXPECT_EQ(state.find_validator(key_of(leader))->servi, 0u);  // cleared: it produced the block
  EXPECT_EQ(state.total_supply(), genesis_supply());
  EXPECT_EQ(state.epoch_records().at(key_of(p1)).last_seq, 1u);
  EXPECT_EQ(state.epoch_records().at(key_of(p1)).unchecked.size(), 3u);
}

TEST_F(LedgerTest, DoubleSpendWithinABlockMustBeExcluded) {
  auto first = spend_genesis(0, 1, 100, 1), second = spend_genesis(0, 2, 100, 2);
  std::vector<OptimisticBlock> merged{opt(p1, {first}), opt(p2, {second, spend_genesis(2, 0, 50)})};
  auto body = propose(state, merged);
  EXPECT_EQ(body.excluded, std::vector<core::Hash32>{chain::tx_hash(second)});
  auto unlisted = body;
  unlisted.excluded.clear();
  auto r = apply_block(state, unlisted, merged, min_fee);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, Reject::double_spend);
  EXPECT_EQ(state.height(), 0u);
  auto out = apply_ok(body, merged);
  EXPECT_EQ(out.applied, 2u);
  EXPECT_EQ(state.balance(addr(keys[1])), 1000u + 949u + 100u);  // allocation 3, change, payment
  EXPECT_EQ(state.balance(addr(keys[2])), 2000u);
}

TEST_F(LedgerTest, DoubleSpendAcrossBlocksMustBeExcluded) {
  std::vector<OptimisticBlock> b1{opt(p1, {spend_genesis(0, 1, 100, 1)})};
  apply_ok(propose(state, b1), b1);
  auto again = spend_genesis(0, 2, 100, 2);
  std::vector<OptimisticBlock> b2{opt(p2, {again})};
  auto body = propose(state, b2);
  EXPECT_EQ(body.excluded, std::vector<core::Hash32>{chain::tx_hash(again)});
  auto unlisted = body;
  unlisted.excluded.clear();
  EXPECT_EQ(apply_block(state, unlisted, b2, min_fee).error().reason, Reject::unknown_input);
  apply_ok(body, b2);
  EXPECT_EQ(state.find_validator(key_of(p2))->fees, 0u);  // excluded txs pay nothing
}

TEST_F(LedgerTest, ExcludingAValidTxIsRefused) {
  auto tx = spend_genesis(0, 1, 100);
  std::vector<OptimisticBlock> merged{opt(p1, {tx})};
  auto body = propose(state, merged);
  const auto before = state.digest();
  body.excluded = {chain::tx_hash(tx)};
  auto r = apply_block(state, body, merged, min_fee);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, Reject::bad_proof);
  EXPECT_EQ(state.digest(), before);
}

TEST_F(LedgerTest, BodyChecks) {
  std::vector<OptimisticBlock> merged{opt(p1, {spend_genesis(0, 1, 100)})};
  const auto good = propose(state, merged);
  auto refused = [&](BlockBody body, const std::vector<OptimisticBlock>& m) {
    auto r = apply_block(state, body, m, min_fee);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(state.height(), 0u);
    return r.ok() ? Reject::truncated : r.error().reason;
  };
  auto b = good;
  b.height = 2;
  EXPECT_EQ(refused(b, merged), Reject::wrong_height);
  b = good;
  b.leader = keys[0].public_key();
  EXPECT_EQ(refused(b, merged), Reject::unknown_validator);
  b = good;
  b.state_digest[0] ^= 1;
  EXPECT_EQ(refused(b, merged), Reject::bad_proof);
  b = good;
  b.mode = chain::LeagueMode::one_league;  // the leader, not the producer, would earn the fees
  EXPECT_EQ(refused(b, merged), Reject::bad_proof);
  b = good;
  b.optimistic_blocks[0][0] ^= 1;
  EXPECT_EQ(refused(b, merged), Reject::bad_proof);
  EXPECT_EQ(refused(good, {}), Reject::bad_proof);  // a listed block not given
  auto tampered = merged;
  tampered[0].signature[0] ^= 1;
  EXPECT_EQ(refused(good, tampered), Reject::bad_signature);
  auto stranger = validator(9);
  std::vector<OptimisticBlock> unknown{chain::make_optimistic_block(stranger.signing_key(), chain_id, {}, {})};
  EXPECT_EQ(refused(propose_unchecked(unknown), unknown), Reject::unknown_validator);
  apply_ok(good, merged);
}

TEST_F(LedgerTest, ReplayedOptimisticBlockIsRefused) {
  std::vector<OptimisticBlock> merged{opt(p1, {spend_genesis(0, 1, 100)})};
  apply_ok(propose(state, merged), merged);
  BlockBody replay;
  replay.height = 2;
  replay.leader = key_of(leader);
  replay.optimistic_blocks = {chain::header_hash(merged[0].header)};
  auto r = apply_block(state, replay, merged, min_fee);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, Reject::duplicate);
  // Within one body, a producer's blocks must come in seq order.
  auto later = opt(p1, {spend_genesis(2, 1, 100)}), latest = opt(p1, {spend_genesis(3, 1, 100)});
  std::vector<OptimisticBlock> swapped{latest, later};
  replay.optimistic_blocks = {chain::header_hash(latest.header), chain::header_hash(later.header)};
  EXPECT_EQ(apply_block(state, replay, swapped, min_fee).error().reason, Reject::duplicate);
  std::vector<OptimisticBlock> ordered{later, latest};
  apply_ok(propose(state, ordered), ordered);
}

// The fall-back (whitepaper §8.2): a one-league body may merge a returning believable
// validator's block, but every tx in it is fully verified and the leader earns the fees.
TEST_F(LedgerTest, OneLeagueMergesWithEveryWitnessChecked) {
  auto forged = spend_genesis(0, 1, 900);
  forged.inputs[0].witness[0] ^= 1;
  std::vector<OptimisticBlock> merged{opt(p1, {forged, spend_genesis(2, 0, 10)})};
  BlockBody body = propose_unchecked(merged);
  body.mode = chain::LeagueMode::one_league;
  auto preview = preview_block(state, body, merged, min_fee);
  ASSERT_TRUE(preview.ok()) << preview.error().message();
  EXPECT_EQ(preview->excluded, std::vector<core::Hash32>{chain::tx_hash(forged)});
  body.excluded = preview->excluded;
  body.state_digest = preview->state_digest;
  auto out = apply_ok(body, merged);
  EXPECT_EQ(out.applied, 1u);
  EXPECT_EQ(state.find_validator(key_of(leader))->fees, 1u);
  EXPECT_EQ(state.find_validator(key_of(p1))->fees, 0u);
  EXPECT_EQ(state.total_supply(), genesis_supply());
}

// A client that resubmits a tx to a second producer: the copy is skipped, not excluded, so an
// excluded hash always means "not applied".
TEST_F(LedgerTest, RepeatedTxInOneBlockIsSkippedNotExcluded) {
  const auto tx = spend_genesis(0, 1, 10);
  std::vector<OptimisticBlock> merged{opt(p1, {tx}), opt(p2, {tx, spend_genesis(1, 2, 5)})};
  auto body = propose(state, merged);
  EXPECT_TRUE(body.excluded.empty());
  auto out = apply_ok(body, merged);
  EXPECT_EQ(out.applied, 2u);
  EXPECT_EQ(state.total_supply(), genesis_supply());
}

TEST_F(LedgerTest, DirectTxsAreFullyVerified) {
  auto forged = spend_genesis(0, 1, 900);
  forged.inputs[0].witness[0] ^= 1;
  auto wrong_owner = spend(chain::genesis_outpoint(2), 0, 0, 1000, 900);  // account 0 signs account 1's coin
  auto body = propose(state, {}, {forged, wrong_owner, spend_genesis(4, 0, 10)});
  auto expected = std::vector<core::Hash32>{chain::tx_hash(forged), chain::tx_hash(wrong_owner)};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(body.excluded, expected);
  EXPECT_EQ(body.mode, chain::LeagueMode::one_league);
  auto out = apply_ok(body, {});
  EXPECT_EQ(out.applied, 1u);
  EXPECT_EQ(state.find_validator(key_of(leader))->fees, 1u);
}

TEST_F(LedgerTest, FraudProofInTheSameBlock) {
  // p1 vouches for a forged theft of allocation 0 (account 0) to account 3.
  auto theft = spend_genesis(0, 3, 999, 0);
  theft.outputs.resize(1);
  theft.fee = 1;
  theft.inputs[0].witness[9] ^= 1;
  auto honest = spend_genesis(2, 0, 100);
  std::vector<OptimisticBlock> merged{opt(p1, {honest, theft})};
  auto proof = chain::make_fraud_proof(merged[0], 1);
  auto body = propose(state, merged, {}, {proof});
  EXPECT_EQ(body.excluded, std::vector<core::Hash32>{chain::tx_hash(theft)});
  auto twice = body;
  twice.fraud_proofs.push_back(proof);
  EXPECT_EQ(apply_block(state, twice, merged, min_fee).error().reason, Reject::duplicate);
  auto out = apply_ok(body, merged);
  EXPECT_EQ(out.slashed, std::vector<crypto::PublicKey>{key_of(p1)});
  EXPECT_EQ(out.compensated_txs, 0u);  // nothing was stolen: the theft never applied
  const auto* convicted = state.find_validator(key_of(p1));
  EXPECT_TRUE(convicted->slashed);
  EXPECT_EQ(convicted->servi, 0u);
  EXPECT_EQ(state.slashed_pool(), 5000u);
  EXPECT_EQ(state.find_validator(key_of(leader))->fees, 1u);  // the honest tx's fee: the leader re-checked it
  EXPECT_EQ(state.balance(addr(keys[0])), 2000u + 100u);
  EXPECT_EQ(state.total_supply(), genesis_supply());
  // A second conviction is refused.
  BlockBody again = propose_unchecked({});
  again.fraud_proofs = {proof};
  EXPECT_EQ(apply_block(state, again, {}, min_fee).error().reason, Reject::slashed);
}

TEST_F(LedgerTest, FraudFoundLaterIsSlashedAndVictimsCompensated) {
  auto theft = spend_genesis(0, 3, 990);  // 990 to account 3, 9 change to account 0, fee 1
  theft.inputs[0].witness[9] ^= 1;
  auto other_theft = spend_genesis(1, 3, 500);
  other_theft.inputs[0].witness[9] ^= 1;
  std::vector<OptimisticBlock> b1{opt(p1, {theft, spend_genesis(2, 0, 100)}), opt(p1, {other_theft})};
  apply_ok(propose(state, b1), b1);  // not sampled: the thefts go through
  EXPECT_EQ(state.balance(addr(keys[3])), 2000u + 990u + 500u);
  EXPECT_EQ(state.find_validator(key_of(p1))->fees, 3u);

  // One proof (for the first theft) convicts p1; the re-check finds both thefts.
  std::vector<OptimisticBlock> b2{opt(p1, {spend_genesis(4, 1, 10)})};
  auto body = propose(state, b2, {}, {chain::make_fraud_proof(b1[0], 0)});
  auto out = apply_ok(body, b2);
  EXPECT_EQ(out.compensated_txs, 2u);
  EXPECT_EQ(out.compensation_paid, 2000u);  // both stolen allocations, exactly
  EXPECT_EQ(out.compensation_shortfall, 0u);
  EXPECT_EQ(state.slashed_pool(), 5000u + 3u - 2000u);
  EXPECT_EQ(state.balance(addr(keys[0])), 9u + 499u + 100u + 2000u);  // change, change, payment, compensation
  EXPECT_EQ(state.find_validator(key_of(leader))->fees, 1u);          // b2's tx, fully checked after conviction
  EXPECT_TRUE(state.epoch_records().at(key_of(p1)).unchecked.empty());
  EXPECT_EQ(state.total_supply(), genesis_supply());
}

TEST_F(LedgerTest, CompensationIsCappedByThePool) {
  // p2 has only 100 at stake.
  auto theft = spend_genesis(0, 3, 998);
  theft.inputs[0].witness[9] ^= 1;
  std::vector<OptimisticBlock> b1{opt(p2, {theft})};
  apply_ok(propose(state, b1), b1);
  std::vector<OptimisticBlock> none;
  auto out = apply_ok(propose(state, none, {}, {chain::make_fraud_proof(b1[0], 0)}), none);
  EXPECT_EQ(out.compensation_paid, 101u);  // stake 100 + the theft's own fee
  EXPECT_EQ(out.compensation_shortfall, 899u);
  EXPECT_EQ(state.slashed_pool(), 0u);
  EXPECT_EQ(state.total_supply(), genesis_supply());
}

TEST_F(LedgerTest, ConflictingTxsMatchesPreview) {
  auto a = spend_genesis(0, 1, 100, 1), a2 = spend_genesis(0, 2, 100, 2), forged = spend_genesis(2, 1, 5);
  forged.inputs[0].witness[0] ^= 1;
  std::vector<OptimisticBlock> merged{opt(p1, {a, forged}), opt(p2, {a2})};
  std::vector<Tx> direct{spend_genesis(4, 1, 7), a2};
  std::vector<chain::FraudProof> proofs{chain::make_fraud_proof(merged[0], 1)};
  auto listed = conflicting_txs(state, merged, direct, proofs, min_fee);
  auto body = propose(state, merged, direct, proofs);
  EXPECT_EQ(listed, body.excluded);
  EXPECT_EQ(listed.size(), 2u);  // forged (p1 convicted, so re-checked) and a2 (twice)
  apply_ok(body, merged);
}

TEST_F(LedgerTest, NewEpochForgetsTheOldEpochsRecords) {
  std::vector<OptimisticBlock> b1{opt(p1, {spend_genesis(0, 1, 100)})};
  apply_ok(propose(state, b1), b1);
  epoch = 1;
  next_seq.clear();  // seqs restart in a new epoch
  std::vector<OptimisticBlock> b2{opt(p1, {spend_genesis(2, 1, 100)})};
  apply_ok(propose(state, b2), b2);
  EXPECT_EQ(state.epoch(), 1u);
  EXPECT_EQ(state.epoch_records().at(key_of(p1)).unchecked.size(), 1u);
  epoch = 0;
  BlockBody back = propose_unchecked({});
  EXPECT_EQ(apply_block(state, back, {}, min_fee).error().reason, Reject::wrong_height);
}

// A joining validator's state (state_snapshot.hpp): the state after a block that opens an epoch,
// moved as bytes, is the same state; and nothing but the state the block committed to is taken.
TEST_F(LedgerTest, SnapshotCarriesExactlyTheCommittedState) {
  apply_ok(propose(state, {}, {spend_genesis(0, 1, 100), spend_genesis(2, 3, 50)}), {});
  epoch = 1;  // the block that opens epoch 1 carries nothing, so no producer has a record
  apply_ok(propose(state, {}, {}), {});
  const auto bytes = encode_snapshot(state);
  const contracts::ShardScope scope{0, 1};
  auto back = decode_snapshot(bytes, genesis, scope, state.digest());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->digest(), state.digest());
  EXPECT_EQ(back->utxos(), state.utxos());
  EXPECT_EQ(back->validators(), state.validators());
  EXPECT_EQ(back->height(), state.height());
  EXPECT_EQ(back->epoch(), 1u);
  EXPECT_EQ(back->balance(addr(keys[1])), state.balance(addr(keys[1])));
  EXPECT_EQ(back->total_supply(), genesis_supply());
  EXPECT_EQ(encode_snapshot(*back), bytes) << "one state, one encoding";

  // The state of another block: refused, whatever else is right about it.
  auto other = state.digest();
  other[0] ^= 1;
  EXPECT_EQ(decode_snapshot(bytes, genesis, scope, other).error().reason, Reject::bad_proof);
  // An amount raised by a hostile peer changes the digest.
  auto raised = bytes;
  raised[1 + 8 + 8 + 8 + 4 + 32 + 4 + 32 + 1] ^= 0x40;  // the first output's amount
  EXPECT_EQ(decode_snapshot(raised, genesis, scope, state.digest()).error().reason, Reject::bad_proof);
  // Bytes encode_snapshot never writes.
  auto truncated = bytes;
  truncated.pop_back();
  EXPECT_EQ(decode_snapshot(truncated, genesis, scope, state.digest()).error().reason, Reject::truncated);
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(decode_snapshot(longer, genesis, scope, state.digest()).ok());
  core::Bytes huge_count(bytes.begin(), bytes.begin() + 25);
  for (int i = 0; i < 4; ++i) huge_count.push_back(0xff);
  EXPECT_EQ(decode_snapshot(huge_count, genesis, scope, state.digest()).error().reason, Reject::length_over_limit);
  EXPECT_EQ(decode_snapshot(bytes, genesis, contracts::ShardScope{0, 2}, state.digest()).error().reason,
            Reject::wrong_shard);
}

TEST_F(LedgerTest, SnapshotOutOfOrderIsRefused) {
  epoch = 1;
  apply_ok(propose(state, {}, {}), {});
  auto bytes = encode_snapshot(state);
  // Swap the first two outputs (81 bytes each): the same set, in an order encode never writes.
  const std::size_t first = 1 + 8 + 8 + 8 + 4, entry = 32 + 4 + 32 + 1 + 8;
  std::swap_ranges(bytes.begin() + first, bytes.begin() + first + entry, bytes.begin() + first + entry);
  EXPECT_EQ(decode_snapshot(bytes, genesis, contracts::ShardScope{0, 1}, state.digest()).error().reason,
            Reject::non_canonical);
}

TEST_F(LedgerTest, RandomBlocksConserveSupplyAndReplayIdentically) {
  auto rng = test::seeded_rng("ledger-random-blocks", 20240601);
  LedgerState replica = state;
  std::vector<crypto::Identity> producers{validator(1), validator(2)};
  std::size_t excluded = 0, applied = 0, slashed = 0;
  for (int round = 0; round < 40; ++round) {
    std::vector<std::pair<OutPoint, TxOutput>> utxos(state.utxos().begin(), state.utxos().end());
    std::vector<Tx> pool;
    for (int t = 0; t < 12 && !utxos.empty(); ++t) {
      const auto& [op, out] = utxos[rng.uniform(utxos.size())];  // repeats make double spends
      std::size_t from = 0;
      while (addr(keys[from]) != out.owner) ++from;
      if (out.amount < 3) continue;
      const auto amount = 1 + rng.uniform(out.amount - 2);
      auto tx = spend(op, rng.uniform(5) == 0 ? (from + 1) % accounts : from, rng.uniform(accounts), out.amount, amount,
                      1, rng.next_u64());
      if (rng.uniform(10) == 0) tx.inputs[0].witness[0] ^= 1;  // a forgery
      pool.push_back(tx);
    }
    std::vector<OptimisticBlock> merged;
    std::vector<Tx> direct;
    std::vector<Tx> batch[2];
    for (auto& tx : pool) {
      auto where = rng.uniform(3);
      if (where == 2)
        direct.push_back(tx);
      else
        batch[where].push_back(tx);
    }
    for (int p = 0; p < 2; ++p) {
      const auto* account = state.find_validator(key_of(producers[p]));
      if (!batch[p].empty() && !account->slashed) merged.push_back(opt(producers[p], batch[p]));
    }
    std::vector<chain::FraudProof> proofs;
    for (const auto& b : merged) {
      for (std::uint32_t i = 0; i < b.txs.size() && proofs.empty(); ++i) {
        if (!chain::verify_witnesses(b.txs[i], chain_id) && rng.uniform(2) == 0)
          proofs.push_back(chain::make_fraud_proof(b, i));
      }
    }
    auto body = propose(state, merged, direct, proofs);
    ASSERT_EQ(body.excluded, conflicting_txs(state, merged, direct, proofs, min_fee)) << "round " << round;
    auto out = apply_block(state, body, merged, min_fee);
    ASSERT_TRUE(out.ok()) << "round " << round << ": " << out.error().message();
    ASSERT_EQ(state.total_supply(), genesis_supply()) << "round " << round;
    ASSERT_TRUE(apply_block(replica, decode_roundtrip(body), merged, min_fee).ok()) << "round " << round;
    ASSERT_EQ(replica.digest(), state.digest()) << "round " << round;
    for (const auto& [op, o] : state.utxos()) ASSERT_GT(o.amount, 0u);
    excluded += out->excluded.size();
    applied += out->applied;
    slashed += out->slashed.size();
  }
  // The run exercised what it claims to: conflicts, forgeries and convictions.
  EXPECT_GT(applied, 50u);
  EXPECT_GT(excluded, 10u);
  EXPECT_GE(slashed, 1u);
  std::printf("random blocks: %zu applied, %zu excluded, %zu slashed\n", applied, excluded, slashed);
}

}  // namespace
}  // namespace ios::ledger
