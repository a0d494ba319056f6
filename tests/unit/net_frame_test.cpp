// Frames of the peer transport (node/net/frame.hpp, docs/DESIGN.md §5 "Peers"). What is checked:
//   - encode_frame is u32 big-endian length ‖ payload; round trips for empty, small and
//     frame_bytes_max payloads;
//   - any split of a stream of frames (byte by byte, random chunks) yields the same payloads
//     in order;
//   - an oversized length is refused from the 4-byte header alone, with nothing of the body
//     buffered, and the refusal is sticky;
//   - a body is buffered only as far as it arrived (a 16 MiB claim does not allocate 16 MiB).
#include "node/net/frame.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "support/test_support.hpp"

using namespace ios;
using net::FrameParser;
using net::FrameStatus;

namespace {

// Feeds `stream` in chunks of the given sizes (cycled) and collects every payload.
std::vector<core::Bytes> parse_all(FrameParser& p, const core::Bytes& stream, const std::vector<std::size_t>& chunks) {
  std::vector<core::Bytes> out;
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < stream.size(); ++i) {
    const std::size_t n = std::min(chunks[i % chunks.size()], stream.size() - pos);
    core::ByteView in(stream.data() + pos, n);
    pos += n;
    for (;;) {
      const auto st = p.parse(in);
      if (st == FrameStatus::good) {
        out.push_back(p.take_payload());
        continue;
      }
      EXPECT_NE(st, FrameStatus::bad) << p.error().message();
      EXPECT_TRUE(in.empty());
      break;
    }
  }
  return out;
}

core::Bytes payload_of(std::size_t n, std::uint8_t seed) {
  core::Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 31);
  return b;
}

}  // namespace

TEST(NetFrame, EncodingIsBigEndianLengthThenPayload) {
  EXPECT_EQ(net::encode_frame(core::Bytes{}), test::hex_bytes("00000000"));
  EXPECT_EQ(net::encode_frame(test::hex_bytes("abcd")), test::hex_bytes("00000002abcd"));
  const auto big = net::encode_frame(core::Bytes(0x010203, 7));
  EXPECT_EQ(core::Bytes(big.begin(), big.begin() + 4), test::hex_bytes("00010203"));
  EXPECT_EQ(big.size(), 4u + 0x010203);
}

TEST(NetFrame, RoundTripsWholeAndInPieces) {
  std::vector<core::Bytes> payloads{{}, payload_of(1, 1), payload_of(300, 2), {}, payload_of(70000, 3)};
  core::Bytes stream;
  for (const auto& p : payloads) {
    auto f = net::encode_frame(p);
    stream.insert(stream.end(), f.begin(), f.end());
  }
  for (const auto& chunks : std::vector<std::vector<std::size_t>>{{stream.size()}, {1}, {3, 1, 7}, {4096}, {5}}) {
    FrameParser p;
    EXPECT_EQ(parse_all(p, stream, chunks), payloads) << "chunk " << chunks[0];
    EXPECT_EQ(p.buffered_bytes(), 0u);
  }
  auto rng = test::seeded_rng("net-frame-chunks", 5);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::size_t> chunks;
    for (int i = 0; i < 16; ++i) chunks.push_back(1 + rng.uniform(9000));
    FrameParser p;
    EXPECT_EQ(parse_all(p, stream, chunks), payloads);
  }
}

TEST(NetFrame, ExactlyTheLimitIsAccepted) {
  FrameParser p(1000);
  const auto f = net::encode_frame(payload_of(1000, 9));
  core::ByteView in(f);
  ASSERT_EQ(p.parse(in), FrameStatus::good);
  EXPECT_EQ(p.take_payload(), payload_of(1000, 9));
}

TEST(NetFrame, OversizedLengthRefusedFromTheHeaderAlone) {
  FrameParser p(1000);
  const auto header = test::hex_bytes("000003e9");  // 1001
  core::ByteView in(header.data(), 3);
  EXPECT_EQ(p.parse(in), FrameStatus::need_more);
  core::ByteView rest(header.data() + 3, 1);
  EXPECT_EQ(p.parse(rest), FrameStatus::bad);
  EXPECT_TRUE(p.failed());
  EXPECT_EQ(p.error().reason, core::Reject::length_over_limit);
  EXPECT_EQ(p.buffered_bytes(), 4u);  // the header only, no body
  // Sticky: nothing after is parsed, not even a good frame.
  const auto good = net::encode_frame(payload_of(5, 1));
  core::ByteView next(good);
  EXPECT_EQ(p.parse(next), FrameStatus::bad);
  EXPECT_EQ(next.size(), good.size());
}

TEST(NetFrame, DefaultLimitIs16MiB) {
  FrameParser p;
  const auto over = test::hex_bytes("01000001");
  core::ByteView in(over);
  EXPECT_EQ(p.parse(in), FrameStatus::bad);
  EXPECT_EQ(p.error().reason, core::Reject::length_over_limit);
  const auto max = test::hex_bytes("ffffffff");
  FrameParser q;
  core::ByteView in2(max);
  EXPECT_EQ(q.parse(in2), FrameStatus::bad);
}

TEST(NetFrame, BodyBufferedOnlyAsFarAsItArrived) {
  FrameParser p;
  auto partial = test::hex_bytes("01000000");  // exactly 16 MiB claimed
  partial.resize(4 + 10, 0x55);
  core::ByteView in(partial);
  EXPECT_EQ(p.parse(in), FrameStatus::need_more);
  EXPECT_EQ(p.buffered_bytes(), 14u);
}

TEST(NetFrame, StopsAtTheEndOfOneFrame) {
  core::Bytes stream = net::encode_frame(test::hex_bytes("01"));
  const auto second = net::encode_frame(test::hex_bytes("0203"));
  stream.insert(stream.end(), second.begin(), second.end());
  FrameParser p;
  core::ByteView in(stream);
  ASSERT_EQ(p.parse(in), FrameStatus::good);
  EXPECT_EQ(in.size(), second.size());
  EXPECT_EQ(p.take_payload(), test::hex_bytes("01"));
  ASSERT_EQ(p.parse(in), FrameStatus::good);
  EXPECT_EQ(p.take_payload(), test::hex_bytes("0203"));
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(p.parse(in), FrameStatus::need_more);
}
