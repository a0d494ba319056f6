#pragma once
// The CoSi communication tree of one ByzCoin attempt (docs/PROTOCOLS.md §3.5; ByzCoinX/ftcosi):
// root = the leader; ⌊√m⌋ sub-leaders, m = invited members other than the root; each
// sub-leader aggregates the commitments and responses of its leaves. Members are taken in
// roster order rotated by the leader index (root+1, root+2, ...), so every node derives the
// same tree from (root, invited) alone and the roles change with the leader, which rotates
// every block. `star` (or too few members for a sub-leader to have leaves) makes every
// invited member a direct child of the root: the flat star ByzCoin falls back to.
#include <cstdint>
#include <optional>
#include <vector>

#include "node/crypto/cosi.hpp"

namespace ios::protocol::byzcoin {

struct Tree {
  std::uint32_t root = 0;
  std::vector<std::uint32_t> subleaders;           // children of the root
  std::vector<std::vector<std::uint32_t>> leaves;  // leaves[i]: children of subleaders[i]

  // The root for a sub-leader, the sub-leader for a leaf; nullopt for the root and for
  // members not in the tree.
  std::optional<std::uint32_t> parent_of(std::uint32_t member) const;
  // A sub-leader's leaves (empty for anyone else).
  std::vector<std::uint32_t> children_of(std::uint32_t member) const;
  // The sub-leader and its leaves: the members a sub-leader's aggregate speaks for.
  std::vector<std::uint32_t> subtree_of(std::uint32_t subleader) const;
};

// Requires root < invited.size(). The root need not be invited (it always leads).
Tree make_tree(std::uint32_t root, const crypto::CosiMask& invited, bool star);

}  // namespace ios::protocol::byzcoin
