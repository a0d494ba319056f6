#pragma once
// The node's HTTP+JSON API server (DESIGN.md §5 "API"; CLI.md JSON conventions) over
// cpp-httplib. Routes and their answers: routes.hpp. Documents: documents.hpp.
//
// Threading: httplib serves each connection on one of `RpcLimits::threads` workers; the server
// never touches node state, only the thread-safe NodeApi (node_api.hpp).
//
// Invariants and the attacks they stop:
//   - every answer, errors included, is a JSON document with a "schema" (metrics excepted:
//     Prometheus text), so a client never has to guess what an error page means;
//   - a body over body_bytes_max is refused with 413 from its Content-Length, before it is
//     read (memory exhaustion by one large POST);
//   - a client that stalls mid-request is dropped after read_timeout_s (slowloris holds one
//     worker for at most that long);
//   - an exception from the NodeApi becomes a 500 for that request only; the server keeps
//     serving (a bug in one answer must not take the API down);
//   - binds 127.0.0.1 unless told otherwise (CLI.md "Binding"); port 0 reports the real port.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "node/core/result.hpp"
#include "node/rpc/node_api.hpp"

namespace ios::rpc {

struct RpcLimits {
  std::size_t body_bytes_max = 1u << 20;
  std::size_t threads = 4;
  int read_timeout_s = 5;
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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ios::rpc
