#include "node/crypto/merkle.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>

#include "node/crypto/hash.hpp"

namespace ios::crypto::merkle {

using core::Hash32;
using core::Reject;
using core::reject;

namespace {

constexpr std::array<std::uint8_t, 1> leaf_prefix{0x00};
constexpr std::array<std::uint8_t, 1> node_prefix{0x01};

// MTH splits n > 1 leaves at the largest power of two strictly below n.
std::uint64_t split_point(std::uint64_t n) {
  IOS_ASSERT(n > 1);
  return std::bit_floor(n - 1);
}

std::span<const Hash32> range(std::span<const Hash32> leaves, std::uint64_t begin, std::uint64_t count) {
  return leaves.subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(count));
}

// Right-shift fn and sn together until fn is odd or zero (both RFC 9162 verifiers use this
// to skip levels where the path runs along the right border and has no sibling).
void skip_border_levels(std::uint64_t& fn, std::uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

core::Error bad_proof(const char* detail) { return reject(Reject::bad_merkle_proof, detail); }

}  // namespace

Hash32 empty_root() { return sha256(core::ByteView{}); }

Hash32 leaf_hash(core::ByteView data) { return sha256({leaf_prefix, data}); }

Hash32 node_hash(const Hash32& left, const Hash32& right) { return sha256({node_prefix, left, right}); }

// Left to right with a stack of complete subtrees, one per set bit of the count so far (a
// binary counter): after leaf i is pushed, equal-sized neighbours merge as long as the count
// is even. At the end the stack holds the complete subtrees of MTH's split, largest first,
// and folding them from the right gives exactly MTH: the odd tail is promoted, never copied.
Hash32 root(std::span<const Hash32> leaf_hashes) {
  if (leaf_hashes.empty()) return empty_root();
  constexpr std::size_t stack_depth_max = 65;  // one per bit of a 64-bit count, plus the push
  std::array<Hash32, stack_depth_max> stack;
  std::size_t depth = 0;
  std::uint64_t count = 0;
  for (const Hash32& leaf : leaf_hashes) {
    IOS_ASSERT(depth < stack_depth_max);
    stack[depth++] = leaf;
    ++count;
    for (std::uint64_t c = count; (c & 1) == 0; c >>= 1) {
      IOS_ASSERT(depth >= 2);
      stack[depth - 2] = node_hash(stack[depth - 2], stack[depth - 1]);
      --depth;
    }
  }
  Hash32 acc = stack[depth - 1];
  for (std::size_t i = depth - 1; i > 0; --i) acc = node_hash(stack[i - 1], acc);
  return acc;
}

// PATH(m, D[n]) unrolled: descend from the top, remembering the sibling subtree at each level,
// then reverse so the proof reads leaf-upwards. Sibling sizes sum to less than n, so O(n).
std::vector<Hash32> inclusion_proof(std::span<const Hash32> leaf_hashes, std::uint64_t index) {
  IOS_ASSERT(index < leaf_hashes.size());
  std::vector<Hash32> path;
  std::uint64_t begin = 0;
  std::uint64_t n = leaf_hashes.size();
  std::uint64_t m = index;
  while (n > 1) {
    const std::uint64_t k = split_point(n);
    if (m < k) {
      path.push_back(root(range(leaf_hashes, begin + k, n - k)));
      n = k;
    } else {
      path.push_back(root(range(leaf_hashes, begin, k)));
      begin += k;
      m -= k;
      n -= k;
    }
  }
  std::reverse(path.begin(), path.end());
  return path;
}

// SUBPROOF(m, D[n], b) unrolled the same way; b turns false once the path has stepped into a
// right subtree, and then the subtree where m == n is itself part of the proof.
std::vector<Hash32> consistency_proof(std::span<const Hash32> leaf_hashes, std::uint64_t size1) {
  IOS_ASSERT(size1 > 0);
  IOS_ASSERT(size1 <= leaf_hashes.size());
  std::vector<Hash32> path;
  std::uint64_t begin = 0;
  std::uint64_t n = leaf_hashes.size();
  std::uint64_t m = size1;
  bool whole_old_tree = true;
  while (m != n) {
    const std::uint64_t k = split_point(n);
    if (m <= k) {
      path.push_back(root(range(leaf_hashes, begin + k, n - k)));
      n = k;
    } else {
      path.push_back(root(range(leaf_hashes, begin, k)));
      begin += k;
      m -= k;
      n -= k;
      whole_old_tree = false;
    }
  }
  if (!whole_old_tree) path.push_back(root(range(leaf_hashes, begin, n)));
  std::reverse(path.begin(), path.end());
  return path;
}

// RFC 9162 §2.1.3.2. fn is the node's index on its level, sn the last index on that level.
core::Result<Hash32> root_from_inclusion_proof(const Hash32& leaf_hash, std::uint64_t index, std::uint64_t size,
                                               std::span<const Hash32> proof) {
  if (index >= size) return bad_proof("leaf index is not below the tree size");
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash32 r = leaf_hash;
  for (const Hash32& p : proof) {
    if (sn == 0) return bad_proof("inclusion proof is longer than the path to the root");
    if ((fn & 1) == 1 || fn == sn) {
      r = node_hash(p, r);
      skip_border_levels(fn, sn);
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return bad_proof("inclusion proof is shorter than the path to the root");
  return r;
}

core::Status verify_inclusion(const Hash32& leaf_hash, std::uint64_t index, std::uint64_t size,
                              std::span<const Hash32> proof, const Hash32& root) {
  auto computed = root_from_inclusion_proof(leaf_hash, index, size, proof);
  if (!computed) return computed.error();
  if (*computed != root) return bad_proof("inclusion proof leads to a different root");
  return core::Ok{};
}

namespace {

// RFC 9162 §2.1.4.2 for 0 < size1 < size2 and a non-empty proof. fr rebuilds the old root from
// the hashes left of the old tree's last leaf; sr rebuilds the new root from all of them.
core::Status chain_consistency(std::uint64_t size1, std::uint64_t size2, std::span<const Hash32> proof,
                               const Hash32& root1, const Hash32& root2) {
  // When size1 is a power of two the old tree is a complete subtree of the new one, and the
  // proof leaves out its root because the verifier already holds it.
  const bool old_tree_is_subtree = std::has_single_bit(size1);
  Hash32 fr = old_tree_is_subtree ? root1 : proof.front();
  std::span<const Hash32> rest = old_tree_is_subtree ? proof : proof.subspan(1);
  Hash32 sr = fr;
  std::uint64_t fn = size1 - 1;
  std::uint64_t sn = size2 - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  for (const Hash32& c : rest) {
    if (sn == 0) return bad_proof("consistency proof is longer than the path to the root");
    if ((fn & 1) == 1 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      skip_border_levels(fn, sn);
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return bad_proof("consistency proof is shorter than the path to the root");
  if (fr != root1) return bad_proof("consistency proof does not lead to the first root");
  if (sr != root2) return bad_proof("consistency proof does not lead to the second root");
  return core::Ok{};
}

}  // namespace

core::Status verify_consistency(std::uint64_t size1, std::uint64_t size2, std::span<const Hash32> proof,
                                const Hash32& root1, const Hash32& root2) {
  if (size1 == 0) return bad_proof("consistency proof from the empty tree is meaningless");
  if (size2 < size1) return bad_proof("second tree size is smaller than the first");
  if (size1 == size2) {
    if (!proof.empty()) return bad_proof("equal tree sizes need an empty consistency proof");
    if (root1 != root2) return bad_proof("equal tree sizes but different roots");
    return core::Ok{};
  }
  if (proof.empty()) return bad_proof("empty consistency proof between different tree sizes");
  return chain_consistency(size1, size2, proof, root1, root2);
}

}  // namespace ios::crypto::merkle
