#pragma once
// The node's HTTP+JSON API server (docs/DESIGN.md §5 "API"; docs/CLI.md JSON conventions) over
// cpp-httplib. Routes and their answers: routes.hpp. Documents: documents.hpp.
//
// Threading: the accept thread admits each connection into a table of at most
// `connections_max`; one poller thread waits for the first byte of each connection's next
// request (and enforces every deadline); `threads` workers serve one request at a time each,
// then hand a kept-alive connection back to the poller. So a connection costs a worker only
// while it sends a request or is answered, never while it idles. The server never touches
// node state, only the thread-safe NodeApi (node_api.hpp).
//
// Invariants and the attacks they stop (node/rpc/README.md "Limits"):
//   - every answer, errors included, is a JSON document with a "schema" (metrics excepted:
//     Prometheus text), so a client never has to guess what an error page means;
//   - connections_max: at most that many connections are open. When full, the oldest idle one
//     (a connection that never sent a request first) is closed for the newcomer; when none is
//     idle the newcomer gets a fixed 503 UNAVAILABLE and is closed. Stops fd and memory
//     exhaustion by a connection flood, and an idle flood (thousands of silent connections)
//     cannot keep a real client out or queue it behind them;
//   - idle_time_max_ms: a connection that sends nothing (fresh, or kept alive between
//     requests) is closed after that long, without ever holding a worker;
//   - request_time_max_ms: from a request's first byte to its last; a client that trickles
//     (slowloris: one header byte at a time, never stalling long enough for read_timeout_s)
//     is cut then. Fewer trickling clients than `threads` cost the others nothing; more delay
//     them by at most this long. The clock restarts for each request, so a busy keep-alive
//     client is never cut;
//   - write_time_max_ms: an answer must be written within that long (a client that never
//     reads its answer cannot hold a worker);
//   - read_timeout_s: one read may wait that long (a client that stops mid-request);
//   - body_bytes_max: a request body needs one Content-Length of at most that many bytes, and
//     it is checked before the body is read: over it 413, chunked or without a length 411, a
//     compressed body 415 (httplib would read chunked or unframed bodies whole, and inflate
//     compressed ones without a bound: memory exhaustion by one request); the unread body
//     is then drained without a worker for at most 2 s and the connection closed. Whatever the
//     framing, the stream refuses to read more than the headers' allowance plus
//     body_bytes_max for one request, so the bound holds while reading;
//   - an exception from the NodeApi becomes a 500 for that request only; the server keeps
//     serving (a bug in one answer must not take the API down);
//   - binds 127.0.0.1 unless told otherwise (docs/CLI.md "Binding"); port 0 reports the real port.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "node/core/result.hpp"
#include "node/rpc/node_api.hpp"

namespace ios::rpc {

// The defaults suit a node's local API; the header comment names the attack each one stops.
struct RpcLimits {
  std::size_t body_bytes_max = 1u << 20;
  std::size_t threads = 32;  // requests read or answered at once
  int read_timeout_s = 5;
  std::size_t connections_max = 128;
  int request_time_max_ms = 5000;
  int idle_time_max_ms = 5000;
  int write_time_max_ms = 5000;
  std::size_t keep_alive_requests_max = 100;  // then the connection is closed ("Connection: close")
};

// Counters since start (a snapshot; for tests and metrics).
struct RpcStats {
  std::uint64_t connections_accepted = 0;     // admitted into the table
  std::uint64_t connections_refused = 0;      // 503: every slot busy
  std::uint64_t connections_evicted = 0;      // idle, closed to admit a newcomer
  std::uint64_t connections_cut = 0;          // past request_time_max_ms or write_time_max_ms
  std::uint64_t connections_idle_closed = 0;  // past idle_time_max_ms
  std::size_t connections_open = 0;
};

class RpcServer {
 public:
  // `api` must outlive the server.
  explicit RpcServer(NodeApi& api, RpcLimits limits = {});
  ~RpcServer();  // stops and joins
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // Binds host:port; port 0 picks a free port. Returns the bound port, or io_error. Once only.
  core::Result<std::uint16_t> listen(const std::string& host = "127.0.0.1", std::uint16_t port = 0);
  // Serves on its own thread (which hands connections to the workers). After listen, once.
  // Returns when the server accepts connections.
  void start();
  // Stops accepting, lets requests in flight finish, joins. Idempotent; safe before start.
  void stop();

  RpcStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ios::rpc
