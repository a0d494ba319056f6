// Ed25519 through libsodium (docs/PROTOCOLS.md §2): the five RFC 8032 §7.1 vectors (key generation,
// byte-equal deterministic signature, verification, tampering), the consensus-relevant
// negatives (S + L, the identity-key forgery, bit flips in message, R and S), and the ios
// domain tags and proofs of possession built on top.
#include "node/crypto/ed25519.hpp"

#include <gtest/gtest.h>

#include <sodium.h>
#include "support/test_support.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "node/crypto/hash.hpp"

using namespace ios;
using crypto::PublicKey;
using crypto::Signature;
using crypto::SigningKey;

namespace {

// The chain the test keys' proofs of possession are bound to.
const ios::core::ByteView test_chain = ios::core::as_bytes("ios-test-chain");

using test::hex;
using test::hex_bytes;

SigningKey key_from_hex(std::string_view s) { return SigningKey(crypto::Seed(hex<32>(s))); }

struct Vector {
  const char* name;
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 §7.1, "Test Vectors for Ed25519". TEST 1024 signs a 1023-byte message.
constexpr const char* test_1024_message =
    "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1"
    "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
    "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a"
    "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
    "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10"
    "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
    "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d"
    "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
    "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b"
    "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
    "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b"
    "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
    "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d"
    "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
    "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7"
    "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
    "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09"
    "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
    "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161"
    "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
    "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca"
    "c60c905c15fc910840b94c00a0b9d0";

constexpr Vector vectors[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
     "d25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c"
     "387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc659"
     "4a7c15e9716ed28dc027beceea1ec40a"},
    {"TEST 1024", "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
     "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e", test_1024_message,
     "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b"
     "5e8fcd4f681e30a6ac00a9704a188a03"},
    {"TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
     "454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e030"
     "3dca179c138ac17ad9bef1177331a704"},
};

// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr const char* group_order_hex = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
constexpr const char* identity_hex = "0100000000000000000000000000000000000000000000000000000000000000";

// S + L as a 256-bit little-endian sum (S < L < 2^253, so it fits).
Signature with_s_plus_l(Signature sig) {
  const auto l = hex<32>(group_order_hex);
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned sum = unsigned{sig[32 + i]} + unsigned{l[i]} + carry;
    sig[32 + i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  EXPECT_EQ(carry, 0u);
  return sig;
}

class Ed25519 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { crypto::init(); }
};

TEST_F(Ed25519, Rfc8032VectorsKeyGeneration) {
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(core::to_hex(key_from_hex(v.secret).public_key()), v.public_key);
  }
}

TEST_F(Ed25519, Rfc8032VectorsSignByteEqual) {
  EXPECT_EQ(hex_bytes(test_1024_message).size(), 1023u);
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.name);
    const auto key = key_from_hex(v.secret);
    EXPECT_EQ(core::to_hex(key.sign(hex_bytes(v.message))), v.signature);
  }
}

TEST_F(Ed25519, Rfc8032VectorsVerify) {
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.name);
    EXPECT_TRUE(crypto::verify(hex<32>(v.public_key), hex_bytes(v.message), hex<64>(v.signature)));
  }
}

TEST_F(Ed25519, Rfc8032VectorsTamperedAreRejected) {
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.name);
    const auto pk = hex<32>(v.public_key);
    const auto msg = hex_bytes(v.message);
    const auto sig = hex<64>(v.signature);
    auto longer = msg;
    longer.push_back(0x00);
    EXPECT_FALSE(crypto::verify(pk, longer, sig));
    if (!msg.empty()) {
      auto shorter = msg;
      shorter.pop_back();
      EXPECT_FALSE(crypto::verify(pk, shorter, sig));
    }
    // Another vector's key for this signature.
    const auto& other = vectors[(&v - vectors + 1) % std::size(vectors)];
    EXPECT_FALSE(crypto::verify(hex<32>(other.public_key), msg, sig));
  }
}

// Malleability (kyber #427/#430): S and S + L satisfy the same equation; only S < L passes.
TEST_F(Ed25519, ResponsePlusGroupOrderIsRejected) {
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.name);
    const auto sig = hex<64>(v.signature);
    EXPECT_FALSE(crypto::verify(hex<32>(v.public_key), hex_bytes(v.message), with_s_plus_l(sig)));
  }
}

// The identity-key forgery: with A = identity, R = identity and S = 0 the cofactorless equation
// S·B = R + c·A holds for every message. libsodium refuses the small-order A and R.
TEST_F(Ed25519, IdentityKeyForgeryIsRejected) {
  const auto identity = hex<32>(identity_hex);
  Signature forged{};
  std::copy(identity.begin(), identity.end(), forged.begin());
  for (const char* m : {"", "72", "af82"}) {
    SCOPED_TRACE(m);
    EXPECT_FALSE(crypto::verify(identity, hex_bytes(m), forged));
  }
}

TEST_F(Ed25519, EveryBitFlipInRAndSIsRejected) {
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.name);
    const auto pk = hex<32>(v.public_key);
    const auto msg = hex_bytes(v.message);
    const auto sig = hex<64>(v.signature);
    for (std::size_t bit = 0; bit < sig.size() * 8; ++bit) {
      Signature flipped = sig;
      flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      EXPECT_FALSE(crypto::verify(pk, msg, flipped)) << (bit < 256 ? "R" : "S") << " bit " << bit % 256;
    }
  }
}

TEST_F(Ed25519, EveryBitFlipInMessageIsRejected) {
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.name);
    const auto pk = hex<32>(v.public_key);
    const auto msg = hex_bytes(v.message);
    const auto sig = hex<64>(v.signature);
    // All bits of the short messages; for TEST 1024 the bits of every 31st byte, ends included.
    for (std::size_t byte = 0; byte < msg.size(); byte += (msg.size() > 64 ? 31 : 1)) {
      for (unsigned bit = 0; bit < 8; ++bit) {
        auto flipped = msg;
        flipped[byte] ^= static_cast<std::uint8_t>(1u << bit);
        EXPECT_FALSE(crypto::verify(pk, flipped, sig)) << "byte " << byte << " bit " << bit;
      }
    }
    if (!msg.empty()) {
      auto last = msg;
      last.back() ^= 0x80;
      EXPECT_FALSE(crypto::verify(pk, last, sig));
    }
  }
}

TEST_F(Ed25519, TaggedSignatureBindsTagAndChainId) {
  const auto key = key_from_hex(vectors[0].secret);
  const auto chain = core::as_bytes("ios-testnet/shard-3");
  const auto body = core::as_bytes("transfer 10 to ios1...");
  const auto sig = crypto::sign_tagged(key, "IOS/v1/tx", chain, body);
  EXPECT_TRUE(crypto::verify_tagged(key.public_key(), "IOS/v1/tx", chain, body, sig));
  EXPECT_FALSE(crypto::verify_tagged(key.public_key(), "IOS/v1/tx", core::as_bytes("ios-testnet/shard-4"), body, sig));
  EXPECT_FALSE(crypto::verify_tagged(key.public_key(), "IOS/v1/tx", core::as_bytes("ios-mainnet/shard-3"), body, sig));
  EXPECT_FALSE(crypto::verify_tagged(key.public_key(), "IOS/v1/tx", {}, body, sig));
  EXPECT_FALSE(crypto::verify_tagged(key.public_key(), "IOS/v1/vote", chain, body, sig));
  EXPECT_FALSE(crypto::verify_tagged(key.public_key(), "IOS/v1/tx ", chain, body, sig));
  EXPECT_FALSE(
      crypto::verify_tagged(key.public_key(), "IOS/v1/tx", chain, core::as_bytes("transfer 11 to ios1..."), sig));
  // The length prefix keeps tag/chain/body boundaries unambiguous: moving a byte from the chain
  // id to the body does not give the same signed bytes.
  EXPECT_FALSE(crypto::verify_tagged(key.public_key(), "IOS/v1/tx", core::as_bytes("ios-testnet/shard-"),
                                     core::as_bytes("3transfer 10 to ios1..."), sig));
  // A tagged signature is not a signature over the bare body.
  EXPECT_FALSE(crypto::verify(key.public_key(), body, sig));
  const auto other = key_from_hex(vectors[1].secret);
  EXPECT_FALSE(crypto::verify_tagged(other.public_key(), "IOS/v1/tx", chain, body, sig));
}

TEST_F(Ed25519, ProofOfPossessionRoundTripAndBinding) {
  const auto key = key_from_hex(vectors[2].secret);
  const auto other = key_from_hex(vectors[3].secret);
  constexpr std::uint64_t epoch = 42;
  const auto pop = crypto::make_pop(key, test_chain, epoch);
  EXPECT_TRUE(crypto::verify_pop(key.public_key(), test_chain, epoch, pop));
  EXPECT_EQ(crypto::make_pop(key, test_chain, epoch), pop);  // deterministic
  EXPECT_FALSE(crypto::verify_pop(key.public_key(), test_chain, epoch + 1, pop));
  EXPECT_FALSE(crypto::verify_pop(key.public_key(), test_chain, 0, pop));
  EXPECT_FALSE(crypto::verify_pop(other.public_key(), test_chain, epoch, pop));
  EXPECT_FALSE(crypto::verify_pop(other.public_key(), test_chain, epoch, crypto::make_pop(key, test_chain, epoch)));
  EXPECT_TRUE(crypto::verify_pop(other.public_key(), test_chain, epoch, crypto::make_pop(other, test_chain, epoch)));
  // docs/security.md "Proof-of-possession replay across chains": the chain id is bound, so a PoP of
  // one network is no PoP in another.
  EXPECT_FALSE(crypto::verify_pop(key.public_key(), core::as_bytes("another-chain"), epoch, pop));
  EXPECT_FALSE(crypto::verify_pop(key.public_key(), crypto::keystore_pop_chain, epoch, pop));
  EXPECT_FALSE(crypto::verify_pop(key.public_key(), test_chain, epoch,
                                  crypto::make_pop(key, crypto::keystore_pop_chain, epoch)));
  // A PoP is not an ordinary signature over the key, nor a transaction signature.
  EXPECT_FALSE(crypto::verify(key.public_key(), key.public_key(), pop));
  EXPECT_FALSE(crypto::verify_tagged(key.public_key(), "IOS/v1/tx", {}, key.public_key(), pop));
  auto flipped = pop;
  flipped[63] ^= 0x01;
  EXPECT_FALSE(crypto::verify_pop(key.public_key(), test_chain, epoch, flipped));
}

}  // namespace
