// Client messages. Format and meaning: messages.hpp.
#include "node/protocol/client/messages.hpp"

#include "node/core/encoding.hpp"
#include "node/protocol/node/envelope.hpp"

namespace ios::protocol::client {

namespace {

constexpr std::uint8_t client_version = 1;
enum class Kind : std::uint8_t { submit = 1, answer = 2 };

}  // namespace

core::Bytes encode(const ClientMessage& m) {
  core::Writer w;
  w.u8(message_tag).u8(client_version);
  if (const auto* s = std::get_if<ClientSubmit>(&m)) {
    w.u8(static_cast<std::uint8_t>(Kind::submit)).bytes(chain::encode(s->tx));
  } else {
    const auto& a = std::get<ClientAnswer>(m).result;
    const auto reason = std::string_view(a.reason).substr(0, answer_reason_bytes_max);
    w.u8(static_cast<std::uint8_t>(Kind::answer)).raw(a.hash).boolean(a.accepted).str(reason);
  }
  return node::wrap(node::client_key, w.take());
}

core::Result<ClientMessage> decode_client_message(core::ByteView payload) {
  core::Reader r(payload);
  if (r.u8() != message_tag && !r.failed()) return core::reject(core::Reject::non_canonical, "not a client message");
  r.version(client_version);
  const auto kind = static_cast<Kind>(r.u8());
  if (r.failed()) return r.finish().error();
  switch (kind) {
    case Kind::submit: {
      auto bytes = r.bytes(chain::tx_bytes_max);
      if (auto s = r.finish(); !s) return s.error();
      auto tx = chain::decode_tx(bytes);
      if (!tx) return tx.error();
      return ClientMessage{ClientSubmit{std::move(*tx)}};
    }
    case Kind::answer: {
      SubmitResult a;
      a.hash = r.fixed<32>();
      const auto accepted = r.u8();
      a.reason = r.str(answer_reason_bytes_max);
      if (auto s = r.finish(); !s) return s.error();
      if (accepted > 1) return core::reject(core::Reject::non_canonical, "answer: accepted is not 0 or 1");
      a.accepted = accepted == 1;
      return ClientMessage{ClientAnswer{std::move(a)}};
    }
  }
  return core::reject(core::Reject::non_canonical, "unknown client message kind " + std::to_string(static_cast<int>(kind)));
}

}  // namespace ios::protocol::client
