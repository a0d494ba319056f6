#include "node/rpc/client.hpp"

#include <optional>
#include <cctype>

#include "node/rpc/documents.hpp"
#include "node/rpc/http.hpp"
#include "node/rpc/request.hpp"

namespace ios::rpc {

namespace {

struct Answer {
  int status = 0;
  std::string body;
};

RpcError make_error(RpcErrorKind kind, std::string code, std::string message, int http_status = 0,
                    nlohmann::json document = nullptr) {
  return RpcError{kind, http_status, std::move(code), std::move(message), std::move(document)};
}

RpcError bad_response(const std::string& what) { return make_error(RpcErrorKind::bad_response, "BAD_RESPONSE", what); }

// "http://host[:port][/]" with a DNS name, IPv4 or bracketed IPv6 host; nullopt otherwise.
// Parsed by hand: std::regex here trips GCC 12's -Wmaybe-uninitialized inside <functional>
// under the sanitizer build.
std::optional<std::string> normalize_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::string host, port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos || close < 2) return std::nullopt;
    host = rest.substr(0, close + 1);
    for (char c : host.substr(1, host.size() - 2))
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return std::nullopt;
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const auto colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
    if (host.empty()) return std::nullopt;
    for (char c : host)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return std::nullopt;
  }
  if (!port.empty() || rest.find(':') != std::string::npos) {
    if (port.empty() || port.size() > 5) return std::nullopt;
    for (char c : port)
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    const unsigned long n = std::stoul(port);
    if (n == 0 || n > 65535) return std::nullopt;
    return scheme + host + ":" + port;
  }
  return scheme + host;
}

// An HTTP error keeps the server's error document when it sent one.
RpcError http_error(const Answer& answer) {
  const std::string fallback = "HTTP " + std::to_string(answer.status);
  auto doc = nlohmann::json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  const bool documented = doc.is_object() && doc.contains("error") && doc["error"].is_object() &&
                          doc["error"].contains("code") && doc["error"]["code"].is_string() &&
                          doc["error"].contains("message") && doc["error"]["message"].is_string();
  if (!documented)
    return make_error(RpcErrorKind::http_error, "HTTP_" + std::to_string(answer.status), fallback, answer.status);
  std::string code = doc["error"]["code"].get<std::string>();
  std::string message = doc["error"]["message"].get<std::string>();
  return make_error(RpcErrorKind::http_error, std::move(code), fallback + ": " + message, answer.status,
                    std::move(doc));
}

RpcResult<nlohmann::json> json_answer(RpcResult<Answer> answer) {
  if (!answer) return answer.error();
  if (answer->status >= 400) return http_error(*answer);
  if (answer->status < 200 || answer->status >= 300)
    return bad_response("unexpected HTTP " + std::to_string(answer->status));
  auto doc = nlohmann::json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return bad_response("the answer is not a JSON object");
  return doc;
}

}  // namespace

struct RpcClient::Impl {
  std::optional<std::string> base_url;  // nullopt when the URL given was not http://host[:port]
  std::string given_url;
  int timeout_ms;

  RpcResult<Answer> exchange(const std::string& path, const std::string* body) const {
    IOS_ASSERT(!path.empty());
    IOS_ASSERT(path.front() == '/');
    if (!base_url)
      return make_error(RpcErrorKind::bad_url, "BAD_URL", "RPC URL '" + given_url + "' is not http://host:port");
    httplib::Client http(*base_url);
    const time_t sec = timeout_ms / 1000;
    const time_t usec = static_cast<time_t>(timeout_ms % 1000) * 1000;
    http.set_connection_timeout(sec, usec);
    http.set_read_timeout(sec, usec);
    http.set_write_timeout(sec, usec);
    httplib::Result res = body == nullptr ? http.Get(path.c_str()) : http.Post(path.c_str(), *body, "application/json");
    if (!res)
      return make_error(RpcErrorKind::unreachable, "UNREACHABLE",
                        "node at " + *base_url + " unreachable: " + httplib::to_string(res.error()));
    return Answer{res->status, res->body};
  }
};

RpcClient::RpcClient(std::string base_url, int timeout_ms) : impl_(std::make_unique<Impl>()) {
  IOS_ASSERT(timeout_ms > 0);
  impl_->base_url = normalize_url(base_url);
  impl_->given_url = std::move(base_url);
  impl_->timeout_ms = timeout_ms;
}

RpcClient::~RpcClient() = default;

RpcResult<nlohmann::json> RpcClient::get(const std::string& path) const {
  return json_answer(impl_->exchange(path, nullptr));
}

RpcResult<nlohmann::json> RpcClient::post(const std::string& path, const nlohmann::json& body) const {
  const std::string text = dump_document(body);
  return json_answer(impl_->exchange(path, &text));
}

RpcResult<std::string> RpcClient::get_text(const std::string& path) const {
  auto answer = impl_->exchange(path, nullptr);
  if (!answer) return answer.error();
  if (answer->status >= 400) return http_error(*answer);
  if (answer->status < 200 || answer->status >= 300)
    return bad_response("unexpected HTTP " + std::to_string(answer->status));
  return std::move(answer).value().body;
}

RpcResult<nlohmann::json> RpcClient::status() const { return get("/v1/status"); }

RpcResult<SubmitResult> RpcClient::submit(const chain::Tx& tx) const {
  const core::Hash32 hash = chain::tx_hash(tx);
  auto doc = post("/v1/tx", submit_body(tx));
  if (!doc) {
    const RpcError& e = doc.error();
    if (e.kind != RpcErrorKind::http_error || e.code != to_string(ErrorCode::rejected)) return e;
    return SubmitResult{hash, false, e.document["error"]["message"].get<std::string>()};
  }
  // A node that reports another id for our tx is confused (or lying): do not pass it on.
  const auto it = doc->find("hash");
  if (it == doc->end() || !it->is_string() || it->get_ref<const std::string&>() != core::to_hex(hash))
    return bad_response("the node acknowledged a different transaction hash");
  const auto accepted = doc->find("accepted");
  if (accepted == doc->end() || *accepted != true) return bad_response("the node did not say \"accepted\": true");
  return SubmitResult{hash, true, {}};
}

RpcResult<TxStatus> RpcClient::tx_status(const core::Hash32& hash) const {
  auto doc = get("/v1/tx/" + core::to_hex(hash));
  if (!doc) {
    const RpcError& e = doc.error();
    if (e.kind == RpcErrorKind::http_error && e.code == to_string(ErrorCode::not_found))
      return TxStatus{hash, TxState::unknown, {}, {}};
    return e;
  }
  auto status = decode_tx_status_document(*doc);
  if (!status) return bad_response(status.error().message());
  if (status->hash != hash) return bad_response("the node answered for a different transaction");
  return std::move(status).value();
}

RpcResult<nlohmann::json> RpcClient::account(const chain::Address& address) const {
  return get("/v1/accounts/" + address.to_string());
}

RpcResult<nlohmann::json> RpcClient::block(std::optional<std::uint64_t> height) const {
  return get("/v1/blocks/" + (height ? std::to_string(*height) : std::string("latest")));
}

RpcResult<nlohmann::json> RpcClient::epoch_chain(std::optional<std::uint64_t> epoch) const {
  return get("/v1/epochs/" + (epoch ? std::to_string(*epoch) : std::string("latest")));
}

RpcResult<nlohmann::json> RpcClient::tx_body(const core::Hash32& hash) const {
  return get("/v1/tx/" + core::to_hex(hash) + "/body");
}

}  // namespace ios::rpc
