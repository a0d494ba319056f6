// The peer-message envelope. Format and invariants: envelope.hpp.
#include "node/protocol/node/envelope.hpp"

#include <charconv>

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
  if (protocol < static_cast<std::uint8_t>(Protocol::shard) || protocol > static_cast<std::uint8_t>(Protocol::client))
    return core::reject(core::Reject::non_canonical, "envelope: unknown protocol " + std::to_string(protocol));
  o.key.protocol = static_cast<Protocol>(protocol);
  if (o.key.protocol == Protocol::client && o.key != client_key)
    return core::reject(core::Reject::non_canonical, "envelope: a client message names no shard, epoch or step");
  o.payload = message.subspan(envelope_header_bytes);
  return o;
}

std::string persist_prefix(const InstanceKey& key) {
  IOS_ASSERT(key.protocol != Protocol::client);  // the door persists nothing
  if (key.protocol == Protocol::epoch) return "epoch/" + core::to_string(key.epoch) + "/";
  auto prefix = "shard/" + core::to_string(key.shard) + "/epoch/" + core::to_string(key.epoch);
  if (key.step != 0) prefix += "." + std::to_string(key.step);
  return prefix + "/";
}

namespace {

// Consumes a canonical decimal (no sign, no leading zero) from the front of `s`.
template <class T>
std::optional<T> take_number(std::string_view& s) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  const auto used = static_cast<std::size_t>(end - s.data());
  if (ec != std::errc{} || used == 0 || (used > 1 && s.front() == '0')) return std::nullopt;
  s.remove_prefix(used);
  return v;
}

bool take(std::string_view& s, std::string_view word) {
  if (!s.starts_with(word)) return false;
  s.remove_prefix(word.size());
  return true;
}

}  // namespace

std::optional<ScopedRow> parse_persist_prefix(std::string_view row_key) {
  auto s = row_key;
  ScopedRow out;
  if (take(s, "epoch/")) {
    const auto e = take_number<std::uint64_t>(s);
    if (!e || !take(s, "/")) return std::nullopt;
    out.key = {core::ShardId{0}, core::Epoch{*e}, Protocol::epoch, 0};
  } else {
    if (!take(s, "shard/")) return std::nullopt;
    const auto shard = take_number<std::uint32_t>(s);
    if (!shard || !take(s, "/epoch/")) return std::nullopt;
    const auto e = take_number<std::uint64_t>(s);
    if (!e) return std::nullopt;
    std::uint32_t step = 0;
    if (take(s, ".")) {
      const auto k = take_number<std::uint32_t>(s);
      if (!k || *k == 0) return std::nullopt;  // step 0 has no suffix
      step = *k;
    }
    if (!take(s, "/")) return std::nullopt;
    out.key = {core::ShardId{*shard}, core::Epoch{*e}, Protocol::shard, step};
  }
  out.rest = s;
  return out;
}

}  // namespace ios::protocol::node
