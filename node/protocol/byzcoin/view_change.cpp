// ByzCoin view change (PBFT view change as cothority's byzcoin runs it; docs/PROTOCOLS.md §11.2).
// A member whose view timer fires (no final block at this height in time) signs a view_change
// for a higher view, carrying its highest prepare certificate, and sends it to all members.
//   - f+1 members asking for views ≥ w (one of them honest) make a member join with w;
//   - 2f+1 asking for views ≥ w move a member to w; the new leader sends new_view with those
//     2f+1 signed requests (so members that missed some can follow) and proposes the block of
//     the highest prepare certificate among them and its own lock (the PBFT re-proposal), or
//     a fresh body when nobody prepared anything;
//   - views only grow at one height; requests for views at or below the current one are
//     refused with Reject::stale_view (cothority #2264, #1835), and the requester is sent the
//     proof of the current view once per view;
//   - the timeout doubles per failed view at one height, capped (view_timeout_doublings_max).
// Attacks this stops: forged requests (Ed25519 over the signed part, bound to the sender's
// roster key); a Byzantine member inflating the count (one request per sender counts, the
// latest); a fake certificate in a request (cosi_verify against the roster and quorum); a
// new_view without a quorum of distinct, valid, high-enough requests.
#include <algorithm>
#include <functional>
#include <set>
#include <utility>

#include "node/crypto/ed25519.hpp"
#include "node/protocol/byzcoin/engine.hpp"

namespace ios::protocol::byzcoin {

using core::Reject;

void ByzcoinEngine::start_view_change(TimeMs now, std::uint64_t target, Effects& out) {
  if (!is_member()) return;
  IOS_ASSERT(target > view_);
  requested_view_ = std::max(requested_view_, target);
  reset_round(out);  // no more votes in the views this member leaves
  ViewChange vc;
  vc.height = height();
  vc.view = requested_view_;
  vc.sender = self();
  if (lock_) {
    vc.prepared = ViewChange::Prepared{.view = lock_->view,
                                       .prev = lock_->prev,
                                       .block = chain::block_hash(height(), lock_->prev, lock_->body),
                                       .prepare = lock_->prepare};
    vc.body = lock_->body;
  }
  vc.sig = crypto::sign_tagged(*config_.signing_key, view_change_tag, config_.domain, view_change_signed_part(vc));
  ++stats_.view_change_requests;
  const core::Bytes payload = encode(vc);
  for (std::uint32_t i = 0; i < n_; ++i)
    if (i != self()) send_member(i, payload, out);
  view_requests_[self()] = std::move(vc);
  arm(TimerKind::view, now + view_timeout(requested_view_), out);
  evaluate_view_changes(now, out);
}

core::Status ByzcoinEngine::on_view_change(TimeMs now, NodeId from, const ViewChange& m, Effects& out) {
  if (from != node_of(m.sender))
    return core::reject(Reject::not_in_roster, "view_change of member " + std::to_string(m.sender) +
                                                   " arrived from node " + std::to_string(from));
  if (m.view <= view_) {
    // A member behind us: show it why we are here, once per view.
    if (view_ > 0 && !view_proof_.empty() && proof_sent_[m.sender] < view_) {
      proof_sent_[m.sender] = view_;
      send_member(m.sender, encode(NewView{.height = height(), .view = view_, .sender = self(), .proof = view_proof_}), out);
    }
    return core::reject(Reject::stale_view, "view_change to view " + std::to_string(m.view) +
                                                ", this member is in view " + std::to_string(view_));
  }
  if (auto ok = check_view_change(m); !ok) return ok;
  auto it = view_requests_.find(m.sender);
  if (it != view_requests_.end() && it->second.view >= m.view) return core::Ok{};  // not newer
  view_requests_[m.sender] = m;
  evaluate_view_changes(now, out);
  return core::Ok{};
}

core::Status ByzcoinEngine::check_view_change(const ViewChange& m) const {
  if (!crypto::verify_tagged(config_.roster->keys()[m.sender].public_key(), view_change_tag, config_.domain,
                             view_change_signed_part(m), m.sig))
    return core::reject(Reject::bad_signature, "view_change of member " + std::to_string(m.sender));
  if (!m.prepared) return core::Ok{};
  const auto& p = *m.prepared;
  if (p.view >= m.view) return core::reject(Reject::bad_proof, "prepared certificate is not from an earlier view");
  if (p.prev != tip_) return core::reject(Reject::wrong_height, "prepared block builds on another parent block");
  if (auto ok = check_certificate(p.view, p.block, p.prepare); !ok) return ok;
  if (m.body && chain::block_hash(m.height, p.prev, *m.body) != p.block)
    return core::reject(Reject::bad_proof, "view_change body does not hash to its prepared block");
  return core::Ok{};
}

void ByzcoinEngine::evaluate_view_changes(TimeMs now, Effects& out) {
  std::vector<std::uint64_t> views;
  for (const auto& [sender, vc] : view_requests_) views.push_back(vc.view);
  std::sort(views.begin(), views.end(), std::greater<>());
  if (views.size() >= f_ + 1) {
    const std::uint64_t join = views[f_];
    if (join > std::max(view_, requested_view_)) return start_view_change(now, join, out);  // re-evaluates
  }
  if (views.size() < quorum_) return;
  const std::uint64_t target = views[quorum_ - 1];
  if (target <= view_) return;
  std::vector<ViewChange> proof;
  for (const auto& [sender, vc] : view_requests_) {
    if (vc.view < target) continue;
    proof.push_back(vc);
    proof.back().body.reset();
  }
  move_to_view(now, target, std::move(proof), out);
}

core::Status ByzcoinEngine::on_new_view(TimeMs now, NodeId, const NewView& m, Effects& out) {
  if (m.view == view_) return core::Ok{};  // already here
  if (m.view < view_)
    return core::reject(Reject::stale_view, "new_view for view " + std::to_string(m.view) +
                                                ", this member is in view " + std::to_string(view_));
  std::set<std::uint32_t> senders;
  for (const auto& vc : m.proof) {
    if (vc.height != height() || vc.view < m.view)
      return core::reject(Reject::bad_proof, "new_view quotes a view_change for another height or a lower view");
    if (!senders.insert(vc.sender).second)
      return core::reject(Reject::duplicate, "new_view quotes member " + std::to_string(vc.sender) + " twice");
    if (!crypto::verify_tagged(config_.roster->keys()[vc.sender].public_key(), view_change_tag, config_.domain,
                               view_change_signed_part(vc), vc.sig))
      return core::reject(Reject::bad_signature, "new_view quotes a forged view_change of member " +
                                                     std::to_string(vc.sender));
  }
  if (senders.size() < quorum_)
    return core::reject(Reject::bad_proof, "new_view with " + std::to_string(senders.size()) +
                                               " view changes, quorum " + std::to_string(quorum_));
  move_to_view(now, m.view, m.proof, out);
  return core::Ok{};
}

void ByzcoinEngine::move_to_view(TimeMs now, std::uint64_t view, std::vector<ViewChange> proof, Effects& out) {
  IOS_ASSERT(view > view_);
  IOS_ASSERT(proof.size() >= quorum_);
  view_ = view;
  requested_view_ = view;  // take part in this view; a later timeout asks for the next one
  ++stats_.view_changes;
  reset_round(out);
  view_block_.reset();
  view_proof_ = std::move(proof);
  arm(TimerKind::view, now + view_timeout(view_), out);
  if (leads_now()) {
    const core::Bytes payload = encode(NewView{.height = height(), .view = view_, .sender = self(), .proof = view_proof_});
    for (std::uint32_t i = 0; i < n_; ++i)
      if (i != self()) send_member(i, payload, out);
    propose(now, out);
  }
  replay_buffer(now, out);
}

std::optional<PreparedBlock> ByzcoinEngine::best_prepared() const {
  std::optional<PreparedBlock> best = lock_;
  for (const auto& [sender, vc] : view_requests_) {
    if (!vc.prepared || !vc.body) continue;
    if (best && best->view >= vc.prepared->view) continue;
    best = PreparedBlock{.view = vc.prepared->view, .prev = vc.prepared->prev, .body = *vc.body, .prepare = vc.prepared->prepare};
  }
  return best;
}

}  // namespace ios::protocol::byzcoin
