#pragma once
// The canonical binary encoding of docs/DESIGN.md §3: everything that is signed, hashed or sent
// between nodes goes through Writer and Reader. A version byte first, fixed-width
// little-endian integers, u32-length-prefixed byte strings, fixed-size arrays (points, hashes)
// without a prefix. JSON never gets signed.
//
// Reader is strict so that one value has exactly one encoding (otherwise two nodes could hash
// "the same" message differently): truncation, trailing bytes, lengths over the caller's limit
// and unknown versions are all typed rejections. Errors are sticky: after the first failure
// every read returns zeros and finish() reports that first failure.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"

namespace ios::core {

// A byte string in any encoded message may never exceed this, whatever the caller allows.
inline constexpr std::size_t encoded_bytes_len_max = 16u << 20;  // 16 MiB

class Writer {
 public:
  Writer& u8(std::uint8_t v);
  Writer& u16(std::uint16_t v);
  Writer& u32(std::uint32_t v);
  Writer& u64(std::uint64_t v);
  Writer& boolean(bool v) { return u8(v ? 1 : 0); }
  // Fixed-size field: no length prefix (the decoder knows the size).
  Writer& raw(ByteView v);
  // Variable-size field: u32 length, then the bytes.
  Writer& bytes(ByteView v);
  Writer& str(std::string_view s) { return bytes(as_bytes(s)); }

  const Bytes& view() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint64_t u64();
  bool boolean();  // only 0 or 1 are canonical
  template <std::size_t N>
  ByteArray<N> fixed() {
    ByteArray<N> out{};
    if (auto p = take(N)) std::copy(p, p + N, out.begin());
    return out;
  }
  Bytes bytes(std::size_t len_max);
  std::string str(std::size_t len_max);
  // A count prefix for a list whose items are decoded by the caller.
  std::uint32_t count(std::size_t count_max);
  // Reads the version byte and refuses anything but `supported`.
  void version(std::uint8_t supported);

  void fail(Reject reason, std::string detail);
  bool failed() const { return failed_; }
  std::size_t remaining() const { return in_.size() - pos_; }

  // Call once the whole value is read: reports the first failure, or trailing bytes.
  Status finish();

 private:
  const std::uint8_t* take(std::size_t n);

  ByteView in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
  Error error_{Reject::truncated, {}};
};

}  // namespace ios::core
