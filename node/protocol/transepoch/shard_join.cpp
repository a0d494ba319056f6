// Joining a shard's chain from a handover. What and why: shard_join.hpp.
#include "node/protocol/transepoch/shard_join.hpp"

#include "node/protocol/pob/messages.hpp"

namespace ios::protocol::transepoch {

namespace {
constexpr std::string_view handover_row = "handover";
constexpr std::string_view handover_kind = "shard-handover";  // pob::ShardValidator::handover_kind
}  // namespace

ShardJoin::ShardJoin(std::shared_ptr<const pob::ShardSetup> ended, std::vector<NodeId> hosts, const PersistedState& rows)
    : ended_(std::move(ended)), hosts_(std::move(hosts)) {
  IOS_ASSERT(ended_ != nullptr && ended_->last_step && !hosts_.empty());
  if (auto it = rows.find(handover_row); it != rows.end()) handover_ = it->second;  // accepted before a restart
}

void ShardJoin::on_start(TimeMs now_ms, Effects& out) {
  if (handover_) return out.deliver(std::string(handover_kind), *handover_);
  ask(now_ms, out);
}

void ShardJoin::ask(TimeMs now_ms, Effects& out) {
  out.send(hosts_[next_host_], pob::encode(pob::PobMessage{pob::HandoverRequest{}}));
  next_host_ = (next_host_ + 1) % hosts_.size();
  out.set_timer(retry_timer, now_ms + retry_ms);
}

void ShardJoin::on_timer(TimeMs now_ms, TimerId id, Effects& out) {
  if (id == retry_timer && !handover_) ask(now_ms, out);
}

void ShardJoin::on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) {
  auto m = pob::decode_pob_message(payload);
  if (!m) return;
  if (std::holds_alternative<pob::HandoverRequest>(*m)) {
    if (!handover_ || from >= ended_->validator_count()) return;
    auto [it, fresh] = answered_.try_emplace(from, now_ms);
    if (!fresh && now_ms < it->second + 1000) return;
    it->second = now_ms;
    return out.send(from, *handover_);
  }
  const auto* h = std::get_if<pob::Handover>(&*m);
  if (h == nullptr || handover_) return;
  if (auto start = pob::accept_handover(*ended_, *h); !start) {
    ++refused_;
    return;
  }
  handover_ = core::Bytes(payload.begin(), payload.end());
  out.cancel_timer(retry_timer);
  out.persist(std::string(handover_row), *handover_);
  out.deliver(std::string(handover_kind), *handover_);
}

}  // namespace ios::protocol::transepoch
