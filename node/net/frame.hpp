#pragma once
// Length-prefixed frames for the peer transport (docs/DESIGN.md §5 "Peers"): a frame is a u32
// big-endian payload length followed by the payload. FrameParser is the pure incremental
// parser of the Asio examples (docs/STYLE.md, the Asio row): it is fed whatever bytes the socket
// returned and answers good (one payload is ready), bad (the connection must close) or
// need_more. It never touches a socket, so the fuzz target and the unit tests drive it alone.
//
// Invariants:
//   - a payload is yielded only once all of its bytes arrived, in arrival order;
//   - bad is sticky: after the first refusal nothing more is parsed;
//   - at most one frame is buffered, and never more than min(declared length, bytes received).
// Attacks this stops:
//   - memory exhaustion by a huge declared length: the length is checked against
//     frame_bytes_max from the 4-byte header alone, BEFORE any body byte is buffered, and the
//     body buffer grows with the bytes actually received (a 16 MiB claim followed by a
//     trickle costs the sender as much as it costs us).
#include <cstddef>
#include <cstdint>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"

namespace ios::net {

inline constexpr std::size_t frame_header_bytes = 4;
inline constexpr std::size_t frame_bytes_max_default = 16u << 20;  // 16 MiB of payload

// The 4-byte header of a payload of `len` bytes; len must fit a u32 (our invariant, asserted).
core::ByteArray<frame_header_bytes> encode_frame_header(std::size_t len);
// header ‖ payload.
core::Bytes encode_frame(core::ByteView payload);

enum class FrameStatus : std::uint8_t { need_more, good, bad };

class FrameParser {
 public:
  explicit FrameParser(std::size_t frame_bytes_max = frame_bytes_max_default);

  // Consumes bytes from the front of `in`, stopping right after the end of one frame.
  //   good:      take_payload() returns the frame; `in` holds what follows (call again);
  //   need_more: all of `in` was consumed;
  //   bad:       error() says why; the rest of `in` is left unread.
  FrameStatus parse(core::ByteView& in);
  core::Bytes take_payload();

  // Applies from the next header on; the transport holds peers to a small limit until they
  // have authenticated, so an anonymous socket cannot make us buffer 16 MiB.
  void set_frame_bytes_max(std::size_t frame_bytes_max) { frame_bytes_max_ = frame_bytes_max; }

  bool failed() const { return failed_; }
  const core::Error& error() const { return error_; }
  // Bytes of the frame in progress held in memory (header and body).
  std::size_t buffered_bytes() const { return header_len_ + body_.size(); }

 private:
  FrameStatus fail(core::Reject reason, std::string detail);

  std::size_t frame_bytes_max_;
  core::ByteArray<frame_header_bytes> header_{};
  std::size_t header_len_ = 0;
  std::size_t body_len_ = 0;  // valid once header_len_ == frame_header_bytes
  core::Bytes body_;
  bool ready_ = false;
  bool failed_ = false;
  core::Error error_{core::Reject::truncated, {}};
};

}  // namespace ios::net
