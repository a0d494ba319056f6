// LtHash16 (node/crypto/lthash.hpp): the multiset hash behind the ledger's state digest.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "node/crypto/hash.hpp"
#include "node/crypto/lthash.hpp"

namespace ios::crypto {
namespace {

const bool sodium_ready = (init(), true);

core::Bytes item(int i) {
  const std::string s = "utxo-" + std::to_string(i);
  return {s.begin(), s.end()};
}

TEST(LtHash, EmptyIsTheZeroVectorAndAddRemoveRestores) {
  LtHash empty, h;
  EXPECT_EQ(h.digest(), empty.digest());
  h.add(item(1));
  EXPECT_NE(h.digest(), empty.digest());
  h.remove(item(1));
  EXPECT_EQ(h, empty);
}

TEST(LtHash, OrderDoesNotMatterContentDoes) {
  std::vector<int> ids{1, 2, 3, 4, 5, 6, 7, 8};
  LtHash a, b, c;
  for (int i : ids) a.add(item(i));
  std::reverse(ids.begin(), ids.end());
  for (int i : ids) b.add(item(i));
  EXPECT_EQ(a.digest(), b.digest());
  for (int i : {1, 2, 3, 4, 5, 6, 7, 9}) c.add(item(i));
  EXPECT_NE(a.digest(), c.digest());
  // A multiset: adding an element twice is not adding it once.
  LtHash once, twice;
  once.add(item(1));
  twice.add(item(1));
  twice.add(item(1));
  EXPECT_NE(once.digest(), twice.digest());
}

TEST(LtHash, IncrementalEqualsRebuiltFromScratch) {
  LtHash running;
  std::vector<int> live;
  for (int step = 0; step < 500; ++step) {
    if (step % 3 == 2 && !live.empty()) {
      running.remove(item(live.front()));
      live.erase(live.begin());
    } else {
      running.add(item(step));
      live.push_back(step);
    }
  }
  LtHash rebuilt;
  for (int i : live) rebuilt.add(item(i));
  EXPECT_EQ(running.digest(), rebuilt.digest());
}

}  // namespace
}  // namespace ios::crypto
