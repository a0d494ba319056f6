#include "node/core/encoding.hpp"

#include <algorithm>

namespace ios::core {

namespace {
template <class T>
void put_le(Bytes& out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
template <class T>
T get_le(const std::uint8_t* p) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<T>(p[i]) << (8 * i));
  return v;
}
}  // namespace

Writer& Writer::u8(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}
Writer& Writer::u16(std::uint16_t v) {
  put_le(out_, v);
  return *this;
}
Writer& Writer::u32(std::uint32_t v) {
  put_le(out_, v);
  return *this;
}
Writer& Writer::u64(std::uint64_t v) {
  put_le(out_, v);
  return *this;
}
Writer& Writer::raw(ByteView v) {
  out_.insert(out_.end(), v.begin(), v.end());
  return *this;
}
Writer& Writer::bytes(ByteView v) {
  IOS_ASSERT(v.size() <= encoded_bytes_len_max);
  u32(static_cast<std::uint32_t>(v.size()));
  return raw(v);
}

const std::uint8_t* Reader::take(std::size_t n) {
  if (failed_) return nullptr;
  if (remaining() < n) {
    fail(Reject::truncated, "needed " + std::to_string(n) + " bytes at offset " + std::to_string(pos_) +
                                ", " + std::to_string(remaining()) + " left");
    return nullptr;
  }
  const std::uint8_t* p = in_.data() + pos_;
  pos_ += n;
  return p;
}

void Reader::fail(Reject reason, std::string detail) {
  if (failed_) return;
  failed_ = true;
  error_ = Error{reason, std::move(detail)};
}

std::uint8_t Reader::u8() {
  auto p = take(1);
  return p ? *p : 0;
}
std::uint16_t Reader::u16() {
  auto p = take(2);
  return p ? get_le<std::uint16_t>(p) : 0;
}
std::uint32_t Reader::u32() {
  auto p = take(4);
  return p ? get_le<std::uint32_t>(p) : 0;
}
std::uint64_t Reader::u64() {
  auto p = take(8);
  return p ? get_le<std::uint64_t>(p) : 0;
}

bool Reader::boolean() {
  auto v = u8();
  if (v > 1) fail(Reject::non_canonical, "boolean byte " + std::to_string(v));
  return v == 1;
}

Bytes Reader::bytes(std::size_t len_max) {
  std::size_t limit = std::min(len_max, encoded_bytes_len_max);
  std::uint32_t len = u32();
  if (failed_) return {};
  if (len > limit) {
    fail(Reject::length_over_limit, "length " + std::to_string(len) + " over limit " + std::to_string(limit));
    return {};
  }
  auto p = take(len);
  return p ? Bytes(p, p + len) : Bytes{};
}

std::string Reader::str(std::size_t len_max) {
  auto b = bytes(len_max);
  return std::string(b.begin(), b.end());
}

std::uint32_t Reader::count(std::size_t count_max) {
  std::uint32_t n = u32();
  if (failed_) return 0;
  if (n > count_max) {
    fail(Reject::length_over_limit, "count " + std::to_string(n) + " over limit " + std::to_string(count_max));
    return 0;
  }
  return n;
}

void Reader::version(std::uint8_t supported) {
  auto v = u8();
  if (!failed_ && v != supported)
    fail(Reject::unknown_version, "version " + std::to_string(v) + ", supported " + std::to_string(supported));
}

Status Reader::finish() {
  if (failed_) return error_;
  if (remaining() != 0) return reject(Reject::trailing_bytes, std::to_string(remaining()) + " bytes after the value");
  return Ok{};
}

}  // namespace ios::core
