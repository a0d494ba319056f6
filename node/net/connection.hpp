#pragma once
// One TCP connection to a peer: the thin Asio wrapper around FrameParser and Handshake of
// docs/STYLE.md's Asio row. It reads into a fixed buffer and feeds the parser; it writes with one
// async_write in flight, gathering every queued frame into it; it closes by cancelling.
//
// A connection is inbound (accepted: after the handshake it only receives) or outbound
// (dialed: after the handshake it only sends, from the peer's SendQueue). So each ordered pair
// of nodes has its own connection and there is nothing to tie-break (docs/DESIGN.md §5).
//
// After the Hello every frame is sealed (secret_frame.hpp) under the handshake's keys; a frame
// that does not open closes the connection.
//
// Invariants:
//   - no payload reaches the owner before the handshake completed, and none that did not open;
//   - frames are sealed in the order they are written (control first, then data), so the
//     peer's counter follows ours;
//   - at most one async_write and one async_read in flight;
//   - after close() or abort() the connection never calls its owner again (handlers that
//     complete later see closed_ and return), so the owner may forget it at once;
//   - no exception leaves a handler: every Asio call uses the error_code overloads.
// Attacks this stops: an anonymous socket is held to handshake_frame_bytes_max until it
// authenticates, and to handshake_timeout_ms; a malformed, oversized or misdirected frame
// closes this connection only.
#include <asio.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/net/frame.hpp"
#include "node/net/handshake.hpp"
#include "node/net/secret_frame.hpp"
#include "node/net/send_queue.hpp"

namespace ios::net {

// A Hello is about 110 bytes and a sealed Proof 82; nothing bigger is read from an anonymous peer.
inline constexpr std::size_t handshake_frame_bytes_max = 256;
inline constexpr std::size_t read_buffer_bytes = 64u << 10;

enum class Direction : std::uint8_t { inbound, outbound };

// Why a connection ended, for the transport's counters and redial decision.
enum class CloseKind : std::uint8_t {
  disconnected,       // connect failed, EOF, socket error
  handshake_refused,  // the peer's Hello or Proof was refused
  handshake_timeout,  // no authenticated peer within handshake_timeout_ms
  bad_frame,          // malformed or oversized frame, or a frame on a dialed connection
};

class Connection;

class ConnectionOwner {
 public:
  virtual void on_authenticated(Connection& c) = 0;
  virtual void on_frame(Connection& c, core::Bytes payload) = 0;
  virtual void on_written(Connection& c, std::size_t frames, std::size_t bytes) = 0;
  // Frames dropped from the peer's queue when unsent frames were put back after a failed write.
  virtual void on_dropped(Connection& c, std::size_t frames) = 0;
  virtual void on_closed(Connection& c, CloseKind kind, const std::string& detail) = 0;

 protected:
  ~ConnectionOwner() = default;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `queue` is the dialed peer's queue (outbound only; it must outlive the connection unless
  // the connection is closed first).
  Connection(asio::ip::tcp::socket socket, Direction direction, Handshake handshake, SendQueue* queue,
             std::weak_ptr<ConnectionOwner> owner, std::size_t frame_bytes_max, std::uint64_t handshake_timeout_ms);

  // Outbound: connects, then start(). The handshake timeout covers the connect too.
  void connect(const asio::ip::tcp::endpoint& to);
  // Sends our Hello, starts reading and arms the handshake timeout.
  void start();
  // Writes what is queued if authenticated and no write is in flight.
  void flush();
  // Closes without telling the owner (the owner is shutting down or replacing it).
  void abort();

  Direction direction() const { return direction_; }
  // The remote address, as accepted or dialed (unspecified if the socket had none).
  const asio::ip::address& source() const { return source_; }
  bool authenticated() const { return handshake_.done(); }
  bool closed() const { return closed_; }
  // Only once authenticated().
  protocol::NodeId peer() const { return handshake_.peer().id; }

 private:
  void arm_timeout();
  void read();
  void on_read(std::size_t n);
  void on_payload(core::Bytes payload);
  void on_handshake_frame(core::ByteView payload);
  void on_write(const asio::error_code& ec, std::size_t written);
  void close(CloseKind kind, const std::string& detail);

  asio::ip::tcp::socket socket_;
  asio::steady_timer timeout_;
  asio::ip::address source_;
  Direction direction_;
  Handshake handshake_;
  SendQueue* queue_;
  std::weak_ptr<ConnectionOwner> owner_;
  std::size_t frame_bytes_max_;
  std::uint64_t handshake_timeout_ms_;
  FrameParser parser_{handshake_frame_bytes_max};
  std::vector<std::uint8_t> read_buffer_ = std::vector<std::uint8_t>(read_buffer_bytes);
  std::vector<core::Bytes> control_;  // Hello and Proof, written before any data
  std::vector<core::Bytes> control_in_flight_;
  std::vector<QueuedFrame> data_in_flight_;  // plaintext, put back in the queue if the write fails
  std::vector<QueuedFrame> sealed_in_flight_;  // what is on the wire for data_in_flight_
  std::optional<FrameSealer> sealer_;          // from the peer's Hello on
  std::optional<FrameOpener> opener_;
  std::vector<asio::const_buffer> buffers_;
  bool started_ = false;  // connected (outbound) or accepted, Hello sent
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace ios::net
