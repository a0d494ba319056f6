// ByzCoin finality (node/chain/finality): the block hash, the two signed messages with
// distinct tags, the FinalizedBlock encoding, verify_finality and the quorum policy. Real CoSi
// rounds over a roster of 4 (f = 1, quorum 3); every negative a light client relies on.
#include "node/chain/finality.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"
#include "support/chain_fixtures.hpp"
#include "support/test_support.hpp"

using namespace ios;
using chain::FinalizedBlock;

namespace {

// The chain the test keys' proofs of possession are bound to.
const ios::core::ByteView test_chain = ios::core::as_bytes("ios-test-chain");

using test::chain_id;

struct Roster {
  std::vector<crypto::SigningKey> keys;
  crypto::CosiRoster roster;
};

Roster make_roster(std::size_t n, core::Rng& rng) {
  Roster r;
  std::vector<crypto::CosiKey> cosi;
  for (std::size_t i = 0; i < n; ++i) {
    crypto::Seed s;
    rng.fill({s.data(), s.size()});
    r.keys.emplace_back(s);
    auto k = crypto::CosiKey::admit(r.keys.back().public_key(), test_chain, 0,
                                    crypto::make_pop(r.keys.back(), test_chain, 0));
    EXPECT_TRUE(k.ok());
    cosi.push_back(*k);
  }
  auto roster = crypto::CosiRoster::create(std::move(cosi));
  EXPECT_TRUE(roster.ok());
  r.roster = std::move(roster).value();
  return r;
}

// One honest CoSi round by the members in `signers`.
crypto::CollectiveSignature cosign(const Roster& r, const std::vector<std::size_t>& signers, core::ByteView message,
                                   core::Rng& rng) {
  crypto::CosiMask mask(r.keys.size());
  std::vector<std::unique_ptr<crypto::CosiSigner>> s;
  std::vector<core::ByteArray<32>> vs, rs;
  for (auto i : signers) {
    mask.set(i, true);
    s.push_back(std::make_unique<crypto::CosiSigner>(r.keys[i]));
    vs.push_back(s.back()->commit(rng));
  }
  auto challenge = crypto::make_challenge(*crypto::sum_commitments(vs), *r.roster.aggregate(mask), message);
  for (auto& signer : s) rs.push_back(*signer->respond(challenge, message));
  return {challenge.aggregate_commitment, *crypto::sum_responses(rs), mask};
}

FinalizedBlock finalize(const Roster& r, std::uint64_t height, std::uint64_t view, const core::Hash32& prev,
                        core::Bytes body, core::Rng& rng, std::vector<std::size_t> signers = {0, 1, 2, 3}) {
  FinalizedBlock b{height, view, prev, std::move(body), {}, {}};
  b.prepare = cosign(r, signers, chain::prepare_message(chain_id, core::Height{height}, core::View{view}, b.hash()), rng);
  b.commit = cosign(r, signers, chain::commit_message(chain_id, core::Height{height}, core::View{view}, b.hash(), b.prepare), rng);
  return b;
}

}  // namespace

TEST(Finality, QuorumIsTwoFPlusOneForThreeFPlusOneAndSafeOtherwise) {
  EXPECT_EQ(chain::byzcoin_quorum(1), 1u);
  EXPECT_EQ(chain::byzcoin_quorum(3), 3u);
  EXPECT_EQ(chain::byzcoin_quorum(4), 3u);
  EXPECT_EQ(chain::byzcoin_quorum(7), 5u);
  EXPECT_EQ(chain::byzcoin_quorum(10), 7u);
  EXPECT_EQ(chain::byzcoin_quorum(5), 4u);  // 2f+1 = 3 would let two quorums meet only in the faulty one
  EXPECT_EQ(chain::byzcoin_quorum(100), 67u);
  for (std::uint32_t n = 1; n <= 200; ++n) {
    const std::uint32_t f = (n - 1) / 3, q = chain::byzcoin_quorum(n);
    EXPECT_GT(2 * q, n + f) << "two quorums share an honest member, n = " << n;
    EXPECT_LE(q, n - f) << "f silent members cannot stop a quorum, n = " << n;
  }
}

TEST(Finality, BlockHashIsTheTaggedSha256AndBindsEveryField) {
  core::Hash32 prev{};
  prev[0] = 7;
  const core::Bytes body = {'a', 'b'};
  core::Writer w;
  w.raw(core::as_bytes("IOS/v1/block")).u64(5).raw(prev).raw(body);
  EXPECT_EQ(chain::block_hash(5, prev, body), crypto::sha256(w.view()));
  EXPECT_NE(chain::block_hash(6, prev, body), chain::block_hash(5, prev, body));
  EXPECT_NE(chain::block_hash(5, {}, body), chain::block_hash(5, prev, body));
  EXPECT_NE(chain::block_hash(5, prev, core::Bytes{'a'}), chain::block_hash(5, prev, body));
  // The two signed messages never coincide, whatever the fields.
  const crypto::CollectiveSignature none{};
  EXPECT_NE(chain::prepare_message(chain_id, core::Height{5}, core::View{0}, prev),
            chain::commit_message(chain_id, core::Height{5}, core::View{0}, prev, none));
}

TEST(Finality, HonestBlockVerifiesAndRoundTrips) {
  auto rng = test::seeded_rng("IOS/test/finality", 1);
  const auto r = make_roster(4, rng);
  const auto b = finalize(r, 0, 0, {}, {'x'}, rng);
  ASSERT_TRUE(chain::verify_finality(b, r.roster, chain_id).ok());
  // Three of four is the quorum.
  const auto three = finalize(r, 0, 2, {}, {'x'}, rng, {0, 2, 3});
  EXPECT_TRUE(chain::verify_finality(three, r.roster, chain_id).ok());
  const auto wire = chain::encode(b);
  auto back = chain::decode_finalized_block(wire);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, b);
  for (std::size_t len = 0; len < wire.size(); ++len)
    EXPECT_FALSE(chain::decode_finalized_block(core::ByteView(wire).first(len)).ok()) << len;
  auto longer = wire;
  longer.push_back(0);
  EXPECT_EQ(chain::decode_finalized_block(longer).error().reason, core::Reject::trailing_bytes);
  auto version = wire;
  version[0] = 2;
  EXPECT_EQ(chain::decode_finalized_block(version).error().reason, core::Reject::unknown_version);
}

TEST(Finality, RefusesEveryForgery) {
  auto rng = test::seeded_rng("IOS/test/finality", 2);
  const auto r = make_roster(4, rng);
  const auto b = finalize(r, 3, 1, {}, {'x'}, rng);
  auto refused = [&](const FinalizedBlock& x, const core::Bytes& chain = chain_id) {
    auto ok = chain::verify_finality(x, r.roster, chain);
    return !ok && ok.error().reason == core::Reject::bad_signature;
  };
  EXPECT_TRUE(refused(finalize(r, 3, 1, {}, {'x'}, rng, {0, 1})));  // two of four: below quorum
  EXPECT_TRUE(refused(b, core::Bytes{'o', 't', 'h', 'e', 'r'}));    // another chain
  auto swapped = b;
  swapped.commit = b.prepare;  // a prepare signature never passes as a commit
  EXPECT_TRUE(refused(swapped));
  swapped = b;
  swapped.prepare = b.commit;
  EXPECT_TRUE(refused(swapped));
  auto moved = b;
  ++moved.height;
  EXPECT_TRUE(refused(moved));
  moved = b;
  ++moved.view;
  EXPECT_TRUE(refused(moved));
  moved = b;
  moved.body.push_back('!');
  EXPECT_TRUE(refused(moved));
  moved = b;
  moved.prev[0] ^= 1;
  EXPECT_TRUE(refused(moved));
  // A commit over another block's prepare certificate.
  const auto other = finalize(r, 3, 1, {}, {'y'}, rng);
  moved = b;
  moved.commit = other.commit;
  EXPECT_TRUE(refused(moved));
  // A mask claiming a member who did not sign.
  moved = finalize(r, 3, 1, {}, {'x'}, rng, {0, 1, 2});
  moved.commit.mask.set(3, true);
  EXPECT_TRUE(refused(moved));
}

TEST(Finality, DecoderRefusesOversizedBodies) {
  core::Writer w;
  w.u8(chain::finalized_block_version).u64(0).u64(0).raw(core::Hash32{}).u32(chain::finalized_body_bytes_max + 1);
  auto r = chain::decode_finalized_block(w.view());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, core::Reject::length_over_limit);
}

// docs/security.md "Consensus signatures replayed across shards or epochs": the shards of one
// chain may share members (and after a reassignment they do), so a final block — or a vote —
// made in one (shard, epoch) must verify in no other.
TEST(Finality, ConsensusDomainBindsChainShardAndEpoch) {
  using core::Epoch;
  using core::ShardId;
  const auto d = [](std::string_view chain, std::uint32_t s, std::uint64_t e) {
    return chain::consensus_domain(core::as_bytes(chain), ShardId{s}, Epoch{e});
  };
  core::Writer w;
  w.bytes(core::as_bytes("c")).u32(1).u64(2);
  EXPECT_EQ(d("c", 1, 2), w.take()) << "bytes(chain) ‖ u32 shard ‖ u64 epoch";
  EXPECT_NE(d("c", 0, 0), d("c", 1, 0));
  EXPECT_NE(d("c", 0, 0), d("c", 0, 1));
  EXPECT_NE(d("c", 0, 0), d("d", 0, 0));
  // Length-prefixed: a chain id cannot absorb the shard's bytes.
  EXPECT_NE(d(std::string_view("c\x01\0\0\0", 5), 0, 0), d("c", 1, 0));
  // TransEpoch steps: each segment of a shard's epoch signs in a domain of its own; step 0 is
  // the domain of before.
  const auto step = [](std::uint32_t k) {
    return chain::consensus_domain(core::as_bytes(std::string_view("c")), ShardId{1}, Epoch{2}, k);
  };
  EXPECT_EQ(step(0), d("c", 1, 2));
  EXPECT_NE(step(1), step(0));
  EXPECT_NE(step(1), step(2));
  core::Writer with_step;
  with_step.bytes(core::as_bytes(std::string_view("c"))).u32(1).u64(2).u32(3);
  EXPECT_EQ(step(3), with_step.take()) << "bytes(chain) ‖ u32 shard ‖ u64 epoch ‖ u32 step";

  auto rng = test::seeded_rng("IOS/test/finality", 3);
  const auto r = make_roster(4, rng);
  const auto shard0 = d("ios-test", 0, 0);
  FinalizedBlock b{0, 0, {}, {'x'}, {}, {}};
  b.prepare = cosign(r, {0, 1, 2, 3}, chain::prepare_message(shard0, core::Height{0}, core::View{0}, b.hash()), rng);
  b.commit = cosign(r, {0, 1, 2, 3}, chain::commit_message(shard0, core::Height{0}, core::View{0}, b.hash(), b.prepare), rng);
  ASSERT_TRUE(chain::verify_finality(b, r.roster, shard0).ok());
  for (const auto& other : {d("ios-test", 1, 0), d("ios-test", 0, 1), core::Bytes(core::as_bytes(std::string_view("ios-test")).begin(),
                                                                                    core::as_bytes(std::string_view("ios-test")).end())}) {
    auto ok = chain::verify_finality(b, r.roster, other);
    ASSERT_FALSE(ok.ok());
    EXPECT_EQ(ok.error().reason, core::Reject::bad_signature);
  }
}
