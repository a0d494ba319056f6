#include "node/sim/trace.hpp"

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"

namespace ios::sim {

std::string_view to_string(TraceKind kind) {
  switch (kind) {
    case TraceKind::start:
      return "start";
    case TraceKind::message:
      return "message";
    case TraceKind::timer:
      return "timer";
    case TraceKind::control:
      return "control";
    case TraceKind::send:
      return "send";
    case TraceKind::set_timer:
      return "set_timer";
    case TraceKind::cancel_timer:
      return "cancel_timer";
    case TraceKind::persist:
      return "persist";
    case TraceKind::deliver:
      return "deliver";
    case TraceKind::verify_done:
      return "verify_done";
    case TraceKind::loaded:
      return "loaded";
    case TraceKind::prune:
      return "prune";
  }
  return "unknown";
}

Transcript::Transcript() : hash_(crypto::sha256(core::as_bytes("IOS/v1/sim/transcript"))) {}

void Transcript::record(const TraceEntry& e) {
  core::Writer w;
  w.u64(e.event).u64(e.time_us).u8(static_cast<std::uint8_t>(e.kind));
  w.u32(e.node).u32(e.incarnation).u32(e.peer).u64(e.timer).u64(e.at_us).u64(e.bytes);
  w.raw(e.digest).u8(static_cast<std::uint8_t>(e.drop)).str(e.what);
  hash_ = crypto::sha256({hash_, w.view()});
  ++entries_;
}

}  // namespace ios::sim
