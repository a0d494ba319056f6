#include "node/net/send_queue.hpp"

#include <iterator>
#include <utility>

namespace ios::net {

SendQueue::SendQueue(std::size_t queue_bytes_max, std::size_t queue_frames_max)
    : queue_bytes_max_(queue_bytes_max), queue_frames_max_(queue_frames_max) {}

std::size_t SendQueue::drop_oldest() {
  std::size_t dropped = 0;
  while (!frames_.empty() && (bytes_ > queue_bytes_max_ || frames_.size() > queue_frames_max_)) {
    bytes_ -= frames_.front().bytes();
    frames_.pop_front();
    ++dropped;
  }
  return dropped;
}

std::size_t SendQueue::push(core::Bytes payload) {
  QueuedFrame f{encode_frame_header(payload.size()), std::move(payload)};
  bytes_ += f.bytes();
  frames_.push_back(std::move(f));
  return drop_oldest();
}

std::vector<QueuedFrame> SendQueue::take_all() {
  std::vector<QueuedFrame> out(std::make_move_iterator(frames_.begin()), std::make_move_iterator(frames_.end()));
  frames_.clear();
  bytes_ = 0;
  return out;
}

std::size_t SendQueue::restore(std::vector<QueuedFrame> frames) {
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
    bytes_ += it->bytes();
    frames_.push_front(std::move(*it));
  }
  return drop_oldest();
}

}  // namespace ios::net
