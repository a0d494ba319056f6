// The peer-message envelope. Format and invariants: envelope.hpp.
#include "node/protocol/node/envelope.hpp"

#include "node/core/encoding.hpp"

namespace ios::protocol::node {

core::Bytes wrap(const InstanceKey& key, core::ByteView payload) {
  core::Writer w;
  w.u8(envelope_version).u8(static_cast<std::uint8_t>(key.protocol)).u32(key.shard.value).u64(key.epoch.value).u32(key.step).raw(payload);
  return w.take();
}

core::Result<Opened> open(core::ByteView message) {
  core::Reader r(message.first(std::min(message.size(), envelope_header_bytes)));
  r.version(envelope_version);
  const auto protocol = r.u8();
  Opened o;
  o.key.shard = core::ShardId{r.u32()};
  o.key.epoch = core::Epoch{r.u64()};
  o.key.step = r.u32();
  if (auto ok = r.finish(); !ok) return ok.error();
  if (protocol != static_cast<std::uint8_t>(Protocol::shard) && protocol != static_cast<std::uint8_t>(Protocol::epoch))
    return core::reject(core::Reject::non_canonical, "envelope: unknown protocol " + std::to_string(protocol));
  o.key.protocol = static_cast<Protocol>(protocol);
  o.payload = message.subspan(envelope_header_bytes);
  return o;
}

std::string persist_prefix(const InstanceKey& key) {
  if (key.protocol == Protocol::epoch) return "epoch/" + core::to_string(key.epoch) + "/";
  auto prefix = "shard/" + core::to_string(key.shard) + "/epoch/" + core::to_string(key.epoch);
  if (key.step != 0) prefix += "." + std::to_string(key.step);
  return prefix + "/";
}

}  // namespace ios::protocol::node
