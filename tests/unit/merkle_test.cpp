// RFC 6962 / RFC 9162 Merkle trees (node/crypto/merkle.hpp, docs/PROTOCOLS.md §15).
//
// Known answers come from the transparency-dev/merkle test data (the certificate-transparency
// reference tree): rfc6962/rfc6962_test.go (hasher basics), testonly/constants.go (the eight
// leaf inputs, every complete-subtree hash, the roots of sizes 0..8), proof/verify_test.go
// (published inclusion and consistency proofs; its leaf numbers are 1-based, ours 0-based)
// and proof/proof_test.go (which nodes make up each proof, turned into hashes here).
// Everything else is checked against a direct recursive transcription of the RFC definitions
// and by mutating valid proofs.
#include "node/crypto/merkle.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "node/crypto/hash.hpp"

using ios::core::ByteView;
using ios::core::Hash32;
using ios::core::Reject;
using ios::core::Status;
namespace merkle = ios::crypto::merkle;

namespace {

class SodiumEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { ios::crypto::init(); }
};
const auto* const sodium_environment = ::testing::AddGlobalTestEnvironment(new SodiumEnvironment);

Hash32 h(std::string_view hex) {
  auto v = ios::core::from_hex_fixed<32>(hex);
  if (!v) ADD_FAILURE() << "bad test vector hex " << hex;
  return v.value_or(Hash32{});
}

std::vector<Hash32> hs(std::initializer_list<std::string_view> hexes) {
  std::vector<Hash32> out;
  for (auto x : hexes) out.push_back(h(x));
  return out;
}

std::string hex(const Hash32& x) { return ios::core::to_hex(x); }

// ---- The certificate-transparency reference tree (transparency-dev/merkle testonly/constants.go).

const char* const kLeafInputs[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};

// Roots of the first n leaves, n = 1..8.
const char* const kRoots[9] = {
    nullptr,
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

// Every complete subtree of the 8-leaf tree: kNodes[level][index].
const std::vector<std::vector<const char*>> kNodes = {
    {
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    },
    {
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    },
    {
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    },
    {
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    },
};

Hash32 node(std::size_t level, std::size_t index) { return h(kNodes.at(level).at(index)); }

std::vector<Hash32> reference_leaves() {
  std::vector<Hash32> out;
  for (const char* x : kLeafInputs) out.push_back(merkle::leaf_hash(*ios::core::from_hex(x)));
  return out;
}

std::vector<Hash32> prefix(const std::vector<Hash32>& v, std::uint64_t n) { return {v.begin(), v.begin() + n}; }

// Leaves for trees beyond the reference data: leaf i is the hash of the decimal string i.
std::vector<Hash32> generated_leaves(std::size_t n) {
  std::vector<Hash32> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(merkle::leaf_hash(ios::core::as_bytes(std::to_string(i))));
  return out;
}

// ---- RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 transcribed literally (recursive), as an oracle.

std::uint64_t k_of(std::uint64_t n) {
  std::uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash32 rfc_mth(const std::vector<Hash32>& d, std::uint64_t lo, std::uint64_t hi) {
  const std::uint64_t n = hi - lo;
  if (n == 0) return ios::crypto::sha256(ByteView{});
  if (n == 1) return d[lo];
  const std::uint64_t k = k_of(n);
  return merkle::node_hash(rfc_mth(d, lo, lo + k), rfc_mth(d, lo + k, hi));
}

std::vector<Hash32> rfc_path(const std::vector<Hash32>& d, std::uint64_t m, std::uint64_t lo, std::uint64_t hi) {
  const std::uint64_t n = hi - lo;
  if (n == 1) return {};
  const std::uint64_t k = k_of(n);
  std::vector<Hash32> out;
  if (m < k) {
    out = rfc_path(d, m, lo, lo + k);
    out.push_back(rfc_mth(d, lo + k, hi));
  } else {
    out = rfc_path(d, m - k, lo + k, hi);
    out.push_back(rfc_mth(d, lo, lo + k));
  }
  return out;
}

std::vector<Hash32> rfc_subproof(const std::vector<Hash32>& d, std::uint64_t m, std::uint64_t lo, std::uint64_t hi,
                                 bool b) {
  const std::uint64_t n = hi - lo;
  if (m == n) return b ? std::vector<Hash32>{} : std::vector<Hash32>{rfc_mth(d, lo, hi)};
  const std::uint64_t k = k_of(n);
  std::vector<Hash32> out;
  if (m <= k) {
    out = rfc_subproof(d, m, lo, lo + k, b);
    out.push_back(rfc_mth(d, lo + k, hi));
  } else {
    out = rfc_subproof(d, m - k, lo + k, hi, false);
    out.push_back(rfc_mth(d, lo, lo + k));
  }
  return out;
}

// ---- Helpers for rejection checks.

void expect_rejected(const Status& s, std::string_view detail, const std::string& what) {
  ASSERT_FALSE(s.ok()) << what;
  EXPECT_EQ(s.error().reason, Reject::bad_merkle_proof) << what;
  if (!detail.empty()) {
    EXPECT_EQ(s.error().detail, detail) << what;
  }
}

constexpr std::string_view kIndexTooBig = "leaf index is not below the tree size";
constexpr std::string_view kInclusionTooLong = "inclusion proof is longer than the path to the root";
constexpr std::string_view kInclusionTooShort = "inclusion proof is shorter than the path to the root";
constexpr std::string_view kInclusionWrongRoot = "inclusion proof leads to a different root";
constexpr std::string_view kFromEmpty = "consistency proof from the empty tree is meaningless";
constexpr std::string_view kShrunk = "second tree size is smaller than the first";
constexpr std::string_view kEqualNonEmpty = "equal tree sizes need an empty consistency proof";
constexpr std::string_view kEqualDifferentRoots = "equal tree sizes but different roots";
constexpr std::string_view kEmptyConsistency = "empty consistency proof between different tree sizes";
constexpr std::string_view kConsistencyTooLong = "consistency proof is longer than the path to the root";
constexpr std::string_view kConsistencyTooShort = "consistency proof is shorter than the path to the root";

std::string at(std::uint64_t index, std::uint64_t size) {
  return "index " + std::to_string(index) + " size " + std::to_string(size);
}
std::string between(std::uint64_t size1, std::uint64_t size2) {
  return "sizes " + std::to_string(size1) + " -> " + std::to_string(size2);
}

// Every bit flip of every element, a dropped element at each end, and extra elements at each
// end must all be refused.
void expect_inclusion_mutations_rejected(const Hash32& leaf, std::uint64_t index, std::uint64_t size,
                                         const std::vector<Hash32>& proof, const Hash32& root) {
  const std::string w = at(index, size);
  for (std::size_t e = 0; e < proof.size(); ++e) {
    for (std::size_t bit = 0; bit < 256; ++bit) {
      auto bad = proof;
      bad[e][bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      expect_rejected(merkle::verify_inclusion(leaf, index, size, bad, root), kInclusionWrongRoot,
                      w + " flip element " + std::to_string(e) + " bit " + std::to_string(bit));
    }
  }
  if (!proof.empty()) {
    auto front_dropped = std::vector<Hash32>(proof.begin() + 1, proof.end());
    auto back_dropped = std::vector<Hash32>(proof.begin(), proof.end() - 1);
    expect_rejected(merkle::verify_inclusion(leaf, index, size, front_dropped, root), kInclusionTooShort, w);
    expect_rejected(merkle::verify_inclusion(leaf, index, size, back_dropped, root), kInclusionTooShort, w);
  }
  for (const Hash32& extra : {root, leaf, Hash32{}}) {
    auto appended = proof;
    appended.push_back(extra);
    auto prepended = proof;
    prepended.insert(prepended.begin(), extra);
    expect_rejected(merkle::verify_inclusion(leaf, index, size, appended, root), kInclusionTooLong, w);
    expect_rejected(merkle::verify_inclusion(leaf, index, size, prepended, root), kInclusionTooLong, w);
  }
  // A wrong leaf and a wrong root.
  Hash32 other_leaf = leaf;
  other_leaf[0] ^= 1;
  expect_rejected(merkle::verify_inclusion(other_leaf, index, size, proof, root), kInclusionWrongRoot, w);
  expect_rejected(merkle::verify_inclusion(leaf, index, size, proof, merkle::empty_root()), kInclusionWrongRoot, w);
  // Doubling the size always needs a longer path (index < size), so the length check refuses it.
  expect_rejected(merkle::verify_inclusion(leaf, index, size * 2, proof, root), kInclusionTooShort, w);
}

void expect_consistency_mutations_rejected(std::uint64_t size1, std::uint64_t size2,
                                           const std::vector<Hash32>& proof, const Hash32& root1,
                                           const Hash32& root2) {
  const std::string w = between(size1, size2);
  ASSERT_FALSE(proof.empty()) << w;
  for (std::size_t e = 0; e < proof.size(); ++e) {
    for (std::size_t bit = 0; bit < 256; ++bit) {
      auto bad = proof;
      bad[e][bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      expect_rejected(merkle::verify_consistency(size1, size2, bad, root1, root2), "",
                      w + " flip element " + std::to_string(e) + " bit " + std::to_string(bit));
    }
  }
  expect_rejected(merkle::verify_consistency(size1, size2, {}, root1, root2), kEmptyConsistency, w);
  auto back_dropped = std::vector<Hash32>(proof.begin(), proof.end() - 1);
  auto front_dropped = std::vector<Hash32>(proof.begin() + 1, proof.end());
  expect_rejected(merkle::verify_consistency(size1, size2, back_dropped, root1, root2), "", w + " truncated");
  expect_rejected(merkle::verify_consistency(size1, size2, front_dropped, root1, root2), "", w + " front dropped");
  for (const Hash32& extra : {root1, root2, proof.front(), Hash32{}}) {
    auto appended = proof;
    appended.push_back(extra);
    auto prepended = proof;
    prepended.insert(prepended.begin(), extra);
    expect_rejected(merkle::verify_consistency(size1, size2, appended, root1, root2), kConsistencyTooLong, w);
    expect_rejected(merkle::verify_consistency(size1, size2, prepended, root1, root2), kConsistencyTooLong, w);
  }
  expect_rejected(merkle::verify_consistency(size1, size2, proof, root2, root1), "", w + " swapped roots");
  Hash32 other = root1;
  other[31] ^= 0x80;
  expect_rejected(merkle::verify_consistency(size1, size2, proof, other, root2), "", w + " wrong root1");
  other = root2;
  other[31] ^= 0x80;
  expect_rejected(merkle::verify_consistency(size1, size2, proof, root1, other), "", w + " wrong root2");
  expect_rejected(merkle::verify_consistency(size1, size2 * 2, proof, root1, root2), "", w + " size2 * 2");
  expect_rejected(merkle::verify_consistency(size2, size1, proof, root2, root1), kShrunk, w + " reversed");
}

}  // namespace

// ---------------------------------------------------------------- hasher basics (RFC 6962)

TEST(MerkleHasher, EmptyRootIsSha256OfNothing) {
  EXPECT_EQ(hex(merkle::empty_root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(merkle::root({}), merkle::empty_root());
}

TEST(MerkleHasher, LeafHashesHaveTheZeroPrefix) {
  EXPECT_EQ(hex(merkle::leaf_hash({})), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_EQ(hex(merkle::leaf_hash(ios::core::as_bytes("L123456"))),
            "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
  // The empty tree and the tree holding one empty leaf differ.
  EXPECT_NE(merkle::leaf_hash({}), merkle::empty_root());
}

TEST(MerkleHasher, NodeHashesOfTheReferenceTree) {
  // Each interior node of the reference tree is node_hash of its two children.
  for (std::size_t level = 1; level < kNodes.size(); ++level) {
    for (std::size_t i = 0; i < kNodes[level].size(); ++i) {
      EXPECT_EQ(hex(merkle::node_hash(node(level - 1, 2 * i), node(level - 1, 2 * i + 1))), kNodes[level][i])
          << "level " << level << " index " << i;
    }
  }
  // The layout is 0x01 ‖ left ‖ right, and order matters.
  const Hash32 a = node(0, 0);
  const Hash32 b = node(0, 1);
  const std::uint8_t one[1] = {0x01};
  EXPECT_EQ(merkle::node_hash(a, b), ios::crypto::sha256({ByteView(one), a, b}));
  EXPECT_NE(merkle::node_hash(a, b), merkle::node_hash(b, a));
}

// ---------------------------------------------------------------- reference tree roots

TEST(MerkleReferenceTree, LeafHashesMatchLevelZero) {
  auto leaves = reference_leaves();
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(hex(leaves[i]), kNodes[0][i]) << "leaf " << i;
}

TEST(MerkleReferenceTree, RootOfEveryPrefix) {
  auto leaves = reference_leaves();
  for (std::uint64_t n = 1; n <= 8; ++n) {
    EXPECT_EQ(hex(merkle::root(prefix(leaves, n))), kRoots[n]) << "size " << n;
  }
}

// ---------------------------------------------------------------- published proofs

TEST(MerkleReferenceTree, PublishedInclusionProofs) {
  // proof/verify_test.go inclusionProofs, leaf numbers converted to 0-based indices.
  struct Case {
    std::uint64_t index, size;
    std::vector<Hash32> proof;
  };
  const std::vector<Case> cases = {
      {0, 1, {}},
      {0, 8,
       hs({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {5, 8,
       hs({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 3, hs({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"})},
      {1, 5,
       hs({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
  };
  auto leaves = reference_leaves();
  for (const auto& c : cases) {
    const Hash32 root = h(kRoots[c.size]);
    EXPECT_EQ(merkle::inclusion_proof(prefix(leaves, c.size), c.index), c.proof) << at(c.index, c.size);
    auto computed = merkle::root_from_inclusion_proof(leaves[c.index], c.index, c.size, c.proof);
    ASSERT_TRUE(computed.ok()) << at(c.index, c.size);
    EXPECT_EQ(*computed, root);
    EXPECT_TRUE(merkle::verify_inclusion(leaves[c.index], c.index, c.size, c.proof, root).ok());
    expect_inclusion_mutations_rejected(leaves[c.index], c.index, c.size, c.proof, root);
  }
}

TEST(MerkleReferenceTree, PublishedConsistencyProofs) {
  // proof/verify_test.go consistencyProofs.
  struct Case {
    std::uint64_t size1, size2;
    std::vector<Hash32> proof;
  };
  const std::vector<Case> cases = {
      {1, 1, {}},
      {1, 8,
       hs({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {6, 8,
       hs({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 5,
       hs({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
      {6, 7,
       hs({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
  };
  auto leaves = reference_leaves();
  for (const auto& c : cases) {
    const Hash32 root1 = h(kRoots[c.size1]);
    const Hash32 root2 = h(kRoots[c.size2]);
    EXPECT_EQ(merkle::consistency_proof(prefix(leaves, c.size2), c.size1), c.proof) << between(c.size1, c.size2);
    EXPECT_TRUE(merkle::verify_consistency(c.size1, c.size2, c.proof, root1, root2).ok())
        << between(c.size1, c.size2);
    if (!c.proof.empty()) expect_consistency_mutations_rejected(c.size1, c.size2, c.proof, root1, root2);
  }
}

// proof/proof_test.go names the nodes of each proof for sizes up to 8; where a proof needs the
// root of an incomplete subtree (size 7: l = hash(i, j)) it is rebuilt with node_hash.
TEST(MerkleReferenceTree, ProofShapesOfTheReference) {
  auto leaves = reference_leaves();
  const Hash32 a = node(0, 0), b = node(0, 1), c = node(0, 2), d = node(0, 3), e = node(0, 4), f = node(0, 5),
               j = node(0, 6), leaf7 = node(0, 7);
  const Hash32 g = node(1, 0), hh = node(1, 1), i = node(1, 2), k = node(2, 0), l8 = node(2, 1);
  const Hash32 l7 = merkle::node_hash(i, j);  // MTH(D[4:7])
  struct Inclusion {
    std::uint64_t size, index;
    std::vector<Hash32> want;
  };
  const std::vector<Inclusion> inclusion = {
      {1, 0, {}},          {2, 0, {b}},          {2, 1, {a}},          {3, 1, {a, c}},   {7, 0, {b, hh, l7}},
      {7, 1, {a, hh, l7}}, {7, 2, {d, g, l7}},   {7, 3, {c, g, l7}},   {7, 4, {f, j, k}}, {7, 5, {e, j, k}},
      {7, 6, {i, k}},      {4, 2, {d, g}},       {5, 3, {c, g, e}},    {6, 3, {c, g, i}}, {6, 4, {f, k}},
  };
  for (const auto& t : inclusion) {
    EXPECT_EQ(merkle::inclusion_proof(prefix(leaves, t.size), t.index), t.want) << at(t.index, t.size);
  }
  struct Consistency {
    std::uint64_t size1, size2;
    std::vector<Hash32> want;
  };
  const std::vector<Consistency> consistency = {
      {1, 2, {b}},       {1, 4, {b, hh}},   {1, 6, {b, hh, i}},       {2, 3, {c}},
      {2, 8, {hh, l8}},  {3, 7, {c, d, g, l7}}, {4, 7, {l7}},         {5, 7, {e, f, j, k}},
      {6, 7, {i, j, k}}, {7, 8, {j, leaf7, i, k}}, {2, 4, {hh}},      {3, 5, {c, d, g, e}},
      {3, 6, {c, d, g, i}}, {4, 6, {i}},    {1, 7, {b, hh, l7}},
  };
  for (const auto& t : consistency) {
    EXPECT_EQ(merkle::consistency_proof(prefix(leaves, t.size2), t.size1), t.want) << between(t.size1, t.size2);
  }
  for (std::uint64_t n = 1; n <= 8; ++n) {
    EXPECT_TRUE(merkle::consistency_proof(prefix(leaves, n), n).empty()) << "size " << n;
  }
}

// ---------------------------------------------------------------- every proof up to size 8

TEST(MerkleReferenceTree, EveryInclusionProofVerifiesAndEveryMutationFails) {
  auto leaves = reference_leaves();
  for (std::uint64_t size = 1; size <= 8; ++size) {
    const auto tree = prefix(leaves, size);
    const Hash32 root = h(kRoots[size]);
    for (std::uint64_t index = 0; index < size; ++index) {
      const auto proof = merkle::inclusion_proof(tree, index);
      EXPECT_EQ(proof, rfc_path(leaves, index, 0, size)) << at(index, size);
      ASSERT_TRUE(merkle::verify_inclusion(leaves[index], index, size, proof, root).ok()) << at(index, size);
      expect_inclusion_mutations_rejected(leaves[index], index, size, proof, root);
      // The same proof at any other position, with that position's leaf or with ours.
      for (std::uint64_t other = 0; other < size; ++other) {
        if (other == index) continue;
        EXPECT_FALSE(merkle::verify_inclusion(leaves[index], other, size, proof, root).ok()) << at(other, size);
        EXPECT_FALSE(merkle::verify_inclusion(leaves[other], other, size, proof, root).ok()) << at(other, size);
      }
      // The same proof claimed for any other tree size, against that size's true root.
      for (std::uint64_t other = index + 1; other <= 8; ++other) {
        if (other == size) continue;
        EXPECT_FALSE(merkle::verify_inclusion(leaves[index], index, other, proof, h(kRoots[other])).ok())
            << at(index, size) << " claimed for size " << other;
      }
    }
  }
}

TEST(MerkleReferenceTree, EveryConsistencyProofVerifiesAndEveryMutationFails) {
  auto leaves = reference_leaves();
  for (std::uint64_t size2 = 1; size2 <= 8; ++size2) {
    const auto tree = prefix(leaves, size2);
    for (std::uint64_t size1 = 1; size1 <= size2; ++size1) {
      const auto proof = merkle::consistency_proof(tree, size1);
      EXPECT_EQ(proof, rfc_subproof(leaves, size1, 0, size2, true)) << between(size1, size2);
      const Hash32 root1 = h(kRoots[size1]);
      const Hash32 root2 = h(kRoots[size2]);
      ASSERT_TRUE(merkle::verify_consistency(size1, size2, proof, root1, root2).ok()) << between(size1, size2);
      if (size1 == size2) continue;
      expect_consistency_mutations_rejected(size1, size2, proof, root1, root2);
      // The same proof claimed for any other pair of sizes, against those sizes' true roots.
      for (std::uint64_t o2 = 1; o2 <= 8; ++o2) {
        for (std::uint64_t o1 = 1; o1 < o2; ++o1) {
          if (o1 == size1 && o2 == size2) continue;
          EXPECT_FALSE(merkle::verify_consistency(o1, o2, proof, h(kRoots[o1]), h(kRoots[o2])).ok())
              << between(size1, size2) << " claimed for " << between(o1, o2);
        }
      }
    }
  }
}

// ---------------------------------------------------------------- edge rules (docs/PROTOCOLS.md §15)

TEST(MerkleEdgeRules, InclusionIndexMustBeBelowSize) {
  const Hash32 leaf = merkle::leaf_hash(ios::core::as_bytes("x"));
  expect_rejected(merkle::verify_inclusion(leaf, 0, 0, {}, merkle::empty_root()), kIndexTooBig, "0 of 0");
  expect_rejected(merkle::verify_inclusion(leaf, 1, 1, {}, leaf), kIndexTooBig, "1 of 1");
  expect_rejected(merkle::verify_inclusion(leaf, 8, 8, {}, leaf), kIndexTooBig, "8 of 8");
  expect_rejected(merkle::verify_inclusion(leaf, UINT64_MAX, 3, {}, leaf), kIndexTooBig, "max of 3");
  auto r = merkle::root_from_inclusion_proof(leaf, 5, 5, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().detail, kIndexTooBig);
}

TEST(MerkleEdgeRules, SingleLeafTreeIsItsOwnRoot) {
  const Hash32 leaf = merkle::leaf_hash(ios::core::as_bytes("data"));
  EXPECT_EQ(merkle::root(std::vector<Hash32>{leaf}), leaf);
  EXPECT_TRUE(merkle::verify_inclusion(leaf, 0, 1, {}, leaf).ok());
  const std::vector<Hash32> one{leaf};
  expect_rejected(merkle::verify_inclusion(leaf, 0, 1, one, leaf), kInclusionTooLong, "size 1 with an element");
}

TEST(MerkleEdgeRules, InclusionInHugeTreesDoesNotOverflow) {
  // The last leaf of a 2^64 - 1 leaf tree: 63 left border hashes plus nothing to its right.
  const Hash32 leaf = merkle::leaf_hash(ios::core::as_bytes("last"));
  std::vector<Hash32> proof(63, merkle::leaf_hash(ios::core::as_bytes("sibling")));
  EXPECT_TRUE(merkle::root_from_inclusion_proof(leaf, UINT64_MAX - 1, UINT64_MAX, proof).ok());
  proof.pop_back();
  expect_rejected(merkle::verify_inclusion(leaf, UINT64_MAX - 1, UINT64_MAX, proof, leaf), kInclusionTooShort,
                  "huge, short");
  proof.resize(65, leaf);
  expect_rejected(merkle::verify_inclusion(leaf, 0, UINT64_MAX, proof, leaf), kInclusionTooLong, "huge, long");
}

TEST(MerkleEdgeRules, ConsistencyFromEmptyTreeIsRefused) {
  const Hash32 e = merkle::empty_root();
  const Hash32 r = h(kRoots[3]);
  expect_rejected(merkle::verify_consistency(0, 0, {}, e, e), kFromEmpty, "0 -> 0");
  expect_rejected(merkle::verify_consistency(0, 3, {}, e, r), kFromEmpty, "0 -> 3");
  const std::vector<Hash32> one{r};
  expect_rejected(merkle::verify_consistency(0, 3, one, e, r), kFromEmpty, "0 -> 3 with an element");
}

TEST(MerkleEdgeRules, ConsistencyToASmallerTreeIsRefused) {
  const Hash32 r5 = h(kRoots[5]);
  const Hash32 r3 = h(kRoots[3]);
  expect_rejected(merkle::verify_consistency(5, 3, {}, r5, r3), kShrunk, "5 -> 3");
  const std::vector<Hash32> proof = merkle::consistency_proof(prefix(reference_leaves(), 5), 3);
  expect_rejected(merkle::verify_consistency(5, 3, proof, r5, r3), kShrunk, "5 -> 3 with the 3 -> 5 proof");
  expect_rejected(merkle::verify_consistency(2, 1, {}, h(kRoots[2]), h(kRoots[1])), kShrunk, "2 -> 1");
}

TEST(MerkleEdgeRules, EqualSizesNeedEmptyProofAndEqualRoots) {
  const Hash32 r4 = h(kRoots[4]);
  const Hash32 r5 = h(kRoots[5]);
  EXPECT_TRUE(merkle::verify_consistency(4, 4, {}, r4, r4).ok());
  const std::vector<Hash32> one{r4};
  expect_rejected(merkle::verify_consistency(4, 4, one, r4, r4), kEqualNonEmpty, "4 -> 4 with an element");
  const std::vector<Hash32> empty_root_only{merkle::empty_root()};
  expect_rejected(merkle::verify_consistency(1, 1, empty_root_only, r4, r4), kEqualNonEmpty, "1 -> 1");
  expect_rejected(merkle::verify_consistency(4, 4, {}, r4, r5), kEqualDifferentRoots, "4 -> 4 other root");
}

TEST(MerkleEdgeRules, DifferentSizesNeedANonEmptyProof) {
  expect_rejected(merkle::verify_consistency(1, 2, {}, h(kRoots[1]), h(kRoots[2])), kEmptyConsistency, "1 -> 2");
  expect_rejected(merkle::verify_consistency(4, 8, {}, h(kRoots[4]), h(kRoots[8])), kEmptyConsistency, "4 -> 8");
}

TEST(MerkleEdgeRules, ConsistencyLengthErrorsAreNamed) {
  auto leaves = reference_leaves();
  auto proof = merkle::consistency_proof(leaves, 3);  // 3 -> 8
  const Hash32 r3 = h(kRoots[3]);
  const Hash32 r8 = h(kRoots[8]);
  auto longer = proof;
  longer.push_back(r8);
  expect_rejected(merkle::verify_consistency(3, 8, longer, r3, r8), kConsistencyTooLong, "3 -> 8 long");
  auto shorter = std::vector<Hash32>(proof.begin(), proof.end() - 1);
  expect_rejected(merkle::verify_consistency(3, 8, shorter, r3, r8), kConsistencyTooShort, "3 -> 8 short");
  // 3 -> 8 is [c, d, g, l]: c seeds both roots (3 is not a power of two), l lies right of the
  // old tree and feeds only the new root.
  auto flipped = proof;
  flipped.front()[0] ^= 1;
  expect_rejected(merkle::verify_consistency(3, 8, flipped, r3, r8),
                  "consistency proof does not lead to the first root", "3 -> 8 flipped front");
  flipped = proof;
  flipped.back()[0] ^= 1;
  expect_rejected(merkle::verify_consistency(3, 8, flipped, r3, r8),
                  "consistency proof does not lead to the second root", "3 -> 8 flipped back");
  const Hash32 wrong2 = h(kRoots[7]);
  expect_rejected(merkle::verify_consistency(3, 8, proof, r3, wrong2),
                  "consistency proof does not lead to the second root", "3 -> 8 wrong root2");
}

TEST(MerkleEdgeRulesDeathTest, GeneratorsAssertTheirPreconditions) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const auto leaves = reference_leaves();
  EXPECT_DEATH((void)merkle::inclusion_proof(leaves, 8), "invariant violated");
  EXPECT_DEATH((void)merkle::inclusion_proof(std::vector<Hash32>{}, 0), "invariant violated");
  EXPECT_DEATH((void)merkle::consistency_proof(leaves, 0), "invariant violated");
  EXPECT_DEATH((void)merkle::consistency_proof(leaves, 9), "invariant violated");
}

// ---------------------------------------------------------------- attacks the prefixes and the split stop

// CVE-2012-2459: Bitcoin's tree duplicates the last node of an odd level, so [a,b,c] and
// [a,b,c,c] share a root. Shown here with a Bitcoin-style reduction, then refuted for ours.
TEST(MerkleAttacks, NoLastNodeDuplicationCollision) {
  auto bitcoin_style = [](std::vector<Hash32> level) {
    while (level.size() > 1) {
      if (level.size() % 2 == 1) level.push_back(level.back());
      std::vector<Hash32> up;
      for (std::size_t i = 0; i < level.size(); i += 2) up.push_back(merkle::node_hash(level[i], level[i + 1]));
      level = up;
    }
    return level.front();
  };
  const Hash32 a = merkle::leaf_hash(ios::core::as_bytes("a"));
  const Hash32 b = merkle::leaf_hash(ios::core::as_bytes("b"));
  const Hash32 c = merkle::leaf_hash(ios::core::as_bytes("c"));
  const std::vector<Hash32> three{a, b, c};
  const std::vector<Hash32> four{a, b, c, c};
  ASSERT_EQ(bitcoin_style(three), bitcoin_style(four));  // the collision exists there
  EXPECT_NE(merkle::root(three), merkle::root(four));
  // Same for a longer odd tail: 5 leaves vs the 6 Bitcoin would pad them to.
  const Hash32 d = merkle::leaf_hash(ios::core::as_bytes("d"));
  const Hash32 e = merkle::leaf_hash(ios::core::as_bytes("e"));
  const std::vector<Hash32> five{a, b, c, d, e};
  const std::vector<Hash32> six{a, b, c, d, e, e};
  ASSERT_EQ(bitcoin_style(five), bitcoin_style(six));
  EXPECT_NE(merkle::root(five), merkle::root(six));
  // And a proof for the duplicated copy does not verify against the shorter tree.
  const auto proof = merkle::inclusion_proof(four, 3);
  EXPECT_FALSE(merkle::verify_inclusion(c, 3, 3, proof, merkle::root(three)).ok());
  EXPECT_FALSE(merkle::verify_inclusion(c, 3, 4, proof, merkle::root(three)).ok());
}

// Without domain prefixes, the 64 bytes left ‖ right could be submitted as leaf data whose hash
// is an interior node, "proving" a leaf that was never appended.
TEST(MerkleAttacks, InteriorNodeCannotPassAsLeaf) {
  const Hash32 l = merkle::leaf_hash(ios::core::as_bytes("Hello"));
  const Hash32 r = merkle::leaf_hash(ios::core::as_bytes("World"));
  std::vector<std::uint8_t> concatenated(l.begin(), l.end());
  concatenated.insert(concatenated.end(), r.begin(), r.end());
  EXPECT_NE(merkle::leaf_hash(concatenated), merkle::node_hash(l, r));
  EXPECT_NE(merkle::root(std::vector<Hash32>{merkle::leaf_hash(concatenated)}), merkle::root(std::vector<Hash32>{l, r}));
  // In a 4-leaf tree, data = left ‖ right does not verify as leaf 0 of a 2-leaf view of the tree.
  const auto leaves = prefix(reference_leaves(), 4);
  std::vector<std::uint8_t> n01(leaves[0].begin(), leaves[0].end());
  n01.insert(n01.end(), leaves[1].begin(), leaves[1].end());
  const std::vector<Hash32> path{node(1, 1)};
  EXPECT_FALSE(merkle::verify_inclusion(merkle::leaf_hash(n01), 0, 2, path, h(kRoots[4])).ok());
  EXPECT_TRUE(merkle::verify_inclusion(node(1, 0), 0, 2, path, h(kRoots[4])).ok());  // only a raw node would
}

// ---------------------------------------------------------------- randomized sweep up to 300

TEST(MerkleSweep, GeneratedTreesUpTo300) {
  const std::uint64_t seed = 0x105'6962;
  std::printf("merkle sweep seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const auto all = generated_leaves(300);
  for (std::uint64_t size = 1; size <= 300; ++size) {
    const auto tree = prefix(all, size);
    const Hash32 root = merkle::root(tree);
    ASSERT_EQ(root, rfc_mth(all, 0, size)) << "size " << size << " seed " << seed;
    for (int round = 0; round < 3; ++round) {
      const std::uint64_t index = rng() % size;
      const auto proof = merkle::inclusion_proof(tree, index);
      ASSERT_EQ(proof, rfc_path(all, index, 0, size)) << at(index, size) << " seed " << seed;
      ASSERT_TRUE(merkle::verify_inclusion(tree[index], index, size, proof, root).ok()) << at(index, size);
      const std::uint64_t wrong_index = (index + 1 + rng() % (size)) % size;
      if (wrong_index != index) {
        EXPECT_FALSE(merkle::verify_inclusion(tree[index], wrong_index, size, proof, root).ok()) << at(index, size);
      }
      if (!proof.empty()) {
        auto bad = proof;
        bad[rng() % bad.size()][rng() % 32] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        EXPECT_FALSE(merkle::verify_inclusion(tree[index], index, size, bad, root).ok()) << at(index, size);
      }

      const std::uint64_t size1 = 1 + rng() % size;
      const auto cproof = merkle::consistency_proof(tree, size1);
      ASSERT_EQ(cproof, rfc_subproof(all, size1, 0, size, true)) << between(size1, size) << " seed " << seed;
      const Hash32 root1 = merkle::root(prefix(all, size1));
      ASSERT_TRUE(merkle::verify_consistency(size1, size, cproof, root1, root).ok()) << between(size1, size);
      if (!cproof.empty()) {
        auto bad = cproof;
        bad[rng() % bad.size()][rng() % 32] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        EXPECT_FALSE(merkle::verify_consistency(size1, size, bad, root1, root).ok()) << between(size1, size);
        EXPECT_FALSE(merkle::verify_consistency(size1, size, cproof, root, root1).ok()) << between(size1, size);
      }
    }
  }
}

// Exhaustive for mid-sized trees: every index, every earlier size, all proofs against the
// recursive RFC transcription, and each proof refused for every other (index) or (size1).
TEST(MerkleSweep, ExhaustiveUpTo40) {
  const auto all = generated_leaves(40);
  std::vector<Hash32> roots{merkle::empty_root()};
  for (std::uint64_t n = 1; n <= 40; ++n) roots.push_back(merkle::root(prefix(all, n)));
  for (std::uint64_t size = 1; size <= 40; ++size) {
    const auto tree = prefix(all, size);
    for (std::uint64_t index = 0; index < size; ++index) {
      const auto proof = merkle::inclusion_proof(tree, index);
      ASSERT_EQ(proof, rfc_path(all, index, 0, size)) << at(index, size);
      ASSERT_TRUE(merkle::verify_inclusion(tree[index], index, size, proof, roots[size]).ok()) << at(index, size);
      for (std::uint64_t other = 0; other < size; ++other) {
        if (other != index) {
          EXPECT_FALSE(merkle::verify_inclusion(tree[other], other, size, proof, roots[size]).ok())
              << at(index, size) << " as " << other;
        }
      }
    }
    for (std::uint64_t size1 = 1; size1 < size; ++size1) {
      const auto proof = merkle::consistency_proof(tree, size1);
      ASSERT_EQ(proof, rfc_subproof(all, size1, 0, size, true)) << between(size1, size);
      ASSERT_TRUE(merkle::verify_consistency(size1, size, proof, roots[size1], roots[size]).ok())
          << between(size1, size);
      for (std::uint64_t other = 1; other < size; ++other) {
        if (other != size1) {
          EXPECT_FALSE(merkle::verify_consistency(other, size, proof, roots[other], roots[size]).ok())
              << between(size1, size) << " as " << other;
        }
      }
    }
  }
}

TEST(MerkleSweep, HundredThousandLeaves) {
  const auto leaves = generated_leaves(100'000);
  const Hash32 root = merkle::root(leaves);
  for (std::uint64_t index : {0ull, 1ull, 65'535ull, 65'536ull, 99'998ull, 99'999ull}) {
    const auto proof = merkle::inclusion_proof(leaves, index);
    EXPECT_TRUE(merkle::verify_inclusion(leaves[index], index, leaves.size(), proof, root).ok()) << index;
  }
  const auto proof = merkle::consistency_proof(leaves, 65'537);
  EXPECT_TRUE(merkle::verify_consistency(65'537, leaves.size(), proof,
                                         merkle::root(prefix(leaves, 65'537)), root).ok());
}
