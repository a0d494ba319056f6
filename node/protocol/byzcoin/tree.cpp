// The CoSi tree of one ByzCoin attempt (tree.hpp).
#include "node/protocol/byzcoin/tree.hpp"

#include <algorithm>

namespace ios::protocol::byzcoin {

namespace {
std::uint32_t isqrt(std::uint32_t m) {
  std::uint32_t r = 0;
  while (static_cast<std::uint64_t>(r + 1) * (r + 1) <= m) ++r;
  return r;
}
}  // namespace

std::optional<std::uint32_t> Tree::parent_of(std::uint32_t member) const {
  for (std::size_t i = 0; i < subleaders.size(); ++i) {
    if (subleaders[i] == member) return root;
    if (std::find(leaves[i].begin(), leaves[i].end(), member) != leaves[i].end()) return subleaders[i];
  }
  return std::nullopt;
}

std::vector<std::uint32_t> Tree::children_of(std::uint32_t member) const {
  for (std::size_t i = 0; i < subleaders.size(); ++i)
    if (subleaders[i] == member) return leaves[i];
  return {};
}

std::vector<std::uint32_t> Tree::subtree_of(std::uint32_t subleader) const {
  std::vector<std::uint32_t> out{subleader};
  for (auto leaf : children_of(subleader)) out.push_back(leaf);
  return out;
}

Tree make_tree(std::uint32_t root, const crypto::CosiMask& invited, bool star) {
  const auto n = static_cast<std::uint32_t>(invited.size());
  IOS_ASSERT(root < n);
  Tree t;
  t.root = root;
  std::vector<std::uint32_t> members;
  for (std::uint32_t k = 1; k < n; ++k) {
    const std::uint32_t i = (root + k) % n;
    if (invited.contains(i)) members.push_back(i);
  }
  const auto m = static_cast<std::uint32_t>(members.size());
  const std::uint32_t groups = star ? m : std::max<std::uint32_t>(1, isqrt(m));
  if (m == 0) return t;
  // Contiguous groups whose sizes differ by at most one; the first of each is its sub-leader.
  std::size_t next = 0;
  for (std::uint32_t g = 0; g < std::min(groups, m); ++g) {
    const std::size_t size = m / groups + (g < m % groups ? 1 : 0);
    t.subleaders.push_back(members[next]);
    t.leaves.emplace_back(members.begin() + static_cast<std::ptrdiff_t>(next + 1),
                          members.begin() + static_cast<std::ptrdiff_t>(next + size));
    next += size;
  }
  IOS_ASSERT(next == members.size());
  return t;
}

}  // namespace ios::protocol::byzcoin
