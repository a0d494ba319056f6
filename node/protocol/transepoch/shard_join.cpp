// Joining a shard's chain from a handover. What and why: shard_join.hpp.
#include "node/protocol/transepoch/shard_join.hpp"

#include <algorithm>

#include "node/protocol/pob/messages.hpp"

namespace ios::protocol::transepoch {

namespace {
constexpr std::string_view handover_row = "handover";
}  // namespace

ShardJoin::ShardJoin(std::shared_ptr<const pob::ShardSetup> ended, std::vector<NodeId> hosts,
                     const pob::PersistedState& rows)
    : ended_(std::move(ended)), hosts_(std::move(hosts)) {
  IOS_ASSERT(ended_ != nullptr && ended_->last_step && !hosts_.empty());
  IOS_ASSERT(std::is_sorted(hosts_.begin(), hosts_.end()));
  if (auto it = rows.find(handover_row); it != rows.end()) {
    // Accepted before a restart: this node checked and wrote these bytes itself.
    auto m = pob::decode_pob_message(it->second);
    IOS_ASSERT(m.ok() && std::holds_alternative<pob::Handover>(*m));
    auto start = pob::accept_handover(*ended_, std::get<pob::Handover>(*m));
    IOS_ASSERT(start.ok());
    handover_ = it->second;
    start_ = std::move(*start);
    start_->joined = true;
  }
}

void ShardJoin::on_start(TimeMs now_ms, Effects& out) {
  if (start_) return out.deliver(std::string(deliver_segment_ended), {});
  ask(now_ms, out);
}

void ShardJoin::ask(TimeMs now_ms, Effects& out) {
  out.send(hosts_[next_host_], pob::encode(pob::PobMessage{pob::HandoverRequest{}}));
  next_host_ = (next_host_ + 1) % hosts_.size();
  out.set_timer(retry_timer, now_ms + retry_ms);
}

void ShardJoin::on_timer(TimeMs now_ms, TimerId id, Effects& out) {
  if (id == retry_timer && !start_) ask(now_ms, out);
}

void ShardJoin::on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) {
  auto m = pob::decode_pob_message(payload);
  if (!m) return;
  if (std::holds_alternative<pob::HandoverRequest>(*m)) {
    if (handover_ && from < ended_->validator_count() && answers_.allow(from, now_ms)) out.send(from, *handover_);
    return;
  }
  const auto* h = std::get_if<pob::Handover>(&*m);
  if (h == nullptr || start_) return;
  if (!std::binary_search(hosts_.begin(), hosts_.end(), from) || !checks_.allow(from, now_ms)) return;
  auto start = pob::accept_handover(*ended_, *h);
  if (!start) {
    ++refused_;
    return;
  }
  handover_ = core::Bytes(payload.begin(), payload.end());
  start_ = std::move(*start);
  start_->joined = true;
  out.cancel_timer(retry_timer);
  out.persist(std::string(handover_row), *handover_);
  out.deliver(std::string(deliver_segment_ended), {});
}

}  // namespace ios::protocol::transepoch
