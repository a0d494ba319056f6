#include "node/rpc/server.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "node/rpc/http.hpp"
#include "node/rpc/routes.hpp"

namespace ios::rpc {

namespace {

// Exception texts are the node's, not the client's, but may be long or binary.
constexpr std::size_t exception_text_chars_max = 200;

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
  // httplib already refuses a Content-Length over the limit; this covers any other framing.
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
  if (status == 413) return ErrorCode::payload_too_large;
  if (status >= 500) return ErrorCode::internal;
  return ErrorCode::bad_request;
}

}  // namespace

struct RpcServer::Impl {
  NodeApi& api;
  RpcLimits limits;
  std::vector<std::regex> patterns;  // route_table() compiled, same order
  httplib::Server http;
  std::thread thread;
  std::atomic<bool> serving_done{false};
  std::mutex lifecycle;  // listen / start / stop may come from different threads
  bool bound = false;
  bool started = false;
  bool stopped = false;

  Impl(NodeApi& a, RpcLimits l) : api(a), limits(l) {
    IOS_ASSERT(limits.threads >= 1);
    IOS_ASSERT(limits.body_bytes_max >= 1);
    IOS_ASSERT(limits.read_timeout_s >= 1);
    for (const auto& route : route_table()) patterns.emplace_back(std::string(route.pattern));
    configure();
    add_routes();
  }

  void configure() {
    const std::size_t threads = limits.threads;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http.set_payload_max_length(limits.body_bytes_max);
    http.set_read_timeout(limits.read_timeout_s, 0);
    http.set_tcp_nodelay(true);
    // httplib's default sets SO_REUSEPORT, which lets a second node bind the same port and
    // silently take half of the connections. SO_REUSEADDR alone still allows a quick restart
    // over TIME_WAIT but refuses a port someone listens on (CLI.md: "port in use" is a conflict).
    http.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
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
        write(res, run_route(api, route, limits.body_bytes_max, req));
      };
      if (route.method == "GET") {
        http.Get(std::string(route.pattern), handler);
      } else {
        IOS_ASSERT(route.method == "POST");
        http.Post(std::string(route.pattern), handler);
      }
    }
    // Registered last, so they only see what no route took: 405 for a known path, else 404.
    auto unrouted = [this](const httplib::Request& req, httplib::Response& res) { write(res, not_routed(req, res)); };
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

}  // namespace ios::rpc
