// ByzCoin, the rounds a node witnesses as a leaf or a sub-leader (ByzCoin §4; docs/PROTOCOLS.md
// §3.1, §3.5, §11). Invariants:
//   - an announcement is checked before anything else: the leader of (h, v), relayed only by
//     the leader or this node's parent in the tree, signed by the leader, on our parent block;
//     two different blocks from one leader in one view are equivocation (refused, and this
//     node asks for a view change);
//   - judge(): at most one block per (h, v) (the persisted vote), the PBFT lock, and the
//     application's validation; a refusal is an absent bit, never a lie;
//   - vote and lock are persisted before the commitment leaves (persist before you speak);
//   - a new attempt abandons the open commitment; a challenge is answered only with the
//     commitment of its own attempt, and only after A_M and c are recomputed (respond());
//   - a sub-leader checks each leaf's response with verify_partial and drops a bad one
//     instead of summing it; the leader then restarts without that leaf.
#include <algorithm>
#include <utility>

#include "node/crypto/ed25519.hpp"
#include "node/protocol/byzcoin/engine.hpp"

namespace ios::protocol::byzcoin {

using core::Reject;

core::Status ByzcoinEngine::on_announce(TimeMs now, NodeId from, const Announce& a, Effects& out) {
  if (!a.invited.contains(self())) return core::Ok{};  // left out of this attempt
  if (a.leader == self()) return core::reject(Reject::wrong_leader, "announce in this member's own name");
  if (requested_view_ > a.view)
    return core::reject(Reject::stale_view, "this member asked to leave view " + std::to_string(a.view));
  if (witness_) {
    const auto current = std::pair(witness_->announce.phase, witness_->announce.attempt);
    const auto got = std::pair(a.phase, a.attempt);
    if (got < current) return core::Ok{};  // an older attempt
    if (got == current) return on_duplicate_announce(from, a, out);
  }
  if (auto ok = check_announce(from, a); !ok) {
    if (ok.error().reason == Reject::equivocation) start_view_change(now, std::max(view_, requested_view_) + 1, out);
    return ok;
  }
  view_block_ = a.block();
  if (a.phase == Phase::commit) record_lock(PreparedBlock{.view = a.view, .prev = a.prev, .body = a.body, .prepare = *a.certificate}, out);
  if (signer_->has_open_commitment()) signer_->abandon();  // the previous attempt is superseded
  disarm(TimerKind::subtree, out);
  witness_.emplace();
  WitnessRound& w = *witness_;
  w.announce = a;
  w.message = round_message(a);
  w.parent = from;
  w.sent_mask = crypto::CosiMask(n_);
  if (a.relay) w.children = make_tree(a.leader, a.invited, !config_.tree).children_of(self());
  auto verdict = judge(a);
  if (verdict) {
    record_vote(a.view, a.phase, a.block(), out);
    w.own = signer_->commit(rng_);
  }
  if (w.children.empty()) {
    send_commitment(out);
    return verdict;
  }
  Announce forward = a;
  forward.relay = false;
  const core::Bytes payload = encode(forward);
  for (auto c : w.children) send_member(c, payload, out);
  arm(TimerKind::subtree, now + config_.phase_timeout_ms / 2, out);
  return verdict;
}

core::Status ByzcoinEngine::check_announce(NodeId from, const Announce& a) const {
  if (a.leader != leader_index(core::Height{a.height}, core::View{a.view}))
    return core::reject(Reject::wrong_leader, "announce names member " + std::to_string(a.leader) + ", the leader is " +
                                                  std::to_string(leader_index(core::Height{a.height}, core::View{a.view})));
  const NodeId leader_node = node_of(a.leader);
  const auto parent = make_tree(a.leader, a.invited, !config_.tree).parent_of(self());
  if (from != leader_node && !(parent && from == node_of(*parent)))
    return core::reject(Reject::wrong_leader, "announce relayed by node " + std::to_string(from) + ", not my parent");
  if (a.relay && (from != leader_node || parent != a.leader))
    return core::reject(Reject::non_canonical, "only the leader makes a sub-leader, and only of its children");
  if (a.prev != tip_) return core::reject(Reject::wrong_height, "announce builds on another parent block");
  if (!crypto::verify_tagged(config_.roster->keys()[a.leader].public_key(), announce_tag, config_.domain,
                             announce_signed_part(a), a.sig))
    return core::reject(Reject::bad_signature, "announce not signed by the leader");
  if (view_block_ && *view_block_ != a.block())
    return core::reject(Reject::equivocation, "leader " + std::to_string(a.leader) + " announced two blocks in view " +
                                                  std::to_string(a.view));
  if (a.phase == Phase::commit) {
    if (!a.certificate || a.certificate_view != a.view)
      return core::reject(Reject::bad_proof, "commit announce without this view's prepare certificate");
    return check_certificate(a.view, a.block(), *a.certificate);
  }
  if (a.certificate) {
    if (a.certificate_view >= a.view)
      return core::reject(Reject::bad_proof, "re-proposal certificate is not from an earlier view");
    return check_certificate(a.certificate_view, a.block(), *a.certificate);
  }
  return core::Ok{};
}

core::Status ByzcoinEngine::judge(const Announce& a) {
  const core::Hash32 block = a.block();
  // One block per (h, v), also across a restart (vote_ is reloaded from the store).
  if (vote_ && vote_->height == a.height && vote_->view == a.view && vote_->block != block)
    return core::reject(Reject::equivocation, "already voted for another block at height " + std::to_string(a.height) +
                                                  " view " + std::to_string(a.view));
  if (a.phase == Phase::commit) return core::Ok{};  // σ_p: 2f+1 validated it
  // The PBFT lock: only a certificate newer than ours may move us to another block.
  if (lock_ && chain::block_hash(a.height, lock_->prev, lock_->body) != block &&
      (!a.certificate || a.certificate_view <= lock_->view))
    return core::reject(Reject::bad_proof,
                        "locked on another block since view " + std::to_string(lock_->view) +
                            "; the proposal carries no newer prepare certificate");
  if (validated_ != block) {
    if (auto ok = app_.validate(a.height, a.prev, a.body); !ok) return ok;
    validated_ = block;
  }
  return core::Ok{};
}

// The same attempt again: a repeat (ignored), or the leader's star fallback asking this node
// directly, because its sub-leader was silent: answer the leader with the same commitment.
core::Status ByzcoinEngine::on_duplicate_announce(NodeId from, const Announce& a, Effects& out) {
  WitnessRound& w = *witness_;
  if (from != node_of(a.leader) || a.relay || w.parent == from) return core::Ok{};
  if (auto ok = check_announce(from, a); !ok) return ok;
  w.parent = from;
  w.children.clear();
  w.child_commitments.clear();
  w.commitment_sent = false;
  disarm(TimerKind::subtree, out);
  send_commitment(out);
  return core::Ok{};
}

void ByzcoinEngine::send_commitment(Effects& out) {
  WitnessRound& w = *witness_;
  if (w.commitment_sent) return;
  w.commitment_sent = true;
  disarm(TimerKind::subtree, out);
  std::vector<core::ByteArray<32>> points;
  crypto::CosiMask mask(n_);
  if (w.own) {
    points.push_back(*w.own);
    mask.set(self(), true);
  }
  for (const auto& [c, v] : w.child_commitments) {
    points.push_back(v);
    mask.set(c, true);
  }
  if (points.empty()) return;
  auto sum = crypto::sum_commitments(points);
  if (!sum) {
    // Leaves' commitments that cancel ours: keep only our own.
    w.child_commitments.clear();
    if (!w.own) return;
    mask = crypto::CosiMask(n_);
    mask.set(self(), true);
    sum = *w.own;
  }
  w.sent_mask = mask;
  const auto& a = w.announce;
  out.send(w.parent, encode(Commitment{.height = a.height, .view = a.view, .phase = a.phase, .attempt = a.attempt, .sender = self(), .commitment = *sum, .mask = mask}));
}

core::Status ByzcoinEngine::on_child_commitment(const Commitment& m, Effects& out) {
  if (!witness_ || witness_->commitment_sent) return core::Ok{};
  WitnessRound& w = *witness_;
  if (m.phase != w.announce.phase || m.attempt != w.announce.attempt) return core::Ok{};
  if (std::find(w.children.begin(), w.children.end(), m.sender) == w.children.end()) return core::Ok{};
  if (m.mask.count() != 1 || !m.mask.contains(m.sender))
    return core::reject(Reject::bad_proof, "a leaf's commitment must name exactly that leaf");
  if (w.child_commitments.contains(m.sender))
    return core::reject(Reject::duplicate, "second commitment from leaf " + std::to_string(m.sender));
  if (auto ok = crypto::sum_commitments(std::span(&m.commitment, 1)); !ok) return ok.error();
  w.child_commitments[m.sender] = m.commitment;
  if (w.child_commitments.size() == w.children.size()) send_commitment(out);
  return core::Ok{};
}

core::Status ByzcoinEngine::on_challenge(TimeMs now, NodeId from, const Challenge& m, Effects& out) {
  if (!witness_ || !witness_->commitment_sent) return core::Ok{};
  WitnessRound& w = *witness_;
  if (m.phase != w.announce.phase || m.attempt != w.announce.attempt) return core::Ok{};
  if (from != w.parent)
    return core::reject(Reject::wrong_leader, "challenge from node " + std::to_string(from) + ", not my parent");
  if (w.challenge) return core::reject(Reject::duplicate, "second challenge in one attempt");
  auto key = config_.roster->aggregate(m.participants);
  if (!key || *key != m.challenge.aggregate_key)
    return core::reject(Reject::bad_proof, "challenge key is not the aggregate of its participants");
  w.challenge = m;
  if (w.own && m.participants.contains(self())) {
    auto r = signer_->respond(m.challenge, w.message);  // recomputes c; a mismatch erases v
    if (!r) return r.error();
    w.own_response = *r;
  }
  bool waiting = false;
  const core::Bytes payload = encode(m);
  for (const auto& [c, v] : w.child_commitments) {
    if (!w.sent_mask.contains(c) || !m.participants.contains(c)) continue;
    send_member(c, payload, out);
    waiting = true;
  }
  if (!waiting) {
    send_response(out);
    return core::Ok{};
  }
  arm(TimerKind::subtree, now + config_.phase_timeout_ms / 2, out);
  return core::Ok{};
}

core::Status ByzcoinEngine::on_child_response(const Response& m, Effects& out) {
  if (!witness_ || !witness_->challenge || witness_->response_sent) return core::Ok{};
  WitnessRound& w = *witness_;
  if (m.phase != w.announce.phase || m.attempt != w.announce.attempt) return core::Ok{};
  auto v = w.child_commitments.find(m.sender);
  if (v == w.child_commitments.end() || !w.sent_mask.contains(m.sender)) return core::Ok{};
  if (m.mask.count() != 1 || !m.mask.contains(m.sender))
    return core::reject(Reject::bad_proof, "a leaf's response must name exactly that leaf");
  if (w.child_answered.contains(m.sender))
    return core::reject(Reject::duplicate, "second response from leaf " + std::to_string(m.sender));
  w.child_answered.insert(m.sender);
  core::Status verdict = core::Ok{};
  // Check before summing: a bad leaf response is dropped, not summed (the leader restarts
  // without the leaf), so it cannot spoil the subtree's aggregate.
  if (crypto::verify_partial(v->second, config_.roster->keys()[m.sender].public_key(), w.challenge->challenge.c,
                             m.response)) {
    w.child_responses[m.sender] = m.response;
  } else {
    verdict = core::reject(Reject::bad_signature, "response of leaf " + std::to_string(m.sender) +
                                                       " does not match its commitment");
  }
  std::size_t expected = 0;
  for (const auto& [c, unused] : w.child_commitments)
    if (w.sent_mask.contains(c) && w.challenge->participants.contains(c)) ++expected;
  if (w.child_answered.size() == expected) send_response(out);
  return verdict;
}

void ByzcoinEngine::send_response(Effects& out) {
  WitnessRound& w = *witness_;
  if (w.response_sent) return;
  w.response_sent = true;
  disarm(TimerKind::subtree, out);
  std::vector<core::ByteArray<32>> points;
  crypto::CosiMask mask(n_);
  if (w.own_response) {
    points.push_back(*w.own_response);
    mask.set(self(), true);
  }
  for (const auto& [c, r] : w.child_responses) {
    points.push_back(r);
    mask.set(c, true);
  }
  if (points.empty()) return;
  auto sum = crypto::sum_responses(points);
  IOS_ASSERT(sum.ok());  // every r was produced here or checked canonical by verify_partial
  const auto& a = w.announce;
  out.send(w.parent, encode(Response{.height = a.height, .view = a.view, .phase = a.phase, .attempt = a.attempt, .sender = self(), .response = *sum, .mask = mask}));
}

void ByzcoinEngine::on_subtree_timer(TimeMs, Effects& out) {
  if (!witness_) return;
  if (!witness_->commitment_sent) return send_commitment(out);
  if (witness_->challenge && !witness_->response_sent) send_response(out);
}

}  // namespace ios::protocol::byzcoin
