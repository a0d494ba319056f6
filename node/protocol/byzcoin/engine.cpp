// ByzCoin engine: classification of peer input, the finalized chain, persistence, timers and
// catch-up (engine.hpp has the protocol, its invariants and the attacks it stops). The rounds
// a node leads are in leader.cpp, the rounds it witnesses in witness.cpp, view changes in
// view_change.cpp.
#include "node/protocol/byzcoin/engine.hpp"

#include <algorithm>
#include <utility>

#include "node/core/encoding.hpp"

namespace ios::protocol::byzcoin {

namespace {
constexpr std::uint64_t timer_generation_mask = (std::uint64_t{1} << 48) - 1;

std::uint64_t height_of(const Message& m) {
  return std::visit(
      [](const auto& x) -> std::uint64_t {
        if constexpr (requires { x.height; }) {
          return x.height;
        } else {
          return 0;
        }
      },
      m);
}
}  // namespace

ByzcoinEngine::ByzcoinEngine(ByzcoinConfig config, ByzcoinApp& app, crypto::CosiSigner* signer, core::Rng& rng,
                             const std::map<std::string, core::Bytes, std::less<>>& store)
    : config_(std::move(config)), app_(app), signer_(signer), rng_(rng), height_(config_.first_height), tip_(config_.first_prev) {
  IOS_ASSERT(config_.roster != nullptr);
  n_ = static_cast<std::uint32_t>(config_.roster->size());
  IOS_ASSERT(n_ >= 1);
  IOS_ASSERT(config_.members.size() == n_);
  IOS_ASSERT(config_.phase_timeout_ms >= 2);
  IOS_ASSERT(config_.view_timeout_ms > 0);
  quorum_ = chain::byzcoin_quorum(n_);
  f_ = n_ - quorum_;
  if (config_.self) {
    IOS_ASSERT(*config_.self < n_);
    IOS_ASSERT(signer_ != nullptr);
    IOS_ASSERT(config_.signing_key != nullptr);
    IOS_ASSERT(signer_->public_key() == config_.roster->keys()[*config_.self].public_key());
    IOS_ASSERT(config_.signing_key->public_key() == signer_->public_key());
  }
  for (const auto& [key, value] : store)
    if (key.starts_with("byzcoin/")) stored_.emplace(key, value);
}

std::uint64_t ByzcoinEngine::rejected(core::Reject reason) const {
  auto it = rejected_.find(reason);
  return it == rejected_.end() ? 0 : it->second;
}

const chain::FinalizedBlock* ByzcoinEngine::final_at(std::uint64_t height) const {
  if (height < recent_from() || height >= height_) return nullptr;
  return &recent_[height - recent_from()];
}

std::optional<core::Hash32> ByzcoinEngine::locked_block() const {
  if (!lock_) return std::nullopt;
  return chain::block_hash(height(), lock_->prev, lock_->body);
}

// ---- inputs ----------------------------------------------------------------------------------

void ByzcoinEngine::on_start(TimeMs now, Effects& out) {
  replay_store(now, out);
  if (ended_) return;
  arm(TimerKind::sync, now + config_.view_timeout_ms, out);
  sync_poll_height_ = height();
  // A restarted member or a new observer asks one member for what it missed; the rest comes
  // from the pushes of later finals and the sync timer.
  if (!is_member()) {
    request_sync(now, node_of(0), true, out);
  } else if (n_ > 1) {
    request_sync(now, node_of((self() + 1) % n_), true, out);
  }
}

void ByzcoinEngine::on_message(TimeMs now, NodeId from, core::ByteView payload, Effects& out) {
  auto status = receive(now, from, payload, out);
  if (status) return;
  ++stats_.rejected;
  ++rejected_[status.error().reason];
  last_reject_ = status.error();
}

void ByzcoinEngine::on_timer(TimeMs now, TimerId id, Effects& out) {
  if (!owns_timer(id) || ended_) return;
  const auto kind = static_cast<TimerKind>((id >> 48) & 0xff);
  if ((id & timer_generation_mask) != timer_gen_[kind]) return;  // re-armed or cancelled since
  switch (kind) {
    case TimerKind::block:
      if (leads_now() && !proposed_) propose(now, out);
      return;
    case TimerKind::view:
      return start_view_change(now, std::max(view_, requested_view_) + 1, out);
    case TimerKind::phase:
      return on_phase_timer(now, out);
    case TimerKind::subtree:
      return on_subtree_timer(now, out);
    case TimerKind::sync:
      return on_sync_timer(now, out);
  }
}

// Classify, then handle: ignore stale, reject bad, buffer future, handle current.
core::Status ByzcoinEngine::receive(TimeMs now, NodeId from, core::ByteView payload, Effects& out) {
  if (!known_peer(from))
    return core::reject(core::Reject::not_in_roster,
                        "node " + std::to_string(from) + " is neither member nor observer");
  if (is_member() && from == node_of(self()))
    return core::reject(core::Reject::not_in_roster, "a message in this member's own name");
  auto decoded = decode_message(payload, n_);
  if (!decoded) return decoded.error();
  const Message& m = *decoded;
  if (const auto* s = std::get_if<SyncRequest>(&m)) return on_sync_request(now, from, *s, out);
  if (ended_) return core::Ok{};  // the next roster goes on; this one only serves what it has
  if (const auto* f = std::get_if<FinalMsg>(&m)) return on_final_msg(now, from, *f, out);
  if (const auto* s = std::get_if<SyncResponse>(&m)) return on_sync_response(now, from, *s, out);
  if (!is_member()) return core::Ok{};  // observers take no part in rounds or view changes
  const std::uint64_t h = height_of(m);
  if (h < height()) {
    // A late message of a finalized height. A view change from there means its sender missed
    // the final block (a lost push): send it what it lacks instead of waiting for its sync.
    if (std::holds_alternative<ViewChange>(m)) return on_sync_request(now, from, SyncRequest{h}, out);
    return core::Ok{};
  }
  if (h > height()) {
    buffer(from, payload);
    request_sync(now, from, false, out);  // rate-limited; we may have missed a final block
    return core::Ok{};
  }
  if (const auto* v = std::get_if<ViewChange>(&m)) return on_view_change(now, from, *v, out);
  if (const auto* v = std::get_if<NewView>(&m)) return on_new_view(now, from, *v, out);
  const std::uint64_t v = std::visit(
      [](const auto& x) -> std::uint64_t {
        if constexpr (requires { x.view; }) {
          return x.view;
        } else {
          return 0;
        }
      },
      m);
  if (v < view_)
    return core::reject(core::Reject::stale_view,
                        "message of view " + std::to_string(v) + ", this member is in view " + std::to_string(view_));
  if (v > view_) {
    buffer(from, payload);
    return core::Ok{};
  }
  return dispatch_round(now, from, m, out);
}

core::Status ByzcoinEngine::dispatch_round(TimeMs now, NodeId from, const Message& m, Effects& out) {
  if (const auto* a = std::get_if<Announce>(&m)) return on_announce(now, from, *a, out);
  if (const auto* c = std::get_if<Challenge>(&m)) return on_challenge(now, from, *c, out);
  if (const auto* c = std::get_if<Commitment>(&m)) {
    if (from != node_of(c->sender))
      return core::reject(core::Reject::not_in_roster, "commitment of member " + std::to_string(c->sender) +
                                                           " arrived from node " + std::to_string(from));
    return leads_now() ? on_commitment(now, from, *c, out) : on_child_commitment(*c, out);
  }
  if (const auto* r = std::get_if<Response>(&m)) {
    if (from != node_of(r->sender))
      return core::reject(core::Reject::not_in_roster, "response of member " + std::to_string(r->sender) +
                                                           " arrived from node " + std::to_string(from));
    return leads_now() ? on_response(now, from, *r, out) : on_child_response(*r, out);
  }
  IOS_ASSERT(false);  // receive() handled every other kind
  return core::Ok{};
}

void ByzcoinEngine::buffer(NodeId from, core::ByteView payload) {
  // Bounded overall and per peer, so one Byzantine peer cannot crowd out the others.
  auto& count = future_per_peer_[from];
  if (future_.size() >= future_messages_max || count >= future_messages_per_peer_max) {
    ++stats_.buffered_dropped;
    return;
  }
  ++count;
  future_.push_back(Pending{from, core::Bytes(payload.begin(), payload.end())});
}

void ByzcoinEngine::replay_buffer(TimeMs now, Effects& out) {
  // Handling a buffered message may advance the height or view again; that pass re-runs here
  // instead of recursing.
  if (replaying_) {
    replay_again_ = true;
    return;
  }
  replaying_ = true;
  do {
    replay_again_ = false;
    auto pending = std::move(future_);
    future_.clear();
    future_per_peer_.clear();
    for (const auto& p : pending) on_message(now, p.from, p.payload, out);
  } while (replay_again_);
  replaying_ = false;
}

bool ByzcoinEngine::known_peer(NodeId id) const {
  return std::find(config_.members.begin(), config_.members.end(), id) != config_.members.end() ||
         std::find(config_.observers.begin(), config_.observers.end(), id) != config_.observers.end();
}

std::uint32_t ByzcoinEngine::leader_index(core::Height height, core::View view) const {
  return static_cast<std::uint32_t>((height.value % n_ + view.value % n_) % n_);
}

bool ByzcoinEngine::leads_now() const {
  return is_member() && leader_index(core::Height{height()}, core::View{view_}) == self();
}

void ByzcoinEngine::send_member(std::uint32_t member, core::Bytes payload, Effects& out) {
  IOS_ASSERT(member < n_);
  IOS_ASSERT(!is_member() || member != self());
  out.send(node_of(member), std::move(payload));
}

// ---- timers ----------------------------------------------------------------------------------

void ByzcoinEngine::arm(TimerKind kind, TimeMs at, Effects& out) {
  disarm(kind, out);
  const std::uint64_t gen = ++timer_gen_[kind] & timer_generation_mask;
  out.set_timer(std::uint64_t{message_tag} << 56 | std::uint64_t{static_cast<std::uint8_t>(kind)} << 48 | gen, at);
}

void ByzcoinEngine::disarm(TimerKind kind, Effects& out) {
  auto& gen = timer_gen_[kind];
  if (gen == 0) return;
  out.cancel_timer(std::uint64_t{message_tag} << 56 | std::uint64_t{static_cast<std::uint8_t>(kind)} << 48 |
                   (gen & timer_generation_mask));
  ++gen;  // a timer already firing is ignored too
}

TimeMs ByzcoinEngine::view_timeout(std::uint64_t view) const {
  const auto doublings = static_cast<std::uint32_t>(std::min<std::uint64_t>(view, view_timeout_doublings_max));
  return config_.view_timeout_ms << doublings;
}

// ---- the finalized chain ---------------------------------------------------------------------

core::Status ByzcoinEngine::accept_block(const chain::FinalizedBlock& block) const {
  if (block.height != height())
    return core::reject(core::Reject::wrong_height,
                        "block " + std::to_string(block.height) + ", expected " + std::to_string(height()));
  if (block.prev != tip_)
    return core::reject(core::Reject::wrong_height, "block does not link to the last final block");
  return chain::verify_finality(block, *config_.roster, config_.domain);
}

core::Status ByzcoinEngine::on_final_msg(TimeMs now, NodeId from, const FinalMsg& m, Effects& out) {
  if (m.block.height < height()) return core::Ok{};
  if (m.block.height > height()) {
    buffer(from, encode(m));
    request_sync(now, from, false, out);
    return core::Ok{};
  }
  if (auto ok = accept_block(m.block); !ok) return ok;
  apply_final(now, m.block, true, out);
  replay_buffer(now, out);
  return core::Ok{};
}

// Persist, then apply, then move to the next height. The caller checked accept_block.
void ByzcoinEngine::apply_final(TimeMs now, const chain::FinalizedBlock& block, bool persist, Effects& out) {
  IOS_ASSERT(block.height == height());
  IOS_ASSERT(block.prev == tip_);
  if (persist) out.persist(block_key(block.height), chain::encode(block));
  recent_.push_back(block);
  ++height_;
  if (recent_.size() > final_blocks_in_memory_max) recent_.pop_front();  // on disk: served by Load
  tip_ = recent_.back().hash();
  app_.on_final(recent_.back(), out);
  enter_height(now, out);
}

void ByzcoinEngine::enter_height(TimeMs now, Effects& out) {
  if (app_.ended()) {
    ended_ = true;
    reset_round(out);
    disarm(TimerKind::view, out);
    disarm(TimerKind::block, out);
    disarm(TimerKind::sync, out);
    return;
  }
  view_ = 0;
  vote_.reset();
  lock_.reset();
  view_block_.reset();
  validated_.reset();
  reset_round(out);
  view_requests_.clear();
  requested_view_ = 0;
  view_proof_.clear();
  proof_sent_.clear();
  if (!is_member()) return;
  arm(TimerKind::view, now + view_timeout(0), out);
  arm(TimerKind::block, now + config_.block_interval_ms, out);
}

void ByzcoinEngine::reset_round(Effects& out) {
  // A superseded round never keeps its commitment (cosi.hpp: one open commitment per signer).
  if (signer_ != nullptr && signer_->has_open_commitment()) signer_->abandon();
  lead_.reset();
  witness_.reset();
  proposed_ = false;
  disarm(TimerKind::phase, out);
  disarm(TimerKind::subtree, out);
}

// Check the same property at both ends: a persisted block is verified again when loaded.
void ByzcoinEngine::replay_store(TimeMs now, Effects& out) {
  for (std::uint64_t h = config_.first_height; !ended_; ++h) {
    auto it = stored_.find(block_key(h));
    if (it == stored_.end()) break;
    auto block = chain::decode_finalized_block(it->second);
    core::Status ok = block ? accept_block(*block) : core::Status(block.error());
    if (!ok) {
      last_reject_ = core::reject(ok.error().reason, "persisted " + block_key(h) + ": " + ok.error().detail);
      break;  // what follows is fetched again from peers
    }
    apply_final(now, *block, false, out);
  }
  if (is_member() && !ended_) {
    if (auto bytes = stored_at_height(vote_key(), legacy_vote_key(height()), [](core::ByteView b) {
          auto v = decode_vote(b);
          IOS_ASSERT(v.ok());  // written by this code only
          return v->height;
        })) {
      vote_ = *decode_vote(*bytes);
      view_ = vote_->view;  // views never go back, not even across a restart
    }
    if (auto bytes = stored_at_height(lock_key(), legacy_lock_key(height()), [](core::ByteView b) {
          auto l = decode_lock(b);
          IOS_ASSERT(l.ok());
          return l->height;
        })) {
      auto lock = decode_lock(*bytes);
      IOS_ASSERT(check_certificate(lock->prepared.view,
                                   chain::block_hash(height(), lock->prepared.prev, lock->prepared.body),
                                   lock->prepared.prepare)
                     .ok());
      lock_ = lock->prepared;
      view_ = std::max(view_, lock_->view);
    }
    arm(TimerKind::view, now + view_timeout(view_), out);
    arm(TimerKind::block, now + config_.block_interval_ms, out);
  }
  stored_.clear();
}

void ByzcoinEngine::record_vote(std::uint64_t view, Phase phase, const core::Hash32& block, Effects& out) {
  const Vote v{.height = height(), .view = view, .phase = phase, .block = block};
  if (vote_ == v) return;
  vote_ = v;
  out.persist(vote_key(), encode(v));
}

void ByzcoinEngine::record_lock(const PreparedBlock& prepared, Effects& out) {
  if (lock_ && lock_->view >= prepared.view) return;
  lock_ = prepared;
  out.persist(lock_key(), encode(LockRecord{.height = height(), .prepared = prepared}));
}

template <class HeightOf>
std::optional<core::Bytes> ByzcoinEngine::stored_at_height(const std::string& key, const std::string& legacy_key,
                                                           HeightOf height_of_record) const {
  if (auto it = stored_.find(key); it != stored_.end() && height_of_record(it->second) == height()) return it->second;
  if (auto it = stored_.find(legacy_key); it != stored_.end()) return it->second;
  return std::nullopt;
}

core::Status ByzcoinEngine::check_certificate(std::uint64_t view, const core::Hash32& block,
                                              const crypto::CollectiveSignature& sig) const {
  auto ok = crypto::cosi_verify(*config_.roster, chain::prepare_message(config_.domain, core::Height{height()}, core::View{view}, block), sig,
                                quorum_);
  if (!ok)
    return core::reject(core::Reject::bad_signature,
                        "prepare certificate of view " + std::to_string(view) + ": " + ok.error().detail);
  return core::Ok{};
}

// ---- catch-up --------------------------------------------------------------------------------

void ByzcoinEngine::request_sync(TimeMs now, NodeId to, bool force, Effects& out) {
  if (is_member() && to == node_of(self())) return;
  if (!force && synced_once_ && now < last_sync_ms_ + config_.phase_timeout_ms) return;
  synced_once_ = true;
  last_sync_ms_ = now;
  ++stats_.sync_requests;
  out.send(to, encode(SyncRequest{height()}));
}

core::Status ByzcoinEngine::on_sync_request(TimeMs now, NodeId from, const SyncRequest& m, Effects& out) {
  if (m.from_height >= height()) return core::Ok{};
  auto& budget = sync_budget_[from];
  if (now >= budget.window_start_ms + 1000 || now < budget.window_start_ms) budget = SyncBudget{now, 0};
  if (budget.bytes >= sync_response_bytes_per_peer_per_s_max) {
    ++stats_.sync_requests_refused;
    return core::Ok{};  // not a fault of the message: a catching-up peer asks again later
  }
  const auto from_height = std::max(m.from_height, config_.first_height);
  if (from_height < recent_from()) return sync_from_store(from, from_height, out);
  SyncResponse r;
  std::size_t bytes = 0;
  add_recent(r, bytes, from_height);
  send_sync(from, r, bytes, now, out);
  return core::Ok{};
}

// Blocks older than the ones in memory: read back what this engine persisted (Load), answered
// in on_loaded. The read is bounded like an answer (sync_blocks_max blocks, and the driver stops
// at sync_response_bytes_max); one pending per peer and store_syncs_pending_max in all, and the
// answer is charged to the peer's byte budget, so a peer asking for height 0 again and again
// costs at most one answer's read per budget window.
core::Status ByzcoinEngine::sync_from_store(NodeId from, std::uint64_t from_height, Effects& out) {
  const bool busy = store_syncs_.size() >= store_syncs_pending_max ||
                    std::any_of(store_syncs_.begin(), store_syncs_.end(), [&](const auto& p) { return p.second == from; });
  if (busy) {
    ++stats_.sync_requests_refused;
    return core::Ok{};
  }
  std::vector<std::string> keys;
  for (auto h = from_height; h < recent_from() && keys.size() < sync_blocks_max; ++h) keys.push_back(block_key(h));
  const auto id = next_load_++;
  store_syncs_.emplace(id, from);
  ++stats_.sync_loads;
  out.load(id, std::move(keys), sync_response_bytes_max);
  return core::Ok{};
}

void ByzcoinEngine::on_loaded(TimeMs now, std::uint64_t id, std::vector<std::optional<core::Bytes>> values,
                              Effects& out) {
  auto it = store_syncs_.find(id);
  IOS_ASSERT(it != store_syncs_.end() && "on_loaded answers a Load this engine emitted");
  const NodeId to = it->second;
  store_syncs_.erase(it);
  SyncResponse r;
  std::size_t bytes = 0;
  for (auto& v : values) {
    // This engine persisted every block below its height before applying it: a missing or
    // undecodable row is a broken store, not a peer's doing.
    IOS_ASSERT(v.has_value() && "a final block this engine persisted is in its store");
    auto block = chain::decode_finalized_block(*v);
    IOS_ASSERT(block.ok() && "a persisted final block decodes");
    if (!add_to_answer(r, bytes, std::move(*block))) break;
  }
  // The read may end where memory begins: the rest of the answer comes from there, so a
  // requester gets whole answers (it asks again at once only after one of sync_blocks_max).
  if (!r.blocks.empty()) add_recent(r, bytes, r.blocks.back().height + 1);
  send_sync(to, r, bytes, now, out);
}

// Appends the final blocks in memory from `from` on, as long as they follow `r`'s last, within
// sync_blocks_max blocks and sync_response_bytes_max (counting `bytes` already in `r`).
void ByzcoinEngine::add_recent(SyncResponse& r, std::size_t& bytes, std::uint64_t from) const {
  for (auto h = from; h < height() && r.blocks.size() < sync_blocks_max; ++h) {
    const auto* b = final_at(h);
    if (b == nullptr || !add_to_answer(r, bytes, *b)) return;  // left memory meanwhile, or the answer is full
  }
}

// Adds `b` unless the answer would pass sync_response_bytes_max (the first block always fits).
bool ByzcoinEngine::add_to_answer(SyncResponse& r, std::size_t& bytes, chain::FinalizedBlock b) {
  const std::size_t size = b.body.size() + 512;
  if (!r.blocks.empty() && bytes + size > sync_response_bytes_max) return false;
  bytes += size;
  r.blocks.push_back(std::move(b));
  return true;
}

// Sends a sync answer and charges it to the peer's byte budget.
void ByzcoinEngine::send_sync(NodeId to, const SyncResponse& r, std::size_t bytes, TimeMs now, Effects& out) {
  auto& budget = sync_budget_[to];
  if (now >= budget.window_start_ms + 1000 || now < budget.window_start_ms) budget = SyncBudget{now, 0};
  budget.bytes += bytes;
  out.send(to, encode(r));
}

core::Status ByzcoinEngine::on_sync_response(TimeMs now, NodeId from, const SyncResponse& m, Effects& out) {
  const std::uint64_t before = height();
  for (const auto& b : m.blocks) {
    if (b.height < height()) continue;
    if (b.height > height()) break;  // a gap: not linkable
    if (auto ok = accept_block(b); !ok) return ok;
    apply_final(now, b, true, out);
  }
  if (height() > before) {
    if (m.blocks.size() == sync_blocks_max) request_sync(now, from, true, out);  // there may be more
    replay_buffer(now, out);
  }
  return core::Ok{};
}

void ByzcoinEngine::on_sync_timer(TimeMs now, Effects& out) {
  // No progress for a whole view timeout: ask the next member in turn (a lost final, a
  // partition that healed, an observer that fell behind).
  if (height() == sync_poll_height_ && n_ > (is_member() ? 1u : 0u)) {
    sync_peer_ = (sync_peer_ + 1) % n_;
    if (is_member() && sync_peer_ == self()) sync_peer_ = (sync_peer_ + 1) % n_;
    request_sync(now, node_of(sync_peer_), true, out);
  }
  sync_poll_height_ = height();
  arm(TimerKind::sync, now + config_.view_timeout_ms, out);
}

}  // namespace ios::protocol::byzcoin
