// Fuzz target: the byte stream a peer sends us (node/net/frame.hpp). The input is split into
// chunks at positions taken from its first byte, so partial headers and bodies are exercised.
// Checks: never more bytes buffered than the limit allows; a payload is never over the limit;
// re-encoding the yielded payloads reproduces the consumed prefix of the stream exactly; and
// the same stream fed in one piece gives the same payloads and the same verdict.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "node/net/frame.hpp"

namespace {

constexpr std::size_t limit = 4096;

struct Outcome {
  std::vector<ios::core::Bytes> payloads;
  bool bad = false;
};

Outcome run(ios::core::ByteView stream, std::size_t step) {
  Outcome o;
  ios::net::FrameParser p(limit);
  std::size_t pos = 0;
  while (pos < stream.size() && !o.bad) {
    const std::size_t n = std::min(step, stream.size() - pos);
    ios::core::ByteView in = stream.subspan(pos, n);
    for (;;) {
      const auto st = p.parse(in);
      if (p.buffered_bytes() > limit + ios::net::frame_header_bytes) std::abort();
      if (st == ios::net::FrameStatus::good) {
        o.payloads.push_back(p.take_payload());
        if (o.payloads.back().size() > limit) std::abort();
        continue;
      }
      if (st == ios::net::FrameStatus::bad)
        o.bad = true;
      else if (!in.empty())
        std::abort();
      break;
    }
    pos += n;
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 17;
  ios::core::ByteView stream(data + 1, size - 1);
  const Outcome chunked = run(stream, step);
  const Outcome whole = run(stream, stream.size() + 1);
  if (chunked.payloads != whole.payloads || chunked.bad != whole.bad) std::abort();
  ios::core::Bytes again;
  for (const auto& p : chunked.payloads) {
    auto f = ios::net::encode_frame(p);
    again.insert(again.end(), f.begin(), f.end());
  }
  if (again.size() > stream.size()) std::abort();
  for (std::size_t i = 0; i < again.size(); ++i)
    if (again[i] != stream[i]) std::abort();
  return 0;
}
