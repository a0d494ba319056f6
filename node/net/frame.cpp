#include "node/net/frame.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

namespace ios::net {

core::ByteArray<frame_header_bytes> encode_frame_header(std::size_t len) {
  IOS_ASSERT(len <= std::numeric_limits<std::uint32_t>::max());
  return {static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
          static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
}

core::Bytes encode_frame(core::ByteView payload) {
  const auto header = encode_frame_header(payload.size());
  core::Bytes out;
  out.reserve(frame_header_bytes + payload.size());
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

FrameParser::FrameParser(std::size_t frame_bytes_max) : frame_bytes_max_(frame_bytes_max) {}

FrameStatus FrameParser::fail(core::Reject reason, std::string detail) {
  failed_ = true;
  error_ = core::reject(reason, std::move(detail));
  return FrameStatus::bad;
}

FrameStatus FrameParser::parse(core::ByteView& in) {
  if (failed_) return FrameStatus::bad;
  // A payload not yet taken is dropped: the caller asked for the next frame.
  if (ready_) {
    ready_ = false;
    body_.clear();
  }
  if (header_len_ < frame_header_bytes) {
    const std::size_t n = std::min(frame_header_bytes - header_len_, in.size());
    std::copy_n(in.begin(), n, header_.begin() + static_cast<std::ptrdiff_t>(header_len_));
    header_len_ += n;
    in = in.subspan(n);
    if (header_len_ < frame_header_bytes) return FrameStatus::need_more;
    body_len_ = std::size_t{header_[0]} << 24 | std::size_t{header_[1]} << 16 | std::size_t{header_[2]} << 8 |
                std::size_t{header_[3]};
    // Checked here, from the header alone, before any body byte is buffered.
    if (body_len_ > frame_bytes_max_) {
      return fail(
          core::Reject::length_over_limit,
          "frame of " + std::to_string(body_len_) + " bytes over frame_bytes_max " + std::to_string(frame_bytes_max_));
    }
  }
  const std::size_t n = std::min(body_len_ - body_.size(), in.size());
  body_.insert(body_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
  in = in.subspan(n);
  if (body_.size() < body_len_) return FrameStatus::need_more;
  ready_ = true;
  header_len_ = 0;
  return FrameStatus::good;
}

core::Bytes FrameParser::take_payload() {
  IOS_ASSERT(ready_);
  ready_ = false;
  core::Bytes out = std::move(body_);
  body_ = {};
  return out;
}

}  // namespace ios::net
