#include "node/net/transport.hpp"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <utility>

#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"
#include "node/net/backoff.hpp"
#include "node/net/connection.hpp"
#include "node/net/send_queue.hpp"

namespace ios::net {
namespace {

using Tcp = asio::ip::tcp;

// A dialed peer: its queue outlives connections, so frames wait across a redial.
struct Outbound {
  Outbound(asio::io_context& io, protocol::NodeId peer, const TransportLimits& limits)
      : id(peer),
        queue(limits.queue_bytes_max, limits.queue_frames_max),
        retry(io),
        backoff(limits.backoff_min_ms, limits.backoff_max_ms) {}

  protocol::NodeId id;
  SendQueue queue;
  std::shared_ptr<Connection> conn;  // dialing, handshaking or ready; null when idle
  asio::steady_timer retry;
  Backoff backoff;
  bool retry_armed = false;
  bool ever_connected = false;
};

}  // namespace

class Transport::Impl final : public ConnectionOwner, public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, protocol::NodeId self, std::shared_ptr<const crypto::SigningKey> key, core::Bytes chain_id,
       std::vector<Peer> roster, std::function<std::optional<Endpoint>(protocol::NodeId)> resolve,
       TransportLimits limits)
      : io_(io),
        self_(self),
        key_(std::move(key)),
        chain_id_(std::move(chain_id)),
        roster_(std::make_shared<const Roster>(make_roster(roster))),
        resolve_(std::move(resolve)),
        limits_(limits),
        accept_retry_(io) {
    IOS_ASSERT(key_ != nullptr);
    IOS_ASSERT(limits_.backoff_min_ms <= limits_.backoff_max_ms);
    IOS_ASSERT(limits_.handshakes_pending_max > 0);
    IOS_ASSERT(limits_.handshakes_pending_per_source_max > 0);
  }

  core::Result<std::uint16_t> listen(const std::string& host, std::uint16_t port);
  void send(protocol::NodeId to, core::Bytes payload);
  void stop();
  std::set<protocol::NodeId> peer_set() const;

  void on_authenticated(Connection& c) override;
  void on_frame(Connection& c, core::Bytes payload) override;
  void on_written(Connection&, std::size_t frames, std::size_t bytes) override {
    stats_.frames_out += frames;
    stats_.bytes_out += bytes;
  }
  void on_dropped(Connection&, std::size_t frames) override { stats_.dropped_queue_full += frames; }
  void on_closed(Connection& c, CloseKind kind, const std::string& detail) override;

  Stats stats_;
  std::function<void(protocol::NodeId, core::Bytes)> on_message_;

 private:
  Handshake handshake(std::optional<protocol::NodeId> dialed) {
    // Fresh per connection: what makes a recorded proof or frame useless. Wiped once the
    // handshake holds the derived key pair (in guarded memory).
    EphemeralSeed seed{};
    rng_.fill(seed);
    Handshake h(self_, key_, chain_id_, roster_, seed, dialed);
    sodium_memzero(seed.data(), seed.size());
    return h;
  }
  void accept();
  void on_accepted(Tcp::socket socket);
  void dial(Outbound& o);
  void retry_later(Outbound& o);
  Outbound* outbound_of(const Connection& c);

  asio::io_context& io_;
  protocol::NodeId self_;
  std::shared_ptr<const crypto::SigningKey> key_;
  core::Bytes chain_id_;
  std::shared_ptr<const Roster> roster_;
  std::function<std::optional<Endpoint>(protocol::NodeId)> resolve_;
  TransportLimits limits_;
  crypto::SystemRng rng_;
  std::optional<Tcp::acceptor> acceptor_;
  asio::steady_timer accept_retry_;
  std::map<protocol::NodeId, std::unique_ptr<Outbound>> outbound_;
  std::vector<std::shared_ptr<Connection>> inbound_;
  bool stopped_ = false;
};

core::Result<std::uint16_t> Transport::Impl::listen(const std::string& host, std::uint16_t port) {
  if (stopped_) return core::reject(core::Reject::io_error, "transport stopped");
  if (acceptor_) return core::reject(core::Reject::io_error, "already listening");
  asio::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return core::reject(core::Reject::io_error, "listen address " + host + ": " + ec.message());
  const Tcp::endpoint endpoint(address, port);
  Tcp::acceptor acceptor(io_);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(Tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  const auto bound = ec ? Tcp::endpoint{} : acceptor.local_endpoint(ec);
  if (ec)
    return core::reject(core::Reject::io_error, "listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  acceptor_.emplace(std::move(acceptor));
  accept();
  return bound.port();
}

void Transport::Impl::accept() {
  acceptor_->async_accept([weak = weak_from_this()](const asio::error_code& ec, Tcp::socket socket) {
    auto self = weak.lock();
    if (!self || self->stopped_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      self->on_accepted(std::move(socket));
      return self->accept();
    }
    // Out of descriptors and the like: wait a little instead of spinning on the error.
    self->accept_retry_.expires_after(std::chrono::milliseconds(self->limits_.backoff_min_ms));
    self->accept_retry_.async_wait([weak](const asio::error_code& wait_ec) {
      auto again = weak.lock();
      if (again && !again->stopped_ && !wait_ec) again->accept();
    });
  });
}

void Transport::Impl::on_accepted(Tcp::socket socket) {
  asio::error_code ec;
  const auto source = socket.remote_endpoint(ec).address();
  // inbound_ is in accept order: the first anonymous match is the oldest.
  auto evict_oldest = [this](const std::function<bool(const Connection&)>& among) {
    auto it = std::find_if(inbound_.begin(), inbound_.end(),
                           [&](const auto& c) { return !c->authenticated() && among(*c); });
    IOS_ASSERT(it != inbound_.end());
    (*it)->abort();
    inbound_.erase(it);
    ++stats_.evicted_handshakes;
  };
  std::size_t pending = 0, from_source = 0;
  for (const auto& c : inbound_) {
    if (c->authenticated()) continue;
    ++pending;
    if (c->source() == source) ++from_source;
  }
  if (from_source >= limits_.handshakes_pending_per_source_max) {
    evict_oldest([&](const Connection& c) { return c.source() == source; });
  } else if (pending >= limits_.handshakes_pending_max) {
    evict_oldest([](const Connection&) { return true; });
  }
  auto c = std::make_shared<Connection>(std::move(socket), Direction::inbound, handshake(std::nullopt), nullptr,
                                        weak_from_this(), limits_.frame_bytes_max, limits_.handshake_timeout_ms);
  inbound_.push_back(c);
  c->start();
}

void Transport::Impl::send(protocol::NodeId to, core::Bytes payload) {
  if (stopped_) return;
  IOS_ASSERT(payload.size() <= limits_.frame_bytes_max);
  if (to == self_) {
    asio::post(io_, [weak = weak_from_this(), payload = std::move(payload)]() mutable {
      auto self = weak.lock();
      if (self && !self->stopped_ && self->on_message_) self->on_message_(self->self_, std::move(payload));
    });
    return;
  }
  IOS_ASSERT(roster_->contains(to));
  auto& slot = outbound_[to];
  if (!slot) slot = std::make_unique<Outbound>(io_, to, limits_);
  Outbound& o = *slot;
  stats_.dropped_queue_full += o.queue.push(std::move(payload));
  if (o.conn) return o.conn->flush();  // a no-op until authenticated; the handshake flushes
  if (!o.retry_armed) dial(o);
}

void Transport::Impl::dial(Outbound& o) {
  IOS_ASSERT(o.conn == nullptr);
  const auto where = resolve_ ? resolve_(o.id) : std::nullopt;
  if (!where) return retry_later(o);
  asio::error_code ec;
  const auto address = asio::ip::make_address(where->host, ec);
  if (ec) return retry_later(o);
  o.conn = std::make_shared<Connection>(Tcp::socket(io_), Direction::outbound, handshake(o.id), &o.queue,
                                        weak_from_this(), limits_.frame_bytes_max, limits_.handshake_timeout_ms);
  o.conn->connect(Tcp::endpoint(address, where->port));
}

void Transport::Impl::retry_later(Outbound& o) {
  if (stopped_ || o.retry_armed) return;
  o.retry_armed = true;
  o.retry.expires_after(std::chrono::milliseconds(o.backoff.next_ms(rng_)));
  o.retry.async_wait([weak = weak_from_this(), id = o.id](const asio::error_code& ec) {
    auto self = weak.lock();
    if (!self || self->stopped_ || ec) return;
    auto it = self->outbound_.find(id);
    if (it == self->outbound_.end()) return;
    it->second->retry_armed = false;
    if (!it->second->conn) self->dial(*it->second);
  });
}

Outbound* Transport::Impl::outbound_of(const Connection& c) {
  for (auto& [id, o] : outbound_)
    if (o->conn.get() == &c) return o.get();
  return nullptr;
}

void Transport::Impl::on_authenticated(Connection& c) {
  if (c.direction() == Direction::outbound) {
    Outbound* o = outbound_of(c);
    IOS_ASSERT(o != nullptr);
    o->backoff.reset();
    ++stats_.connects;
    if (o->ever_connected) ++stats_.reconnects;
    o->ever_connected = true;
    return;
  }
  // A peer that redialled (it restarted, or lost its link) replaces its older inbound
  // connection, so half-open leftovers do not pile up.
  std::erase_if(inbound_, [&](const std::shared_ptr<Connection>& other) {
    if (other.get() == &c || !other->authenticated() || other->peer() != c.peer()) return false;
    other->abort();
    return true;
  });
}

void Transport::Impl::on_frame(Connection& c, core::Bytes payload) {
  ++stats_.frames_in;
  stats_.bytes_in += frame_header_bytes + payload.size() + seal_tag_bytes;  // as on the wire
  if (on_message_) on_message_(c.peer(), std::move(payload));
}

void Transport::Impl::on_closed(Connection& c, CloseKind kind, const std::string& /*detail*/) {
  if (stopped_) return;
  if (kind == CloseKind::handshake_refused || kind == CloseKind::handshake_timeout) ++stats_.rejected_handshakes;
  if (kind == CloseKind::bad_frame) ++stats_.rejected_frames;
  if (c.direction() == Direction::inbound) {
    std::erase_if(inbound_, [&](const std::shared_ptr<Connection>& other) { return other.get() == &c; });
    return;
  }
  Outbound* o = outbound_of(c);
  if (o == nullptr) return;
  // Keep the connection alive until this call returns: the caller is one of its handlers.
  auto keep = std::move(o->conn);
  if (!o->queue.empty()) retry_later(*o);
}

void Transport::Impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  asio::error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
  accept_retry_.cancel();
  for (auto& [id, o] : outbound_) {
    o->retry.cancel();
    if (o->conn) o->conn->abort();
  }
  for (auto& c : inbound_) c->abort();
  inbound_.clear();
  outbound_.clear();
}

std::set<protocol::NodeId> Transport::Impl::peer_set() const {
  std::set<protocol::NodeId> peers;
  for (const auto& [id, o] : outbound_)
    if (o->conn && o->conn->authenticated()) peers.insert(id);
  for (const auto& c : inbound_)
    if (c->authenticated()) peers.insert(c->peer());
  return peers;
}

Transport::Transport(asio::io_context& io, protocol::NodeId self, std::shared_ptr<const crypto::SigningKey> key,
                     core::Bytes chain_id, std::vector<Peer> roster,
                     std::function<std::optional<Endpoint>(protocol::NodeId)> resolve, TransportLimits limits) {
  crypto::init();
  impl_ = std::make_shared<Impl>(io, self, std::move(key), std::move(chain_id), std::move(roster), std::move(resolve),
                                 limits);
}

Transport::~Transport() { impl_->stop(); }

core::Result<std::uint16_t> Transport::listen(const std::string& host, std::uint16_t port) {
  return impl_->listen(host, port);
}
void Transport::send(protocol::NodeId to, core::Bytes payload) { impl_->send(to, std::move(payload)); }
void Transport::set_on_message(std::function<void(protocol::NodeId, core::Bytes)> on_message) {
  impl_->on_message_ = std::move(on_message);
}
void Transport::stop() { impl_->stop(); }
const Transport::Stats& Transport::stats() const { return impl_->stats_; }
std::set<protocol::NodeId> Transport::peer_set() const { return impl_->peer_set(); }

}  // namespace ios::net
