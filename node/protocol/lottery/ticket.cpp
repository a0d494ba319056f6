#include "node/protocol/lottery/ticket.hpp"

#include "node/core/encoding.hpp"

namespace ios::protocol::lottery {

core::Bytes leader_alpha(const LotteryContext& ctx) {
  core::Writer w;
  w.raw(core::as_bytes("IOS/v1/leader")).raw(ctx.config_hash).u64(ctx.epoch).u64(ctx.view);
  return w.take();
}

core::Bytes encode(const LotteryTicket& t) {
  core::Writer w;
  w.u8(ticket_version).raw(t.vrf_key).raw(t.proof);
  return w.take();
}

core::Result<LotteryTicket> decode_ticket(core::ByteView bytes) {
  core::Reader r(bytes);
  r.version(ticket_version);
  LotteryTicket t;
  t.vrf_key = r.fixed<32>();
  t.proof = r.fixed<80>();
  if (auto s = r.finish(); !s) return s.error();
  return t;
}

}  // namespace ios::protocol::lottery
