// Final block bodies (node/chain/block_body.hpp): canonical, bounded encoding; excluded sorted.
#include "node/chain/block_body.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "support/chain_fixtures.hpp"

namespace ios::chain {
namespace {

using core::Reject;

using test::chain_id;
using test::seeded_key;

BlockBody sample_body() {
  auto producer = seeded_key(1), user = seeded_key(2);
  std::vector<Tx> txs;
  for (std::uint32_t i = 0; i < 3; ++i)
    txs.push_back(test::self_transfer(user, test::outpoint("f", i), 5, i, chain_id));
  txs[1].inputs[0].witness[0] ^= 1;
  auto block = make_optimistic_block(producer, chain_id, OptimisticHeader{}, txs);
  BlockBody body;
  body.shard = 3;
  body.epoch = 4;
  body.height = 5;
  body.mode = LeagueMode::two_leagues;
  body.leader = seeded_key(3).public_key();
  body.optimistic_blocks = {header_hash(block.header), crypto::sha256(core::as_bytes("x"))};
  body.direct_txs = {txs[0], txs[2]};
  body.excluded = {crypto::sha256(core::as_bytes("1")), crypto::sha256(core::as_bytes("2")),
                   crypto::sha256(core::as_bytes("3"))};
  std::sort(body.excluded.begin(), body.excluded.end());
  body.fraud_proofs = {make_fraud_proof(block, 1)};
  body.state_digest = crypto::sha256(core::as_bytes("state"));
  body.time_ms = 99;
  return body;
}

TEST(BlockBody, RoundTrips) {
  auto body = sample_body();
  auto bytes = encode(body);
  auto back = decode_block_body(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, body);
  EXPECT_EQ(encode(*back), bytes);
  BlockBody empty;
  auto e = decode_block_body(encode(empty));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, empty);
}

TEST(BlockBody, HashCoversContent) {
  auto body = sample_body();
  const auto h = body_hash(body);
  EXPECT_EQ(h, crypto::sha256({core::as_bytes("IOS/v1/block-body"), encode(body)}));
  auto b = body;
  b.mode = LeagueMode::one_league;
  EXPECT_NE(body_hash(b), h);
  b = body;
  b.excluded.pop_back();
  EXPECT_NE(body_hash(b), h);
  b = body;
  b.fraud_proofs[0].index ^= 1;
  EXPECT_NE(body_hash(b), h);
  b = body;
  b.state_digest[31] ^= 1;
  EXPECT_NE(body_hash(b), h);
}

TEST(BlockBody, DecodeRefusals) {
  auto body = sample_body();
  auto bytes = encode(body);
  EXPECT_EQ(decode_block_body(core::ByteView(bytes).first(bytes.size() - 1)).error().reason, Reject::truncated);
  auto trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(decode_block_body(trailing).error().reason, Reject::trailing_bytes);
  auto v = bytes;
  v[0] = 2;
  EXPECT_EQ(decode_block_body(v).error().reason, Reject::unknown_version);
  auto mode = bytes;
  mode[1 + 4 + 8 + 8] = 2;
  EXPECT_EQ(decode_block_body(mode).error().reason, Reject::non_canonical);

  auto unsorted = body;
  std::swap(unsorted.excluded[0], unsorted.excluded[1]);
  EXPECT_EQ(decode_block_body(encode(unsorted)).error().reason, Reject::non_canonical);
  auto repeated = body;
  repeated.excluded[1] = repeated.excluded[0];
  EXPECT_EQ(decode_block_body(encode(repeated)).error().reason, Reject::non_canonical);

  auto bad_proof = body;
  bad_proof.fraud_proofs[0].header_signature[0] ^= 1;  // still decodes: checking is the ledger's job
  EXPECT_TRUE(decode_block_body(encode(bad_proof)).ok());

  core::Writer w;
  w.u8(block_body_version).u32(0).u64(0).u64(0).u8(0).raw(body.leader);
  w.u32(static_cast<std::uint32_t>(block_optimistic_blocks_max + 1));
  EXPECT_EQ(decode_block_body(w.view()).error().reason, Reject::length_over_limit);
  core::Writer w2;
  w2.u8(block_body_version).u32(0).u64(0).u64(0).u8(0).raw(body.leader).u32(0).u32(1).bytes(core::Bytes{7});
  auto e = decode_block_body(w2.view());
  EXPECT_EQ(e.error().reason, Reject::unknown_version);
  EXPECT_EQ(e.error().detail.rfind("direct tx 0: ", 0), 0u) << e.error().detail;
}

}  // namespace
}  // namespace ios::chain
