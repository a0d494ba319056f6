#include "node/rpc/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "node/rpc/http.hpp"
#include "node/rpc/routes.hpp"

namespace ios::rpc {

namespace {

// Exception texts are the node's, not the client's, but may be long or binary.
constexpr std::size_t exception_text_chars_max = 200;
// What one request may read besides its body: the request line and headers. httplib caps a
// line at 8 KiB but not the number of lines, so endless headers would grow without this.
constexpr std::size_t header_bytes_max = 64 * 1024;
// The poller wakes at least this often even with no deadline due (a bound, not a tick).
constexpr int poll_wait_ms_max = 1000;
// Bytes of an unread request drained before a refusal, so the 503 is not lost to a reset.
constexpr std::size_t refusal_drain_bytes_max = 16 * 1024;
// A connection closed with a request body unread (refused from its headers) is first half-
// closed and drained by the poller for at most this long: closing at once would reset it, and
// a client that sends its whole body before reading (httplib's) would lose the answer.
constexpr int linger_time_max_ms = 2000;
// What the poller drains from one lingering connection per wake-up, so none starves the rest.
constexpr std::size_t linger_drain_bytes_per_wake = 256 * 1024;
// ... and from one lingering connection in all: enough for a client that sends a body twice
// the limit before it reads, not for one that streams gigabytes (measured: 10 MiB chunked
// bodies in a loop made the poller drain 2 GB/s, costing the node 17 % of its block rate).
constexpr std::size_t linger_drain_bytes_max = 4u << 20;
constexpr std::int64_t no_deadline = std::numeric_limits<std::int64_t>::max();

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void write(httplib::Response& res, const Reply& reply) {
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type.c_str());
}

Reply failure_reply(const char* what) {
  std::string text = what == nullptr ? std::string() : std::string(what).substr(0, exception_text_chars_max);
  return error_reply(ErrorCode::internal, "the node failed to answer" + (text.empty() ? "" : ": " + text));
}

// Runs one route; nothing thrown by the NodeApi leaves this function.
Reply run_route(NodeApi& api, const Route& route, std::size_t body_bytes_max, const httplib::Request& req) {
  // The framing check already refused a Content-Length over the limit; a backstop.
  if (req.body.size() > body_bytes_max)
    return error_reply(ErrorCode::payload_too_large, "body over " + std::to_string(body_bytes_max) + " bytes");
  const std::string param = req.matches.size() > 1 ? req.matches[1].str() : std::string();
  try {
    return route.handle(api, RouteInput{param, req.body});
  } catch (const NodeUnavailable& e) {
    return error_reply(ErrorCode::unavailable, e.what());
  } catch (const std::exception& e) {
    return failure_reply(e.what());
  } catch (...) {
    return failure_reply(nullptr);
  }
}

// For statuses httplib produces by itself (bad request line, 413, 414, ...).
ErrorCode code_for_status(int status) {
  if (status == 404) return ErrorCode::not_found;
  if (status == 405) return ErrorCode::method_not_allowed;
  if (status == 411) return ErrorCode::length_required;
  if (status == 413) return ErrorCode::payload_too_large;
  if (status >= 500) return ErrorCode::internal;
  return ErrorCode::bad_request;
}

// The methods httplib 0.11 reads a body for even without a Content-Length (then until the
// client closes, with no bound). A DELETE has a body only with a Content-Length.
bool reads_a_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "PRI";
}

// Refuses, from the headers alone and before a byte of the body is read, every framing that
// would make httplib 0.11 hold more than body_bytes_max: chunked (read whole before any size
// check), no length (read until EOF), a compressed body (inflated without a bound: a few KiB
// of gzip become gigabytes), a length over the limit.
std::optional<Reply> framing_refusal(const httplib::Request& req, std::size_t body_bytes_max) {
  if (req.has_header("Transfer-Encoding"))
    return error_reply(ErrorCode::length_required, "Transfer-Encoding is not accepted: send a Content-Length");
  if (req.has_header("Content-Encoding") && req.get_header_value("Content-Encoding") != "identity")
    return error_reply(ErrorCode::unsupported_media_type, "compressed bodies are not accepted");
  const std::size_t lengths = req.get_header_value_count("Content-Length");
  if (lengths == 0) {
    if (!reads_a_body(req.method)) return std::nullopt;
    return error_reply(ErrorCode::length_required, req.method + " needs a Content-Length");
  }
  if (lengths > 1) return error_reply(ErrorCode::bad_request, "more than one Content-Length");
  const std::string text = req.get_header_value("Content-Length");
  std::uint64_t length = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return error_reply(ErrorCode::bad_request, "Content-Length is not a decimal number");
  if (length > body_bytes_max)
    return error_reply(ErrorCode::payload_too_large, "body over " + std::to_string(body_bytes_max) + " bytes");
  return std::nullopt;
}

// Waits for `events` on fd; false on timeout. An error or hang-up counts as ready: the next
// recv or send reports it.
bool wait_for(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, timeout_ms);
    if (n >= 0) return n > 0;
    if (errno != EINTR) return true;
  }
}

void socket_address(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  const int r = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                     : ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ip.clear();
  port = 0;
  if (r != 0) return;
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    if (::inet_ntop(AF_INET, &in->sin_addr, text.data(), text.size()) != nullptr) ip = text.data();
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    if (::inet_ntop(AF_INET6, &in6->sin6_addr, text.data(), text.size()) != nullptr) ip = text.data();
    port = ntohs(in6->sin6_port);
  }
}

// The byte stream httplib parses one connection's requests from and writes its answers to
// (httplib's own SocketStream is internal to the compiled library). It outlives a request,
// so bytes of a pipelined next request stay buffered while the connection waits, and it
// refuses to read more than an allowance per request: whatever the framing, one request
// cannot make the server hold more than header_bytes_max + body_bytes_max.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int fd, int read_timeout_ms, int write_timeout_ms)
      : fd_(fd), read_timeout_ms_(read_timeout_ms), write_timeout_ms_(write_timeout_ms) {}

  void begin_request(std::size_t allowance) {
    allowance_ = allowance;
    exhausted_ = false;
  }
  bool has_buffered() const { return begin_ < end_; }
  bool exhausted() const { return exhausted_; }

  bool is_readable() const override { return has_buffered() || wait_for(fd_, POLLIN, read_timeout_ms_); }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, write_timeout_ms_); }

  ssize_t read(char* ptr, std::size_t size) override {
    if (size == 0) return 0;
    if (!has_buffered()) {
      const ssize_t n = receive();
      if (n <= 0) return n;
    }
    const std::size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_.data() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    if (size == 0) return 0;
    for (;;) {
      // MSG_NOSIGNAL: a client that resets must not raise SIGPIPE in the node.
      const ssize_t n = ::send(fd_, ptr, size, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!wait_for(fd_, POLLOUT, write_timeout_ms_)) return -1;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { socket_address(fd_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { socket_address(fd_, false, ip, port); }
  socket_t socket() const override { return fd_; }

 private:
  ssize_t receive() {
    if (allowance_ == 0) {
      exhausted_ = true;
      return -1;
    }
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer_.data(), std::min(buffer_.size(), allowance_), MSG_DONTWAIT);
      if (n >= 0) {
        begin_ = 0;
        end_ = static_cast<std::size_t>(n);
        allowance_ -= end_;
        return n;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!wait_for(fd_, POLLIN, read_timeout_ms_)) return -1;
    }
  }

  int fd_;
  int read_timeout_ms_;
  int write_timeout_ms_;
  std::array<char, 16 * 1024> buffer_{};
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t allowance_ = 0;
  bool exhausted_ = false;
};

enum class Phase {
  idle,       // waiting in the poller for a request's first byte; holds no worker
  ready,      // readable, waiting for a worker
  reading,    // a worker reads the request (request_time_max_ms runs)
  handling,   // the request is read; the NodeApi answers (no deadline: it is the node's time)
  writing,    // the answer is written (write_time_max_ms runs)
  lingering,  // answered and half-closed; the poller discards what the client still sends
};

struct Connection {
  Connection(std::uint64_t i, int f, int read_timeout_ms, int write_timeout_ms)
      : id(i), fd(f), stream(f, read_timeout_ms, write_timeout_ms) {}
  const std::uint64_t id;
  const int fd;  // closed only by the server, under its mutex, when the entry is erased
  ConnectionStream stream;
  // Guarded by the server's mutex.
  Phase phase = Phase::idle;
  bool sent_request = false;  // eviction takes connections that never sent one first
  bool cut = false;           // shut down by the watchdog or by stop
  std::int64_t idle_since_ms = 0;
  std::int64_t deadline_ms = no_deadline;
  std::size_t lingered_bytes = 0;  // discarded while lingering (linger_drain_bytes_max)
  // The serving worker's own.
  std::size_t requests = 0;
  bool close_after_answer = false;
};

// The connection the current worker thread serves, for the route handlers' hooks.
thread_local Connection* serving_connection = nullptr;

// httplib::Server with bounded admission and per-connection deadlines. httplib 0.11 accepts
// on one thread and hands each socket to process_and_close_socket (a private virtual);
// here that is the admission point, run inline on the accept thread (InlineQueue), and the
// connection is then served by this class's poller and workers through httplib's
// process_request, one request at a time.
class BoundedServer final : public httplib::Server {
 public:
  explicit BoundedServer(const RpcLimits& limits) : limits_(limits) {
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    IOS_ASSERT(wake_fd_ >= 0);
    const Reply busy = error_reply(ErrorCode::unavailable, "every connection slot is busy; retry later");
    refusal_ = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(busy.body.size()) + "\r\nConnection: close\r\nRetry-After: 1\r\n\r\n" + busy.body;
    new_task_queue = [this] { return new InlineQueue(*this); };
  }
  ~BoundedServer() override { ::close(wake_fd_); }
  BoundedServer(const BoundedServer&) = delete;
  BoundedServer& operator=(const BoundedServer&) = delete;

  // httplib 0.11 listens with a backlog of 5: a burst of connections (an attack, or many
  // clients) would drop SYNs and make honest clients wait for a retransmission (1 s, 3 s).
  // Linux lets listen() be called again to raise it; admission, not the backlog, bounds load.
  void raise_backlog() { ::listen(svr_sock_.load(), SOMAXCONN); }

  RpcStats stats() const {
    std::lock_guard lock(mu_);
    RpcStats s = stats_;
    s.connections_open = table_.size();
    return s;
  }

  // Hooks for the route handlers, on the worker thread that serves the request.
  void on_request_read() {
    Connection* c = serving_connection;
    if (c == nullptr) return;
    std::lock_guard lock(mu_);
    c->phase = Phase::handling;
    c->deadline_ms = no_deadline;
  }
  void on_answer_ready() {
    Connection* c = serving_connection;
    if (c == nullptr) return;
    std::lock_guard lock(mu_);
    c->phase = Phase::writing;
    c->deadline_ms = now_ms() + limits_.write_time_max_ms;
  }
  // The request's body was not read: the connection cannot carry another request.
  void close_after_answer(httplib::Response& res) {
    res.set_header("Connection", "close");
    if (serving_connection != nullptr) serving_connection->close_after_answer = true;
  }

 private:
  // Admission runs on the accept thread, in order; the TaskQueue's life is listen_internal's,
  // so it also starts and joins the poller and the workers.
  class InlineQueue final : public httplib::TaskQueue {
   public:
    explicit InlineQueue(BoundedServer& server) : server_(server) { server_.start_threads(); }
    void enqueue(std::function<void()> fn) override { fn(); }
    void shutdown() override { server_.stop_threads(); }

   private:
    BoundedServer& server_;
  };

  bool process_and_close_socket(socket_t sock) override {
    std::unique_lock lock(mu_);
    if (stopping_) {
      lock.unlock();
      ::close(sock);
      return false;
    }
    if (table_.size() >= limits_.connections_max && !evict_idle_locked()) {
      stats_.connections_refused++;
      lock.unlock();
      refuse(sock);
      return false;
    }
    const std::uint64_t id = next_id_++;
    auto c = std::make_unique<Connection>(id, sock, limits_.read_timeout_s * 1000, limits_.write_time_max_ms);
    c->idle_since_ms = now_ms();
    c->deadline_ms = c->idle_since_ms + limits_.idle_time_max_ms;
    table_.emplace(id, std::move(c));
    stats_.connections_accepted++;
    lock.unlock();
    wake_poller();
    return true;
  }

  // Closes a lingering connection (already answered), else the idle connection that has
  // waited longest, preferring one that never sent a request (an idle flood) over a kept-alive
  // client. One with bytes waiting is not idle.
  bool evict_idle_locked() {
    Connection* victim = nullptr;
    const auto key = [](const Connection& c) {
      return std::tuple(c.phase != Phase::lingering, c.sent_request, c.idle_since_ms);
    };
    for (auto& [id, c] : table_) {
      if (c->phase != Phase::idle && c->phase != Phase::lingering) continue;
      char byte = 0;
      if (c->phase == Phase::idle && ::recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0) continue;
      if (victim == nullptr || key(*c) < key(*victim)) victim = c.get();
    }
    if (victim == nullptr) return false;
    stats_.connections_evicted++;
    erase_locked(*victim);
    return true;
  }

  void refuse(int sock) {
    std::array<char, 4096> scratch{};
    for (std::size_t drained = 0; drained < refusal_drain_bytes_max;) {
      const ssize_t n = ::recv(sock, scratch.data(), scratch.size(), MSG_DONTWAIT);
      if (n <= 0) break;
      drained += static_cast<std::size_t>(n);
    }
    [[maybe_unused]] const ssize_t sent = ::send(sock, refusal_.data(), refusal_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(sock, SHUT_WR);
    ::close(sock);
  }

  void erase_locked(Connection& c) {
    ::close(c.fd);
    table_.erase(c.id);
  }

  void wake_poller() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof(one));
  }

  void make_ready_locked(Connection& c) {
    c.phase = Phase::ready;
    ready_.push_back(&c);
    work_cv_.notify_one();
  }

  void start_threads() {
    poller_ = std::thread([this] { poll_loop(); });
    for (std::size_t i = 0; i < limits_.threads; ++i) workers_.emplace_back([this] { work_loop(); });
  }

  // After the accept loop ended: idle and queued connections are closed, a request still
  // being read is cut (a trickling client must not hold stop() up), a request being answered
  // finishes; the poller keeps enforcing write deadlines until the workers are joined.
  void stop_threads() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      ready_.clear();
      for (auto it = table_.begin(); it != table_.end();) {
        Connection& c = *it->second;
        if (c.phase == Phase::idle || c.phase == Phase::ready || c.phase == Phase::lingering) {
          ::close(c.fd);
          it = table_.erase(it);
          continue;
        }
        if (c.phase == Phase::reading && !c.cut) {
          ::shutdown(c.fd, SHUT_RDWR);
          c.cut = true;
        }
        ++it;
      }
    }
    work_cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    {
      std::lock_guard lock(mu_);
      poller_done_ = true;
    }
    wake_poller();
    poller_.join();
  }

  void poll_loop() {
    std::vector<pollfd> fds;
    std::vector<std::uint64_t> ids;
    for (;;) {
      fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
      ids.clear();
      int wait_ms = poll_wait_ms_max;
      {
        std::lock_guard lock(mu_);
        if (poller_done_) return;
        const std::int64_t now = now_ms();
        for (auto& [id, c] : table_) {
          if (c->phase == Phase::idle || c->phase == Phase::lingering) {
            fds.push_back(pollfd{c->fd, POLLIN, 0});
            ids.push_back(id);
          }
          // A connection already cut waits for its worker to close it: no deadline left.
          if (c->deadline_ms != no_deadline && c->phase != Phase::ready && !c->cut)
            wait_ms = static_cast<int>(std::clamp<std::int64_t>(c->deadline_ms - now, 0, wait_ms));
        }
      }
      // An fd closed meanwhile (evicted on the accept thread) is looked up by id below, so a
      // number reused by a newer connection is never mistaken for it.
      if (::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) std::this_thread::yield();
      if (fds[0].revents != 0) {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = ::read(wake_fd_, &count, sizeof(count));
      }
      std::lock_guard lock(mu_);
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (fds[i + 1].revents == 0) continue;
        auto it = table_.find(ids[i]);
        if (it == table_.end()) continue;
        if (it->second->phase == Phase::idle) make_ready_locked(*it->second);
        if (it->second->phase == Phase::lingering && !drain(*it->second)) {
          ::close(it->second->fd);
          table_.erase(it);
        }
      }
      expire_locked(now_ms());
    }
  }

  // Discards what a lingering client still sends; false once it closed, failed, or sent more
  // than linger_drain_bytes_max.
  static bool drain(Connection& c) {
    std::array<char, 16 * 1024> scratch{};
    for (std::size_t drained = 0; drained < linger_drain_bytes_per_wake;) {
      if (c.lingered_bytes >= linger_drain_bytes_max) return false;
      const ssize_t n = ::recv(c.fd, scratch.data(), scratch.size(), MSG_DONTWAIT);
      if (n == 0) return false;
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
      drained += static_cast<std::size_t>(n);
      c.lingered_bytes += static_cast<std::size_t>(n);
    }
    return true;
  }

  // The watchdog: closes idle connections past idle_time_max_ms and shuts down (which ends
  // the worker's blocked read or write) those past request_time_max_ms or write_time_max_ms.
  // The worker closes the fd itself; the entry, and so the fd number, lives until it does.
  void expire_locked(std::int64_t now) {
    for (auto it = table_.begin(); it != table_.end();) {
      Connection& c = *it->second;
      if (c.deadline_ms > now) {
        ++it;
        continue;
      }
      if (c.phase == Phase::idle || c.phase == Phase::lingering) {
        if (c.phase == Phase::idle) stats_.connections_idle_closed++;
        ::close(c.fd);
        it = table_.erase(it);
        continue;
      }
      if ((c.phase == Phase::reading || c.phase == Phase::writing) && !c.cut) {
        ::shutdown(c.fd, SHUT_RDWR);
        c.cut = true;
        stats_.connections_cut++;
      }
      ++it;
    }
  }

  void work_loop() {
    for (;;) {
      Connection* c = nullptr;
      {
        std::unique_lock lock(mu_);
        work_cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
        if (ready_.empty()) return;
        c = ready_.front();
        ready_.pop_front();
        c->phase = Phase::reading;
        c->deadline_ms = now_ms() + limits_.request_time_max_ms;
      }
      wake_poller();  // a new deadline to wait for
      serve(*c);
    }
  }

  void serve(Connection& c) {
    c.close_after_answer = false;
    c.stream.begin_request(header_bytes_max + limits_.body_bytes_max);
    const bool last = c.requests + 1 >= limits_.keep_alive_requests_max || stopping_;
    bool client_closes = false;
    serving_connection = &c;
    const bool answered = process_request(c.stream, last, client_closes, nullptr);
    serving_connection = nullptr;
    c.requests++;

    std::unique_lock lock(mu_);
    c.sent_request = true;
    const bool unread = c.close_after_answer || c.stream.exhausted();  // the client may still be sending
    if (answered && unread && !c.cut && !stopping_) {
      ::shutdown(c.fd, SHUT_WR);  // the answer, then FIN; the poller drains the rest, then closes
      c.phase = Phase::lingering;
      c.deadline_ms = now_ms() + linger_time_max_ms;
      lock.unlock();
      wake_poller();
      return;
    }
    if (!answered || client_closes || last || unread || c.cut || stopping_) {
      erase_locked(c);
      return;
    }
    c.idle_since_ms = now_ms();
    c.deadline_ms = c.idle_since_ms + limits_.idle_time_max_ms;
    if (c.stream.has_buffered()) {
      make_ready_locked(c);  // a pipelined request is already here
      return;
    }
    c.phase = Phase::idle;
    lock.unlock();
    wake_poller();
  }

  const RpcLimits limits_;
  std::string refusal_;  // the whole 503 answer, built once
  int wake_fd_ = -1;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::map<std::uint64_t, std::unique_ptr<Connection>> table_;  // every open connection
  std::deque<Connection*> ready_;
  std::uint64_t next_id_ = 1;
  RpcStats stats_;
  std::atomic<bool> stopping_{false};
  bool poller_done_ = false;
  std::thread poller_;
  std::vector<std::thread> workers_;
};

}  // namespace

struct RpcServer::Impl {
  NodeApi& api;
  RpcLimits limits;
  std::vector<std::regex> patterns;  // route_table() compiled, same order
  BoundedServer http;
  std::thread thread;
  std::atomic<bool> serving_done{false};
  std::mutex lifecycle;  // listen / start / stop may come from different threads
  bool bound = false;
  bool started = false;
  bool stopped = false;

  Impl(NodeApi& a, RpcLimits l) : api(a), limits(l), http(l) {
    IOS_ASSERT(limits.threads >= 1);
    IOS_ASSERT(limits.body_bytes_max >= 1);
    IOS_ASSERT(limits.read_timeout_s >= 1);
    IOS_ASSERT(limits.connections_max >= 1);
    IOS_ASSERT(limits.request_time_max_ms >= 1);
    IOS_ASSERT(limits.idle_time_max_ms >= 1);
    IOS_ASSERT(limits.write_time_max_ms >= 1);
    IOS_ASSERT(limits.keep_alive_requests_max >= 1);
    for (const auto& route : route_table()) patterns.emplace_back(std::string(route.pattern));
    configure();
    add_routes();
  }

  void configure() {
    // BoundedServer serves every connection itself; httplib's timeouts only set the accepted
    // socket's SO_RCVTIMEO / SO_SNDTIMEO and the Keep-Alive header, which then tells the truth.
    http.set_payload_max_length(limits.body_bytes_max);
    http.set_read_timeout(limits.read_timeout_s, 0);
    http.set_write_timeout(std::max(1, limits.write_time_max_ms / 1000), 0);
    http.set_keep_alive_timeout(std::max(1, limits.idle_time_max_ms / 1000));
    http.set_keep_alive_max_count(limits.keep_alive_requests_max);
    http.set_tcp_nodelay(true);
    // httplib's default sets SO_REUSEPORT, which lets a second node bind the same port and
    // silently take half of the connections. SO_REUSEADDR alone still allows a quick restart
    // over TIME_WAIT but refuses a port someone listens on (docs/CLI.md: "port in use" is a conflict).
    http.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    // Before any body is read (httplib reads it after this handler, for the route).
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      auto refusal = framing_refusal(req, limits.body_bytes_max);
      if (!refusal) return httplib::Server::HandlerResponse::Unhandled;
      write(res, *refusal);
      http.close_after_answer(res);  // the unread body would be taken for the next request
      return httplib::Server::HandlerResponse::Handled;
    });
    // httplib's own refusals (413, 400 for a bad request line, 414) get the JSON error
    // document too; an answer that already has a body (ours) is left alone.
    http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      const ErrorCode code = code_for_status(res.status);
      const int status = res.status;
      write(res, error_reply(code, "HTTP " + std::to_string(status)));
      res.status = status;
      return httplib::Server::HandlerResponse::Handled;
    }));
    // A backstop: run_route already catches everything the NodeApi throws.
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      write(res, failure_reply(nullptr));
    });
  }

  void add_routes() {
    const auto routes = route_table();
    for (std::size_t i = 0; i < routes.size(); ++i) {
      const Route& route = routes[i];
      auto handler = [this, &route](const httplib::Request& req, httplib::Response& res) {
        http.on_request_read();
        write(res, run_route(api, route, limits.body_bytes_max, req));
        http.on_answer_ready();
      };
      if (route.method == "GET") {
        http.Get(std::string(route.pattern), handler);
      } else {
        IOS_ASSERT(route.method == "POST");
        http.Post(std::string(route.pattern), handler);
      }
    }
    // Registered last, so they only see what no route took: 405 for a known path, else 404.
    auto unrouted = [this](const httplib::Request& req, httplib::Response& res) {
      http.on_request_read();
      write(res, not_routed(req, res));
      http.on_answer_ready();
    };
    http.Get(".*", unrouted);
    http.Post(".*", unrouted);
    http.Put(".*", unrouted);
    http.Patch(".*", unrouted);
    http.Delete(".*", unrouted);
    http.Options(".*", unrouted);
  }

  Reply not_routed(const httplib::Request& req, httplib::Response& res) const {
    std::string allow;
    const auto routes = route_table();
    for (std::size_t i = 0; i < routes.size(); ++i) {
      if (!std::regex_match(req.path, patterns[i])) continue;
      if (!allow.empty()) allow += ", ";
      allow += routes[i].method;
    }
    if (allow.empty()) return error_reply(ErrorCode::not_found, "no such route");
    res.set_header("Allow", allow);
    return error_reply(ErrorCode::method_not_allowed, "this route only answers " + allow);
  }

  // Caller holds `lifecycle`.
  void launch() {
    started = true;
    thread = std::thread([this] {
      http.listen_after_bind();
      serving_done = true;
    });
    // stop() acts only on a running server; wait until it runs so a prompt stop() is not lost.
    while (!http.is_running() && !serving_done) std::this_thread::yield();
  }
};

RpcServer::RpcServer(NodeApi& api, RpcLimits limits) : impl_(std::make_unique<Impl>(api, limits)) {}

RpcServer::~RpcServer() { stop(); }

core::Result<std::uint16_t> RpcServer::listen(const std::string& host, std::uint16_t port) {
  std::lock_guard lock(impl_->lifecycle);
  IOS_ASSERT(!impl_->bound);
  IOS_ASSERT(!impl_->stopped);
  int bound_port = -1;
  if (port == 0) {
    bound_port = impl_->http.bind_to_any_port(host);
  } else if (impl_->http.bind_to_port(host, port)) {
    bound_port = port;
  }
  if (bound_port <= 0 || bound_port > 65535)
    return core::reject(core::Reject::io_error, "cannot bind the RPC server to " + host + ":" + std::to_string(port));
  impl_->http.raise_backlog();
  impl_->bound = true;
  return static_cast<std::uint16_t>(bound_port);
}

void RpcServer::start() {
  std::lock_guard lock(impl_->lifecycle);
  IOS_ASSERT(impl_->bound);
  IOS_ASSERT(!impl_->started);
  IOS_ASSERT(!impl_->stopped);
  impl_->launch();
}

void RpcServer::stop() {
  std::lock_guard lock(impl_->lifecycle);
  if (impl_->stopped) return;
  impl_->stopped = true;
  // httplib closes its listening socket only from a running server.
  if (impl_->bound && !impl_->started) impl_->launch();
  if (!impl_->started) return;
  impl_->http.stop();
  impl_->thread.join();
}

RpcStats RpcServer::stats() const { return impl_->http.stats(); }

}  // namespace ios::rpc
