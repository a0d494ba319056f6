#pragma once
// Merkle trees of RFC 6962 §2.1 / RFC 9162 §2.1 with SHA-256 (docs/PROTOCOLS.md §15); the MSB
// transaction root and every audit path ios hands to light clients use these rules.
//
// Invariants:
//   MTH({})   = SHA-256("")
//   leaf      = SHA-256(0x00 ‖ data)
//   node      = SHA-256(0x01 ‖ left ‖ right)
//   MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two strictly below n.
// A proof is bound to (leaf index, tree size): the verifier needs both, and a proof of the
// wrong length for them is refused before any root is compared.
//
// Attacks this stops:
//   - CVE-2012-2459 (Bitcoin): a level with an odd count duplicated its last node, so the
//     lists [a,b,c] and [a,b,c,c] had the same root. We never duplicate; an odd last subtree
//     is promoted unchanged, so the root commits to the exact leaf count.
//   - Second preimages between leaves and interior nodes: without the 0x00/0x01 prefixes an
//     interior node (64 bytes of child hashes) could be presented as leaf data, proving
//     "inclusion" of something that was never a leaf.
// Leaf hashes and proof elements are Hash32, so a wrong element size cannot be expressed.
// Roots are public data, so they are compared with plain equality.
#include <cstdint>
#include <span>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"

namespace ios::crypto::merkle {

// The root of a tree with no leaves, SHA-256 of the empty string.
core::Hash32 empty_root();
// SHA-256(0x00 ‖ data).
core::Hash32 leaf_hash(core::ByteView data);
// SHA-256(0x01 ‖ left ‖ right).
core::Hash32 node_hash(const core::Hash32& left, const core::Hash32& right);

// MTH over already-hashed leaves. Iterative, one pass, O(n) hashes, no heap allocation.
core::Hash32 root(std::span<const core::Hash32> leaf_hashes);

// PATH(index, D[n]) of RFC 9162 §2.1.3.1, ordered from the leaf upwards.
// Precondition (our own invariant): index < leaf_hashes.size().
std::vector<core::Hash32> inclusion_proof(std::span<const core::Hash32> leaf_hashes, std::uint64_t index);

// PROOF(size1, D[n]) of RFC 9162 §2.1.4.1 from the first size1 leaves to all of them.
// Preconditions (our own invariants): 0 < size1 <= leaf_hashes.size(). Empty if size1 == n.
std::vector<core::Hash32> consistency_proof(std::span<const core::Hash32> leaf_hashes, std::uint64_t size1);

// The root that an inclusion proof leads to (RFC 9162 §2.1.3.2), or why the proof cannot be
// a proof for (index, size) at all: index >= size, or a proof of the wrong length.
core::Result<core::Hash32> root_from_inclusion_proof(const core::Hash32& leaf_hash, std::uint64_t index,
                                                     std::uint64_t size, std::span<const core::Hash32> proof);

// Every failure is Reject::bad_merkle_proof with a detail naming the rule that failed.
core::Status verify_inclusion(const core::Hash32& leaf_hash, std::uint64_t index, std::uint64_t size,
                              std::span<const core::Hash32> proof, const core::Hash32& root);

// RFC 9162 §2.1.4.2 plus the edge rules of docs/PROTOCOLS.md §15: size1 == 0 is refused (a proof
// from the empty tree is meaningless, even to an empty tree); size2 < size1 is refused;
// size1 == size2 needs an empty proof and equal roots; otherwise the proof must be non-empty.
core::Status verify_consistency(std::uint64_t size1, std::uint64_t size2, std::span<const core::Hash32> proof,
                                const core::Hash32& root1, const core::Hash32& root2);

}  // namespace ios::crypto::merkle
