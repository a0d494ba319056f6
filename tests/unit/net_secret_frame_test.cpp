// Sealed frames (node/net/secret_frame.hpp): what an on-path attacker can do to a session's
// bytes, and that each of it is refused — injection, a bit flip anywhere (tag, body, or the
// length it is bound to), replay, reordering, deletion, splicing from the other direction —
// and that honest frames of any size, the empty one included, round-trip in order.
#include "node/net/secret_frame.hpp"

#include <gtest/gtest.h>

#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"
#include "node/net/frame.hpp"
#include "support/test_support.hpp"

using namespace ios;
using core::Reject;

namespace {

crypto::Secret<32> key_of(std::uint8_t n) {
  core::ByteArray<32> k{};
  k.fill(n);
  return crypto::Secret<32>(k);
}

class NetSecretFrame : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { crypto::init(); }
};

}  // namespace

TEST_F(NetSecretFrame, FramesOfEverySizeRoundTripInOrder) {
  net::FrameSealer out(key_of(1));
  net::FrameOpener in(key_of(1));
  for (std::size_t len : {0u, 1u, 15u, 16u, 17u, 1000u, 70000u}) {
    core::Bytes plain(len, static_cast<std::uint8_t>(len));
    auto sealed = out.seal(plain);
    EXPECT_EQ(sealed.size(), len + net::seal_tag_bytes);
    if (len >= 16) {
      EXPECT_NE(core::Bytes(sealed.begin(), sealed.begin() + 16), core::Bytes(plain.begin(), plain.begin() + 16));
    }
    auto opened = in.open(sealed);
    ASSERT_TRUE(opened) << len;
    EXPECT_EQ(*opened, plain);
  }
  EXPECT_EQ(out.frames(), 7u);
  EXPECT_EQ(in.frames(), 7u);
}

TEST_F(NetSecretFrame, EveryBitFlipRefused) {
  net::FrameSealer out(key_of(1));
  const auto sealed = out.seal(core::Bytes(40, 7));
  for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    net::FrameOpener in(key_of(1));
    auto bad = sealed;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto r = in.open(bad);
    ASSERT_FALSE(r) << bit;
    EXPECT_EQ(r.error().reason, Reject::bad_signature);
    EXPECT_EQ(in.frames(), 0u);  // a refusal does not advance the counter
  }
}

TEST_F(NetSecretFrame, ForgedLengthRefused) {
  // The header is the associated data: the same bytes presented as a shorter frame fail.
  net::FrameSealer out(key_of(1));
  const auto sealed = out.seal(core::Bytes(40, 7));
  net::FrameOpener in(key_of(1));
  EXPECT_FALSE(in.open(core::ByteView(sealed.data(), sealed.size() - 1)));
  EXPECT_EQ(in.open(core::ByteView(sealed.data(), 5)).error().reason, Reject::truncated);
  EXPECT_TRUE(in.open(sealed));
}

TEST_F(NetSecretFrame, InjectionWithoutTheKeyRefused) {
  net::FrameSealer attacker(key_of(2));
  net::FrameOpener in(key_of(1));
  auto r = in.open(attacker.seal(core::Bytes{1, 2, 3}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, Reject::bad_signature);
}

TEST_F(NetSecretFrame, ReplayReorderAndDeletionRefused) {
  net::FrameSealer out(key_of(1));
  const auto f0 = out.seal(core::Bytes{0});
  const auto f1 = out.seal(core::Bytes{1});
  const auto f2 = out.seal(core::Bytes{2});
  {
    net::FrameOpener in(key_of(1));
    ASSERT_TRUE(in.open(f0));
    EXPECT_FALSE(in.open(f0));  // replayed
    EXPECT_FALSE(in.open(f2));  // f1 deleted
    EXPECT_TRUE(in.open(f1));
    EXPECT_TRUE(in.open(f2));
  }
  {
    net::FrameOpener in(key_of(1));
    EXPECT_FALSE(in.open(f1));  // reordered: f1 before f0
  }
}

TEST_F(NetSecretFrame, FramesOfTheOtherDirectionDoNotOpen) {
  // A frame reflected back at its sender is sealed under the sender's tx key, not its rx key.
  net::FrameSealer a_to_b(key_of(1));
  net::FrameOpener a_from_b(key_of(2));
  EXPECT_FALSE(a_from_b.open(a_to_b.seal(core::Bytes{9})));
}
