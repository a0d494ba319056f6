#include "node/core/encoding.hpp"

#include <gtest/gtest.h>

using namespace ios::core;

namespace {
Bytes sample() {
  Writer w;
  w.u8(1).u16(0x0203).u32(0x04050607).u64(0x08090a0b0c0d0e0fULL).boolean(true).str("ios");
  return w.take();
}
}  // namespace

TEST(Encoding, LittleEndianLayoutIsFixed) {
  Bytes b = sample();
  Bytes expected{1, 0x03, 0x02, 0x07, 0x06, 0x05, 0x04, 0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09, 0x08,
                 1, 3, 0, 0, 0, 'i', 'o', 's'};
  EXPECT_EQ(b, expected);
}

TEST(Encoding, RoundTrip) {
  Bytes b = sample();
  Reader r(b);
  r.version(1);
  EXPECT_EQ(r.u16(), 0x0203);
  EXPECT_EQ(r.u32(), 0x04050607u);
  EXPECT_EQ(r.u64(), 0x08090a0b0c0d0e0fULL);
  EXPECT_TRUE(r.boolean());
  EXPECT_EQ(r.str(16), "ios");
  EXPECT_TRUE(r.finish().ok());
}

TEST(Encoding, EveryTruncationIsRejected) {
  Bytes b = sample();
  for (std::size_t len = 0; len < b.size(); ++len) {
    Reader r(ByteView(b.data(), len));
    r.version(1);
    r.u16();
    r.u32();
    r.u64();
    r.boolean();
    r.str(16);
    auto s = r.finish();
    ASSERT_FALSE(s.ok()) << "length " << len;
    EXPECT_EQ(s.error().reason, Reject::truncated) << "length " << len;
  }
}

TEST(Encoding, TrailingBytesRejected) {
  Bytes b = sample();
  b.push_back(0);
  Reader r(b);
  r.version(1);
  r.u16();
  r.u32();
  r.u64();
  r.boolean();
  r.str(16);
  auto s = r.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, Reject::trailing_bytes);
}

TEST(Encoding, UnknownVersionRejected) {
  Bytes b = sample();
  b[0] = 2;
  Reader r(b);
  r.version(1);
  auto s = r.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, Reject::unknown_version);
}

TEST(Encoding, LengthOverCallerLimitRejected) {
  Bytes b = sample();
  Reader r(b);
  r.version(1);
  r.u16();
  r.u32();
  r.u64();
  r.boolean();
  r.str(2);  // "ios" is 3 bytes
  auto s = r.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, Reject::length_over_limit);
}

TEST(Encoding, HugeDeclaredLengthDoesNotAllocate) {
  Bytes b{0xff, 0xff, 0xff, 0xff};
  Reader r(b);
  r.bytes(SIZE_MAX);
  auto s = r.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, Reject::length_over_limit);
}

TEST(Encoding, NonCanonicalBooleanRejected) {
  Bytes b{2};
  Reader r(b);
  r.boolean();
  auto s = r.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, Reject::non_canonical);
}

TEST(Encoding, CountLimit) {
  Writer w;
  w.u32(1001);
  Reader r(w.view());
  EXPECT_EQ(r.count(1000), 0u);
  EXPECT_EQ(r.finish().error().reason, Reject::length_over_limit);
}

TEST(Hex, RoundTripAndRejects) {
  Bytes b{0x00, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "00abff");
  EXPECT_EQ(from_hex("00ABff"), b);
  EXPECT_FALSE(from_hex("0"));
  EXPECT_FALSE(from_hex("zz"));
  EXPECT_FALSE(from_hex("0x00"));
  EXPECT_FALSE((from_hex_fixed<4>("00abff")));
  EXPECT_TRUE((from_hex_fixed<3>("00abff")));
}
