#pragma once
// The bounded per-peer queue of frames waiting for the outbound connection (docs/STYLE.md rule 5:
// the queue never grows without bound). Pure, no Asio.
//
// When a push takes the queue past queue_bytes_max or queue_frames_max, the OLDEST frames are
// dropped and counted: consensus retransmits what matters, and a stale message is worth less
// than a fresh one. Memory held for a peer is at most the queue's limit plus the one write in
// flight (itself taken from a queue within the limit).
#include <cstddef>
#include <deque>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/net/frame.hpp"

namespace ios::net {

struct QueuedFrame {
  core::ByteArray<frame_header_bytes> header{};
  core::Bytes payload;

  std::size_t bytes() const { return frame_header_bytes + payload.size(); }
};

class SendQueue {
 public:
  SendQueue(std::size_t queue_bytes_max, std::size_t queue_frames_max);

  // Appends one frame; returns how many frames were dropped (oldest first) to stay in bounds.
  std::size_t push(core::Bytes payload);
  // Everything queued, oldest first; the queue is empty afterwards.
  std::vector<QueuedFrame> take_all();
  // Puts frames that a failed write did not send back at the front, in their order; returns
  // how many (oldest first) were dropped to stay in bounds.
  std::size_t restore(std::vector<QueuedFrame> frames);

  std::size_t frames() const { return frames_.size(); }
  std::size_t bytes() const { return bytes_; }
  bool empty() const { return frames_.empty(); }

 private:
  std::size_t drop_oldest();

  std::size_t queue_bytes_max_;
  std::size_t queue_frames_max_;
  std::deque<QueuedFrame> frames_;
  std::size_t bytes_ = 0;
};

}  // namespace ios::net
