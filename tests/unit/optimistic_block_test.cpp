// Optimistic blocks (node/chain/optimistic_block.hpp): the producer's signature binds the
// header, the header binds the exact transaction bytes through the Merkle root, and the
// witnesses are deliberately not checked (that is the sampler's job in PoB phase 2).
#include "node/chain/optimistic_block.hpp"

#include <gtest/gtest.h>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/merkle.hpp"
#include "support/chain_fixtures.hpp"

namespace ios::chain {
namespace {

using core::Reject;

using test::chain_id;

Tx some_tx(const crypto::SigningKey& k, std::uint32_t i) {
  return test::self_transfer(k, test::outpoint("funding", i), 10 + i, i, chain_id);
}

struct OptimisticBlockTest : ::testing::Test {
  crypto::SigningKey producer = test::seeded_key(7), user = test::seeded_key(8);
  OptimisticBlock block = make_block(5);

  OptimisticBlock make_block(std::uint32_t n) {
    std::vector<Tx> txs;
    for (std::uint32_t i = 0; i < n; ++i) txs.push_back(some_tx(user, i));
    OptimisticHeader h;
    h.shard = 1;
    h.epoch = 2;
    h.seq = 3;
    h.prev = crypto::sha256(core::as_bytes("prev"));
    h.time_ms = 1234;
    return make_optimistic_block(producer, chain_id, h, std::move(txs));
  }
};

TEST_F(OptimisticBlockTest, MakeFillsRootCountProducerAndVerifies) {
  EXPECT_EQ(block.header.producer, producer.public_key());
  EXPECT_EQ(block.header.tx_count, 5u);
  EXPECT_EQ(block.header.tx_root, tx_root(block.txs));
  EXPECT_EQ(tx_leaf(block.txs[0]), crypto::merkle::leaf_hash(encode(block.txs[0])));
  EXPECT_TRUE(verify_optimistic_block(block, chain_id).ok());
  auto empty = make_block(0);
  EXPECT_EQ(empty.header.tx_root, crypto::merkle::empty_root());
  EXPECT_TRUE(verify_optimistic_block(empty, chain_id).ok());
}

TEST_F(OptimisticBlockTest, RoundTrips) {
  auto bytes = encode(block);
  auto back = decode_optimistic_block(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, block);
  EXPECT_EQ(encode(*back), bytes);
  auto header = decode_optimistic_header(encode(block.header));
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(*header, block.header);
  EXPECT_EQ(encode(block.header).size(), optimistic_header_bytes);
}

TEST_F(OptimisticBlockTest, WitnessesAreNotCheckedHere) {
  auto forged = block;
  forged.txs[2].inputs[0].witness[0] ^= 1;
  // The producer signed a root over the forged bytes: the block is "valid" as a signed batch,
  // and only a fraud proof can convict it.
  forged.header.tx_root = tx_root(forged.txs);
  forged.signature = sign_optimistic_header(producer, chain_id, forged.header);
  EXPECT_TRUE(verify_optimistic_block(forged, chain_id).ok());
  EXPECT_FALSE(verify_witnesses(forged.txs[2], chain_id).ok());
}

TEST_F(OptimisticBlockTest, TamperingIsRefused) {
  auto b = block;
  b.signature[10] ^= 1;
  EXPECT_EQ(verify_optimistic_block(b, chain_id).error().reason, Reject::bad_signature);
  EXPECT_EQ(verify_optimistic_block(block, core::as_bytes("other")).error().reason, Reject::bad_signature);
  b = block;
  b.header.time_ms += 1;
  EXPECT_EQ(verify_optimistic_block(b, chain_id).error().reason, Reject::bad_signature);
  b = block;
  b.txs[1].inputs[0].witness[3] ^= 1;  // a changed witness changes the leaf
  EXPECT_EQ(verify_optimistic_block(b, chain_id).error().reason, Reject::bad_merkle_proof);
  b = block;
  b.txs.pop_back();
  EXPECT_EQ(verify_optimistic_block(b, chain_id).error().reason, Reject::bad_merkle_proof);
  b = block;
  std::swap(b.txs[0], b.txs[1]);
  EXPECT_EQ(verify_optimistic_block(b, chain_id).error().reason, Reject::bad_merkle_proof);
  b = block;
  b.header.producer = user.public_key();
  EXPECT_EQ(verify_optimistic_block(b, chain_id).error().reason, Reject::bad_signature);
}

TEST_F(OptimisticBlockTest, HeaderHashCoversEveryField) {
  const auto h0 = header_hash(block.header);
  EXPECT_EQ(h0, crypto::sha256({core::as_bytes("IOS/v1/opt-header"), encode(block.header)}));
  for (auto mutate : std::vector<void (*)(OptimisticHeader&)>{
           [](OptimisticHeader& h) { h.shard++; }, [](OptimisticHeader& h) { h.epoch++; },
           [](OptimisticHeader& h) { h.producer[0] ^= 1; }, [](OptimisticHeader& h) { h.seq++; },
           [](OptimisticHeader& h) { h.prev[0] ^= 1; }, [](OptimisticHeader& h) { h.tx_root[0] ^= 1; },
           [](OptimisticHeader& h) { h.tx_count++; }, [](OptimisticHeader& h) { h.time_ms++; }}) {
    auto h = block.header;
    mutate(h);
    EXPECT_NE(header_hash(h), h0);
  }
}

TEST_F(OptimisticBlockTest, DecodeRefusals) {
  auto bytes = encode(block);
  auto r = decode_optimistic_block(core::ByteView(bytes).first(bytes.size() - 1));
  EXPECT_EQ(r.error().reason, Reject::truncated);
  auto trailing = bytes;
  trailing.push_back(1);
  EXPECT_EQ(decode_optimistic_block(trailing).error().reason, Reject::trailing_bytes);
  auto v = bytes;
  v[1] = 9;  // the header's version byte
  EXPECT_EQ(decode_optimistic_block(v).error().reason, Reject::unknown_version);
  // A bad inner transaction is named.
  auto inner = bytes;
  const std::size_t first_tx = 1 + optimistic_header_bytes + 64 + 4 + 4;
  inner[first_tx] = 2;  // the tx version byte
  auto e = decode_optimistic_block(inner);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().reason, Reject::unknown_version);
  EXPECT_EQ(e.error().detail.rfind("tx 0: ", 0), 0u) << e.error().detail;
  core::Writer w;
  w.u8(optimistic_block_version).raw(encode(block.header)).raw(block.signature);
  w.u32(static_cast<std::uint32_t>(optimistic_block_txs_max + 1));
  EXPECT_EQ(decode_optimistic_block(w.view()).error().reason, Reject::length_over_limit);
  EXPECT_EQ(decode_optimistic_header(core::ByteView(bytes).subspan(1, optimistic_header_bytes - 1)).error().reason,
            Reject::truncated);
}

}  // namespace
}  // namespace ios::chain
