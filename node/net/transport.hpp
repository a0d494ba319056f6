#pragma once
// Authenticated peer transport over Asio TCP (docs/DESIGN.md §5 "Peers"; docs/security.md "Bad
// input on a live devnet"): length-prefixed frames (frame.hpp), a handshake in which each side
// proves its node key (handshake.hpp), and per-peer bounded send queues (send_queue.hpp).
//
// Shape: one TCP connection per ordered pair. A node sends only on connections it dialed and
// receives only on connections it accepted, and both directions handshake, so two nodes that
// dial each other at once simply hold two connections: there is nothing to tie-break.
// Outbound connections are made lazily on the first send, and redialled with jittered
// exponential backoff while frames wait (backoff.hpp); `resolve` is asked again on every dial,
// so a peer that restarted on another port is found.
//
// Invariants and limits (docs/STYLE.md rule 5):
//   - one write in flight per socket, gathering the whole queue;
//   - a peer's queue holds at most queue_bytes_max and queue_frames_max; past that the oldest
//     frames are dropped and counted (consensus retransmits);
//   - at most handshakes_pending_max anonymous inbound sockets (handshakes_pending_per_source_max
//     per address), each held to a 256-byte frame limit and handshake_timeout_ms; a new one
//     evicts the oldest, so none can keep a real peer out;
//   - after the Hello every frame is sealed (secret_frame.hpp) and opened in order;
//   - a malformed or oversized frame, a refused handshake or a handshake timeout closes THAT
//     connection only and is counted; no exception leaves a handler.
// Threading: everything, including send() and the on_message callback, runs on the one thread
// that runs the io_context. The Transport may be destroyed while the io_context lives on:
// handlers still queued find it gone and do nothing.
#include <asio.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/net/handshake.hpp"
#include "node/protocol/core/core.hpp"

namespace ios::net {

using protocol::TimeMs;

struct Endpoint {
  std::string host;  // a numeric IPv4 or IPv6 address
  std::uint16_t port = 0;
};

struct TransportLimits {
  std::size_t frame_bytes_max = 16u << 20;
  std::size_t queue_bytes_max = 64u << 20;
  std::size_t queue_frames_max = 65536;
  // A loopback handshake takes about a millisecond; this is the window an anonymous socket
  // may hold a slot, kept short so that stale slots turn over quickly.
  TimeMs handshake_timeout_ms = 2000;
  TimeMs backoff_min_ms = 50, backoff_max_ms = 2000;
  // Anonymous (not yet authenticated) inbound sockets held at once, in all and per source
  // address. When either is full, a new socket evicts the OLDEST anonymous one (of its source
  // first): a flood of idle sockets then has to outpace a real peer's whole handshake,
  // instead of holding every slot for the timeout (docs/security.md "Anonymous socket floods").
  std::size_t handshakes_pending_max = 64;
  std::size_t handshakes_pending_per_source_max = 16;
};

class Transport {
 public:
  struct Stats {
    std::uint64_t frames_in = 0, frames_out = 0, bytes_in = 0, bytes_out = 0, dropped_queue_full = 0,
                  rejected_handshakes = 0, rejected_frames = 0, connects = 0, reconnects = 0,
                  evicted_handshakes = 0;  // anonymous sockets closed to make room for newer ones
  };

  // Runs on the caller's io_context (one thread). `resolve` tells where a peer listens now
  // (nullopt = not known yet, retry with backoff). The roster lists every node that may
  // connect, each id once; it may include ourselves.
  Transport(asio::io_context& io, protocol::NodeId self, std::shared_ptr<const crypto::SigningKey> key,
            core::Bytes chain_id, std::vector<Peer> roster,
            std::function<std::optional<Endpoint>(protocol::NodeId)> resolve, TransportLimits limits = {});
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Binds host:port (port 0 = any free one) and returns the bound port. docs/CLI.md "Binding":
  // callers pass 127.0.0.1 unless told otherwise. io_error if the address or bind fails.
  core::Result<std::uint16_t> listen(const std::string& host = "127.0.0.1", std::uint16_t port = 0);
  // Queued for `to`, a roster member (our own invariant); a frame to ourselves is delivered
  // through the io_context. The payload must fit frame_bytes_max (asserted).
  void send(protocol::NodeId to, core::Bytes payload);
  // Called on the io_context thread for each complete frame from an authenticated peer.
  void set_on_message(std::function<void(protocol::NodeId from, core::Bytes payload)> on_message);
  // Closes every connection and the listener, cancels timers; safe to call twice. Sends
  // after stop() are dropped.
  void stop();

  const Stats& stats() const;
  // Distinct peers with at least one authenticated connection, in either direction.
  std::size_t connected_peers() const { return peer_set().size(); }
  std::set<protocol::NodeId> peer_set() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace ios::net
