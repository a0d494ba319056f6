// The peer handshake (node/net/handshake.hpp, docs/DESIGN.md §5). What is checked:
//   - two honest sides authenticate each other, dialed or accepted;
//   - every refusal, with its typed reason: other chain, unknown node id, unknown key for a
//     known id, the wrong node answering a dial, a forged / swapped / bit-flipped proof, a
//     proof from another chain, a proof replayed from an earlier connection (fresh ephemeral key),
//     our own Hello reflected back, messages out of order, unknown version, truncation,
//     trailing bytes, a wrong message kind and an over-long chain id;
//   - Hello and Proof round-trip through their canonical encoding.
#include "node/net/handshake.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "node/crypto/hash.hpp"
#include "node/net/secret_frame.hpp"

#include <sodium.h>
#include "support/test_support.hpp"

using namespace ios;
using core::Reject;
using net::Handshake;

namespace {

class NetHandshake : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { crypto::init(); }

  std::shared_ptr<const crypto::SigningKey> key(std::uint8_t n) {
    core::ByteArray<32> seed{};
    seed.fill(n);
    return std::make_shared<const crypto::SigningKey>(crypto::Seed(seed));
  }
  net::EphemeralSeed seed(std::uint8_t n) {
    net::EphemeralSeed out{};
    out.fill(n);
    out[0] = 0xaa;
    return out;
  }
  // The ephemeral X25519 key a side with seed(n) sends.
  net::EphemeralKey ephemeral(std::uint8_t n) {
    net::EphemeralKey pk{};
    crypto::Secret<32> sk;
    const auto s = seed(n);
    crypto_kx_seed_keypair(pk.data(), sk.data(), s.data());
    return pk;
  }

  void SetUp() override {
    a_key = key(1);
    b_key = key(2);
    c_key = key(3);
    roster = std::make_shared<const net::Roster>(
        net::make_roster({{1, a_key->public_key()}, {2, b_key->public_key()}, {3, c_key->public_key()}}));
  }

  Handshake side(protocol::NodeId id, std::shared_ptr<const crypto::SigningKey> k, std::uint8_t n,
                 std::optional<protocol::NodeId> dialed = std::nullopt, core::Bytes chain = {}) {
    return Handshake(id, std::move(k), chain.empty() ? chain_id : chain, roster, seed(n), dialed);
  }

  core::Bytes chain_id = test::hex_bytes("696f732d746573742d636861696e");
  std::shared_ptr<const crypto::SigningKey> a_key, b_key, c_key;
  std::shared_ptr<const net::Roster> roster;
};

}  // namespace

TEST_F(NetHandshake, HonestSidesAuthenticateEachOther) {
  auto a = side(1, a_key, 10, 2);  // a dialed b
  auto b = side(2, b_key, 20);
  auto a_proof = a.on_hello(b.hello());
  ASSERT_TRUE(a_proof) << a_proof.error().message();
  auto b_proof = b.on_hello(a.hello());
  ASSERT_TRUE(b_proof) << b_proof.error().message();
  EXPECT_FALSE(a.done());
  auto sa = a.on_proof(*b_proof);
  ASSERT_TRUE(sa) << sa.error().message();
  auto sb = b.on_proof(*a_proof);
  ASSERT_TRUE(sb) << sb.error().message();
  EXPECT_EQ(a.peer().id, 2u);
  EXPECT_EQ(a.peer().key, b_key->public_key());
  EXPECT_EQ(b.peer().id, 1u);
}

TEST_F(NetHandshake, MessagesRoundTrip) {
  net::Hello h{chain_id, 7, b_key->public_key(), ephemeral(4)};
  auto d = net::decode_hello(net::encode_hello(h));
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, h);
  net::Proof p{};
  p.signature.fill(0x42);
  auto dp = net::decode_proof(net::encode_proof(p));
  ASSERT_TRUE(dp);
  EXPECT_EQ(*dp, p);
}

TEST_F(NetHandshake, DecodersRefuseNonCanonicalInput) {
  const auto hello = net::encode_hello(net::Hello{chain_id, 2, b_key->public_key(), ephemeral(4)});
  for (std::size_t n = 0; n < hello.size(); ++n) {
    auto r = net::decode_hello(core::ByteView(hello.data(), n));
    ASSERT_FALSE(r) << n;
  }
  EXPECT_EQ(net::decode_hello(core::ByteView(hello.data(), hello.size() - 1)).error().reason, Reject::truncated);
  auto trailing = hello;
  trailing.push_back(0);
  EXPECT_EQ(net::decode_hello(trailing).error().reason, Reject::trailing_bytes);
  auto version = hello;
  version[0] = 1;  // the v1 handshake (no key exchange) is gone
  EXPECT_EQ(net::decode_hello(version).error().reason, Reject::unknown_version);
  auto kind = hello;
  kind[1] = 2;
  EXPECT_EQ(net::decode_hello(kind).error().reason, Reject::non_canonical);
  auto long_chain = net::encode_hello(net::Hello{core::Bytes(65, 1), 2, b_key->public_key(), ephemeral(4)});
  EXPECT_EQ(net::decode_hello(long_chain).error().reason, Reject::length_over_limit);
  // A proof is not a hello and vice versa.
  const auto proof = net::encode_proof(net::Proof{});
  EXPECT_EQ(net::decode_hello(proof).error().reason, Reject::non_canonical);
  EXPECT_EQ(net::decode_proof(hello).error().reason, Reject::non_canonical);
  EXPECT_EQ(net::decode_proof(core::ByteView(proof.data(), 10)).error().reason, Reject::truncated);
}

TEST_F(NetHandshake, OtherChainRefused) {
  auto a = side(1, a_key, 10);
  auto b = side(2, b_key, 20, std::nullopt, test::hex_bytes("6f74686572"));
  auto r = a.on_hello(b.hello());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, Reject::not_in_roster);
}

TEST_F(NetHandshake, UnknownNodeIdRefused) {
  auto stranger = side(9, key(9), 20);
  auto a = side(1, a_key, 10);
  auto r = a.on_hello(stranger.hello());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, Reject::not_in_roster);
}

TEST_F(NetHandshake, UnknownKeyForKnownIdRefused) {
  // Claims to be node 2 with a key that is not node 2's: refused before any signature.
  auto impostor = side(2, key(9), 20);
  auto a = side(1, a_key, 10);
  auto r = a.on_hello(impostor.hello());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, Reject::not_in_roster);
}

TEST_F(NetHandshake, WrongNodeAnsweringADialRefused) {
  auto a = side(1, a_key, 10, 2);
  auto c = side(3, c_key, 30);
  auto r = a.on_hello(c.hello());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, Reject::not_in_roster);
}

TEST_F(NetHandshake, ImpostorWithRosterKeyButNoSecretFailsTheProof) {
  // Claims node 2 with node 2's public key (passes the roster) but signs with another key.
  auto a = side(1, a_key, 10);
  const auto h = net::encode_hello(net::Hello{chain_id, 2, b_key->public_key(), ephemeral(20)});
  ASSERT_TRUE(a.on_hello(h));
  // a is the responder; the impostor signs the initiator's body correctly, with the wrong key.
  const auto body = net::proof_body(net::Role::initiator, h, a.hello());
  auto forged = net::Proof{crypto::sign_tagged(*key(9), net::handshake_tag, chain_id, body)};
  auto s = a.on_proof(net::encode_proof(forged));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().reason, Reject::bad_signature);
}

TEST_F(NetHandshake, EveryBitFlipOfTheProofRefused) {
  auto a = side(1, a_key, 10, 2);
  auto b = side(2, b_key, 20);
  ASSERT_TRUE(a.on_hello(b.hello()));
  auto proof = b.on_hello(a.hello());
  ASSERT_TRUE(proof);
  for (std::size_t bit = 16; bit < proof->size() * 8; bit += 7) {
    auto a2 = side(1, a_key, 10, 2);
    ASSERT_TRUE(a2.on_hello(b.hello()));
    auto bad = *proof;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto s = a2.on_proof(bad);
    ASSERT_FALSE(s) << bit;
    EXPECT_EQ(s.error().reason, Reject::bad_signature);
  }
  EXPECT_TRUE(a.on_proof(*proof));
}

TEST_F(NetHandshake, ProofForAnotherChainOrSwappedFieldsRefused) {
  auto a = side(1, a_key, 10);  // the responder
  const auto h = net::encode_hello(net::Hello{chain_id, 2, b_key->public_key(), ephemeral(20)});
  ASSERT_TRUE(a.on_hello(h));
  const auto body = net::proof_body(net::Role::initiator, h, a.hello());
  const auto other_chain = crypto::sign_tagged(*b_key, net::handshake_tag, test::hex_bytes("6f74686572"), body);
  EXPECT_EQ(a.on_proof(net::encode_proof({other_chain})).error().reason, Reject::bad_signature);
  const auto other_tag = crypto::sign_tagged(*b_key, "IOS/v1/other", chain_id, body);
  EXPECT_EQ(a.on_proof(net::encode_proof({other_tag})).error().reason, Reject::bad_signature);
  // The Hellos in the other order, or our own role: not what the initiator signs.
  const auto swapped = net::proof_body(net::Role::initiator, a.hello(), h);
  const auto sig = crypto::sign_tagged(*b_key, net::handshake_tag, chain_id, swapped);
  EXPECT_EQ(a.on_proof(net::encode_proof({sig})).error().reason, Reject::bad_signature);
  const auto as_responder = net::proof_body(net::Role::responder, h, a.hello());
  const auto sig2 = crypto::sign_tagged(*b_key, net::handshake_tag, chain_id, as_responder);
  EXPECT_EQ(a.on_proof(net::encode_proof({sig2})).error().reason, Reject::bad_signature);
  const auto right = crypto::sign_tagged(*b_key, net::handshake_tag, chain_id, body);
  EXPECT_TRUE(a.on_proof(net::encode_proof({right})));
}

TEST_F(NetHandshake, ReplayedProofFailsOnAFreshEphemeralKey) {
  // An attacker recorded b's Hello and Proof on an earlier connection to a.
  auto a1 = side(1, a_key, 10, 2);
  auto b = side(2, b_key, 20);
  ASSERT_TRUE(a1.on_hello(b.hello()));
  auto recorded = b.on_hello(a1.hello());
  ASSERT_TRUE(recorded);
  ASSERT_TRUE(a1.on_proof(*recorded));
  // The next connection: a draws a new ephemeral key; the replayed Hello still passes the roster,
  // the replayed Proof does not verify.
  auto a2 = side(1, a_key, 11, 2);
  ASSERT_TRUE(a2.on_hello(b.hello()));
  auto s = a2.on_proof(*recorded);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().reason, Reject::bad_signature);
}

TEST_F(NetHandshake, ReflectedHelloRefused) {
  auto a = side(1, a_key, 10);
  auto r = a.on_hello(a.hello());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, Reject::duplicate);
  // Another roster id, but our ephemeral key echoed back.
  auto a2 = side(1, a_key, 10);
  net::Hello echo{chain_id, 2, b_key->public_key(), ephemeral(10)};
  auto r2 = a2.on_hello(net::encode_hello(echo));
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().reason, Reject::duplicate);
}

TEST_F(NetHandshake, OutOfOrderMessagesRefused) {
  auto a = side(1, a_key, 10, 2);
  auto b = side(2, b_key, 20);
  auto early = a.on_proof(net::encode_proof(net::Proof{}));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().reason, Reject::wrong_phase);
  auto a_proof = a.on_hello(b.hello());
  ASSERT_TRUE(a_proof);
  EXPECT_EQ(a.on_hello(b.hello()).error().reason, Reject::wrong_phase);
  auto b_proof = b.on_hello(a.hello());
  ASSERT_TRUE(a.on_proof(*b_proof));
  EXPECT_EQ(a.on_proof(*b_proof).error().reason, Reject::wrong_phase);
  // A Hello where the proof belongs is refused by its kind.
  auto b2 = side(2, b_key, 21);
  ASSERT_TRUE(b2.on_hello(a.hello()));
  EXPECT_EQ(b2.on_proof(a.hello()).error().reason, Reject::non_canonical);
}

TEST_F(NetHandshake, BothSidesDeriveMatchingDirectionalKeys) {
  auto a = side(1, a_key, 10, 2);  // initiator
  auto b = side(2, b_key, 20);     // responder
  ASSERT_TRUE(a.on_hello(b.hello()));
  ASSERT_TRUE(b.on_hello(a.hello()));
  EXPECT_TRUE(a.keys().tx.equals(b.keys().rx));
  EXPECT_TRUE(a.keys().rx.equals(b.keys().tx));
  EXPECT_FALSE(a.keys().tx.equals(a.keys().rx));  // one key per direction
}

TEST_F(NetHandshake, RelaySplicingTwoHandshakesIsRefused) {
  // docs/security.md "Handshake relay". A relay M with no key dials B claiming to be A, and dials A
  // claiming to be B. It hands each victim the other's Hello, byte for byte, then passes A's proof
  // to B. With the v1 proof (nonces and keys, no role, no transcript) B accepted M as A.
  auto b = side(2, b_key, 20);         // B accepted M's connection: responder
  auto a = side(1, a_key, 10);         // A accepted M's other connection: responder
  ASSERT_TRUE(b.on_hello(a.hello()));  // M forwards A's Hello to B
  auto a_proof = a.on_hello(b.hello());  // ... and B's Hello to A, which answers with its proof
  ASSERT_TRUE(a_proof);
  auto s = b.on_proof(*a_proof);  // M hands A's proof to B
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().reason, Reject::bad_signature);
  EXPECT_FALSE(b.done());
}

TEST_F(NetHandshake, RelayForwardingEverythingCannotInjectFrames) {
  // The other relay: A dials "B" and reaches M, which dials B as A and forwards every byte.
  // Both handshakes complete (it is one handshake, passed through), but the keys come from A's
  // and B's ephemeral secrets: whatever keys M can derive from its own seed, B does not open
  // a frame it seals.
  auto a = side(1, a_key, 10, 2);
  auto b = side(2, b_key, 20);
  auto a_proof = a.on_hello(b.hello());
  auto b_proof = b.on_hello(a.hello());
  ASSERT_TRUE(a_proof && b_proof);
  ASSERT_TRUE(b.on_proof(*a_proof));
  ASSERT_TRUE(a.on_proof(*b_proof));
  // M's best try: a key exchange of its own with B's ephemeral key, posing as the initiator.
  net::Roster m_roster{{1, key(9)->public_key()}, {2, b_key->public_key()}};
  net::Handshake m2(1, key(9), chain_id, std::make_shared<const net::Roster>(m_roster), seed(90), 2);
  ASSERT_TRUE(m2.on_hello(b.hello()));
  net::FrameSealer forged(m2.keys().tx);
  net::FrameOpener b_in(b.keys().rx);
  auto opened = b_in.open(forged.seal(core::Bytes{1, 2, 3}));
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().reason, Reject::bad_signature);
  // A's real frames still open at B.
  net::FrameSealer a_out(a.keys().tx);
  net::FrameOpener b_in2(b.keys().rx);
  auto good = b_in2.open(a_out.seal(core::Bytes{4, 5}));
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, (core::Bytes{4, 5}));
}

TEST_F(NetHandshake, SmallOrderEphemeralKeyRefused) {
  auto a = side(1, a_key, 10);
  net::EphemeralKey zero{};  // the identity point: the shared secret would be all zeros
  const auto h = net::encode_hello(net::Hello{chain_id, 2, b_key->public_key(), zero});
  auto r = a.on_hello(h);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, Reject::bad_point);
}
