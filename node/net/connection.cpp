#include "node/net/connection.hpp"

#include <chrono>
#include <iterator>
#include <utility>

namespace ios::net {

Connection::Connection(asio::ip::tcp::socket socket, Direction direction, Handshake handshake, SendQueue* queue,
                       std::weak_ptr<ConnectionOwner> owner, std::size_t frame_bytes_max,
                       std::uint64_t handshake_timeout_ms)
    : socket_(std::move(socket)),
      timeout_(socket_.get_executor()),
      direction_(direction),
      handshake_(std::move(handshake)),
      queue_(queue),
      owner_(std::move(owner)),
      frame_bytes_max_(frame_bytes_max),
      handshake_timeout_ms_(handshake_timeout_ms) {
  IOS_ASSERT(direction_ == Direction::inbound || queue_ != nullptr);
  asio::error_code ec;
  const auto remote = socket_.remote_endpoint(ec);
  if (!ec) source_ = remote.address();
}

void Connection::arm_timeout() {
  timeout_.expires_after(std::chrono::milliseconds(handshake_timeout_ms_));
  timeout_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (ec || self->closed_ || self->authenticated()) return;
    if (!self->started_) return self->close(CloseKind::disconnected, "connect timed out");
    self->close(CloseKind::handshake_timeout, "no authenticated peer within the handshake timeout");
  });
}

void Connection::connect(const asio::ip::tcp::endpoint& to) {
  arm_timeout();
  socket_.async_connect(to, [self = shared_from_this()](const asio::error_code& ec) {
    if (self->closed_) return;
    if (ec) return self->close(CloseKind::disconnected, "connect: " + ec.message());
    self->start();
  });
}

void Connection::start() {
  started_ = true;
  if (direction_ == Direction::inbound) arm_timeout();  // outbound armed it at connect
  asio::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  control_.push_back(encode_frame(handshake_.hello()));
  flush();
  read();
}

void Connection::read() {
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                            if (self->closed_) return;
                            if (ec) return self->close(CloseKind::disconnected, "read: " + ec.message());
                            self->on_read(n);
                          });
}

void Connection::on_read(std::size_t n) {
  core::ByteView in(read_buffer_.data(), n);
  for (;;) {
    const auto status = parser_.parse(in);
    if (status == FrameStatus::need_more) break;
    if (status == FrameStatus::bad) return close(CloseKind::bad_frame, parser_.error().message());
    on_payload(parser_.take_payload());
    if (closed_) return;  // refused, or the owner stopped from inside on_frame
  }
  read();
}

void Connection::on_payload(core::Bytes payload) {
  if (opener_) {
    auto opened = opener_->open(payload);
    if (!opened) return close(CloseKind::bad_frame, opened.error().message());
    payload = std::move(*opened);
  }
  if (!handshake_.done()) return on_handshake_frame(payload);
  // One connection per ordered pair: whoever dialed only sends on it.
  if (direction_ == Direction::outbound) return close(CloseKind::bad_frame, "frame on a dialed connection");
  if (auto owner = owner_.lock()) owner->on_frame(*this, std::move(payload));
}

void Connection::on_handshake_frame(core::ByteView payload) {
  if (!handshake_.hello_received()) {
    auto proof = handshake_.on_hello(payload);
    if (!proof) return close(CloseKind::handshake_refused, proof.error().message());
    sealer_.emplace(handshake_.keys().tx);
    opener_.emplace(handshake_.keys().rx);
    control_.push_back(encode_frame(sealer_->seal(*proof)));  // sealed before any data frame
    return flush();
  }
  if (auto s = handshake_.on_proof(payload); !s) return close(CloseKind::handshake_refused, s.error().message());
  timeout_.cancel();
  parser_.set_frame_bytes_max(frame_bytes_max_ + seal_tag_bytes);
  if (auto owner = owner_.lock()) owner->on_authenticated(*this);
  flush();
}

void Connection::flush() {
  if (closed_ || writing_) return;
  IOS_ASSERT(control_in_flight_.empty());
  IOS_ASSERT(data_in_flight_.empty());
  control_in_flight_ = std::move(control_);
  control_.clear();
  if (authenticated() && direction_ == Direction::outbound) data_in_flight_ = queue_->take_all();
  if (control_in_flight_.empty() && data_in_flight_.empty()) return;
  sealed_in_flight_.clear();
  for (const auto& f : data_in_flight_) {
    QueuedFrame sealed;
    sealed.payload = sealer_->seal(f.payload);
    sealed.header = encode_frame_header(sealed.payload.size());
    sealed_in_flight_.push_back(std::move(sealed));
  }
  buffers_.clear();
  for (const auto& c : control_in_flight_) buffers_.push_back(asio::buffer(c));
  for (const auto& f : sealed_in_flight_) {
    buffers_.push_back(asio::buffer(f.header));
    buffers_.push_back(asio::buffer(f.payload));
  }
  writing_ = true;
  asio::async_write(socket_, buffers_, [self = shared_from_this()](const asio::error_code& ec, std::size_t written) {
    self->on_write(ec, written);
  });
}

void Connection::on_write(const asio::error_code& ec, std::size_t written) {
  writing_ = false;
  if (closed_) return;
  std::size_t control_bytes = 0;
  for (const auto& c : control_in_flight_) control_bytes += c.size();
  control_in_flight_.clear();
  auto data = std::move(data_in_flight_);
  data_in_flight_.clear();
  auto sealed = std::move(sealed_in_flight_);
  sealed_in_flight_.clear();
  if (ec) {
    // Frames the kernel did not fully take go back to the front of the peer's queue, for the
    // next connection; fully written ones may have arrived and are not repeated.
    std::size_t left = written > control_bytes ? written - control_bytes : 0;
    std::size_t sent = 0;
    while (sent < data.size() && left >= sealed[sent].bytes()) left -= sealed[sent++].bytes();
    if (sent < data.size() && queue_ != nullptr) {
      std::vector<QueuedFrame> unsent(std::make_move_iterator(data.begin() + static_cast<std::ptrdiff_t>(sent)),
                                      std::make_move_iterator(data.end()));
      const std::size_t dropped = queue_->restore(std::move(unsent));
      if (auto owner = owner_.lock(); owner && dropped > 0) owner->on_dropped(*this, dropped);
    }
    return close(CloseKind::disconnected, "write: " + ec.message());
  }
  if (!data.empty()) {
    std::size_t bytes = 0;
    for (const auto& f : sealed) bytes += f.bytes();
    if (auto owner = owner_.lock()) owner->on_written(*this, data.size(), bytes);
  }
  flush();
}

void Connection::abort() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ignored;
  timeout_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void Connection::close(CloseKind kind, const std::string& detail) {
  if (closed_) return;
  abort();
  if (auto owner = owner_.lock()) owner->on_closed(*this, kind, detail);
}

}  // namespace ios::net
