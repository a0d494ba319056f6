// ByzCoin, the rounds a node leads (ByzCoin §4; docs/PROTOCOLS.md §3.1, §3.5, §11.1–11.2): the
// prepare and the commit CoSi over the tree, the star fallback when a sub-leader is silent, and
// the restart with fresh commitments without witnesses that committed but did not respond
// (never an exception list, cosi.hpp). Invariants:
//   - the participant set M is fixed before c is computed and never changed afterwards;
//   - every head's aggregate response is checked with verify_partial before it is summed, so
//     the collective signature verifies by construction (asserted);
//   - the leader's own vote is persisted before its announcement leaves (persist before you
//     speak), like every witness's;
//   - attempts per phase are bounded; after that the leader waits for the view change.
#include <algorithm>
#include <utility>

#include "node/crypto/ed25519.hpp"
#include "node/protocol/byzcoin/engine.hpp"

namespace ios::protocol::byzcoin {

core::Bytes ByzcoinEngine::round_message(const Announce& a) const {
  if (a.phase == Phase::prepare) return chain::prepare_message(config_.domain, core::Height{a.height}, core::View{a.view}, a.block());
  IOS_ASSERT(a.certificate.has_value());
  return chain::commit_message(config_.domain, core::Height{a.height}, core::View{a.view}, a.block(), *a.certificate);
}

void ByzcoinEngine::propose(TimeMs now, Effects& out) {
  IOS_ASSERT(leads_now());
  if (proposed_ || requested_view_ > view_) return;
  Announce a;
  a.height = height();
  a.view = view_;
  a.phase = Phase::prepare;
  a.leader = self();
  a.invited = crypto::CosiMask::full(n_);
  a.prev = tip_;
  // PBFT lock: a block some member may be locked on is proposed again, with the certificate
  // that lets members locked on older certificates move to it.
  if (auto prepared = best_prepared()) {
    a.body = prepared->body;
    if (prepared->view < view_) {
      a.certificate = prepared->prepare;
      a.certificate_view = prepared->view;
    }
  } else {
    auto body = app_.propose(height(), tip_, now);
    if (!body) {  // nothing to propose yet: ask again one interval later
      arm(TimerKind::block, now + config_.block_interval_ms, out);
      return;
    }
    IOS_ASSERT(body->size() <= chain::finalized_body_bytes_max);
    a.body = std::move(*body);
  }
  proposed_ = true;
  start_attempt(now, std::move(a), out);
}

void ByzcoinEngine::start_attempt(TimeMs now, Announce a, Effects& out) {
  a.relay = false;
  a.sig = crypto::sign_tagged(*config_.signing_key, announce_tag, config_.domain, announce_signed_part(a));
  view_block_ = a.block();
  lead_.emplace();
  LeaderRound& r = *lead_;
  r.announce = std::move(a);
  r.message = round_message(r.announce);
  r.tree = make_tree(self(), r.announce.invited, !config_.tree);
  r.participants = crypto::CosiMask(n_);
  ++stats_.rounds_started;
  commit_own(r, out);  // persists the vote before anything is sent
  for (std::size_t i = 0; i < r.tree.subleaders.size(); ++i) {
    const std::uint32_t head = r.tree.subleaders[i];
    Announce copy = r.announce;
    copy.relay = !r.tree.leaves[i].empty();
    r.heads[head] = r.tree.subtree_of(head);
    send_member(head, encode(copy), out);
  }
  arm(TimerKind::phase, now + config_.phase_timeout_ms, out);
  if (r.heads.empty()) send_challenge(now, out);  // a roster of one
}

void ByzcoinEngine::commit_own(LeaderRound& r, Effects& out) {
  if (auto ok = judge(r.announce); !ok) {
    last_reject_ = ok.error();  // the leader refuses its own block: its bit stays absent
    return;
  }
  record_vote(r.announce.view, r.announce.phase, r.announce.block(), out);
  if (signer_->has_open_commitment()) signer_->abandon();
  crypto::CosiMask own(n_);
  own.set(self(), true);
  r.commitments[self()] = Contribution{signer_->commit(rng_), own};
}

core::Status ByzcoinEngine::on_commitment(TimeMs now, NodeId, const Commitment& m, Effects& out) {
  if (!lead_ || !lead_->committing) return core::Ok{};  // late
  LeaderRound& r = *lead_;
  if (m.phase != r.announce.phase || m.attempt != r.announce.attempt) return core::Ok{};  // another attempt
  auto head = r.heads.find(m.sender);
  if (head == r.heads.end()) return core::Ok{};  // e.g. a sub-leader replaced by the star fallback
  if (r.commitments.contains(m.sender))
    return core::reject(core::Reject::duplicate, "second commitment from member " + std::to_string(m.sender));
  if (m.mask.count() == 0) return core::reject(core::Reject::bad_proof, "commitment with an empty mask");
  for (std::uint32_t i = 0; i < n_; ++i) {
    if (m.mask.contains(i) && std::find(head->second.begin(), head->second.end(), i) == head->second.end())
      return core::reject(core::Reject::bad_proof, "commitment of member " + std::to_string(m.sender) +
                                                       " names member " + std::to_string(i) + " outside its subtree");
  }
  if (auto ok = crypto::sum_commitments(std::span(&m.commitment, 1)); !ok) return ok.error();
  r.commitments[m.sender] = Contribution{m.commitment, m.mask};
  const bool all_in = std::all_of(r.heads.begin(), r.heads.end(),
                                  [&](const auto& h) { return r.commitments.contains(h.first); });
  if (all_in) send_challenge(now, out);
  return core::Ok{};
}

void ByzcoinEngine::on_phase_timer(TimeMs now, Effects& out) {
  if (!lead_) return;
  if (!lead_->committing) return finish_phase(now, out);
  const bool silent_subtree = std::any_of(lead_->heads.begin(), lead_->heads.end(), [&](const auto& h) {
    return h.second.size() > 1 && !lead_->commitments.contains(h.first);
  });
  if (!lead_->fell_back && silent_subtree) return fall_back(now, out);
  send_challenge(now, out);
}

// A sub-leader did not answer in time: ask its subtree directly, for this attempt only
// (ByzCoin's fallback to a star; docs/PROTOCOLS.md §3.5).
void ByzcoinEngine::fall_back(TimeMs now, Effects& out) {
  LeaderRound& r = *lead_;
  r.fell_back = true;
  std::vector<std::uint32_t> silent;
  for (const auto& [head, members] : r.heads)
    if (members.size() > 1 && !r.commitments.contains(head)) silent.push_back(head);
  const core::Bytes direct = encode(r.announce);  // relay = false
  for (auto head : silent) {
    const auto members = r.heads[head];
    r.heads.erase(head);
    for (auto m : members) {
      r.heads[m] = {m};
      send_member(m, direct, out);
    }
    ++stats_.star_fallbacks;
  }
  arm(TimerKind::phase, now + config_.phase_timeout_ms, out);
}

void ByzcoinEngine::send_challenge(TimeMs now, Effects& out) {
  LeaderRound& r = *lead_;
  IOS_ASSERT(r.committing);
  crypto::CosiMask participants(n_);
  std::vector<core::ByteArray<32>> points;
  for (const auto& [head, c] : r.commitments) {
    for (std::uint32_t i = 0; i < n_; ++i)
      if (c.mask.contains(i)) participants.set(i, true);
    points.push_back(c.point);
  }
  if (participants.count() < quorum_) return restart(now, {}, out);  // e.g. lost messages: try again
  auto v = crypto::sum_commitments(points);
  auto a = config_.roster->aggregate(participants);
  if (!v || !a) return restart(now, {}, out);  // commitments chosen to cancel: nobody to blame
  r.challenge = crypto::make_challenge(*v, *a, r.message);
  r.participants = participants;  // fixed from here on
  r.committing = false;
  const Challenge msg{r.announce.height, r.announce.view, r.announce.phase, r.announce.attempt, r.challenge, participants};
  const core::Bytes payload = encode(msg);
  for (const auto& [head, c] : r.commitments)
    if (head != self()) send_member(head, payload, out);
  if (r.commitments.contains(self())) {
    auto own = signer_->respond(r.challenge, r.message);
    IOS_ASSERT(own.ok());
    crypto::CosiMask mask(n_);
    mask.set(self(), true);
    r.responses[self()] = Contribution{*own, mask};
    r.answered.insert(self());
  }
  arm(TimerKind::phase, now + config_.phase_timeout_ms, out);
  if (r.answered.size() == r.commitments.size()) finish_phase(now, out);
}

core::Status ByzcoinEngine::on_response(TimeMs now, NodeId, const Response& m, Effects& out) {
  if (!lead_ || lead_->committing) return core::Ok{};
  LeaderRound& r = *lead_;
  if (m.phase != r.announce.phase || m.attempt != r.announce.attempt) return core::Ok{};
  auto c = r.commitments.find(m.sender);
  if (c == r.commitments.end()) return core::Ok{};  // not asked
  if (r.answered.contains(m.sender))
    return core::reject(core::Reject::duplicate, "second response from member " + std::to_string(m.sender));
  r.answered.insert(m.sender);
  core::Status verdict = core::Ok{};
  if (m.mask == c->second.mask) {
    auto key = config_.roster->aggregate(m.mask);
    if (key && crypto::verify_partial(c->second.point, *key, r.challenge.c, m.response)) {
      r.responses[m.sender] = Contribution{m.response, m.mask};
    } else {
      r.failed.insert(m.sender);  // a sub-leader must check its leaves; it forwarded a bad sum
      verdict = core::reject(core::Reject::bad_signature, "response of member " + std::to_string(m.sender) +
                                                              " does not match its commitment");
    }
  } else {
    // A sub-leader reports leaves that committed but did not answer: leave them out.
    for (std::uint32_t i = 0; i < n_; ++i)
      if (c->second.mask.contains(i) && !m.mask.contains(i)) r.failed.insert(i);
  }
  if (r.answered.size() == r.commitments.size()) finish_phase(now, out);
  return verdict;
}

void ByzcoinEngine::finish_phase(TimeMs now, Effects& out) {
  LeaderRound& r = *lead_;
  std::set<std::uint32_t> leave_out = r.failed;
  for (const auto& [head, c] : r.commitments)
    if (!r.answered.contains(head)) leave_out.insert(head);  // committed, never responded
  if (r.responses.size() != r.commitments.size()) return restart(now, leave_out, out);
  std::vector<core::ByteArray<32>> rs;
  for (const auto& [head, c] : r.responses) rs.push_back(c.point);
  auto sum = crypto::sum_responses(rs);
  IOS_ASSERT(sum.ok());
  const crypto::CollectiveSignature sig{r.challenge.aggregate_commitment, *sum, r.participants};
  IOS_ASSERT(crypto::cosi_verify(*config_.roster, r.message, sig, quorum_).ok());
  if (r.announce.phase == Phase::commit) return finalize(now, sig, out);
  record_lock(PreparedBlock{.view = r.announce.view, .prev = r.announce.prev, .body = r.announce.body, .prepare = sig}, out);
  Announce next = r.announce;
  next.phase = Phase::commit;
  next.attempt = 0;
  next.certificate = sig;
  next.certificate_view = r.announce.view;
  if (signer_->has_open_commitment()) signer_->abandon();
  start_attempt(now, std::move(next), out);
}

// Fresh commitments from everyone still invited, without `leave_out` (cosi.hpp: no exception
// lists). Bounded: after attempts_per_phase_max the leader waits for the view change.
void ByzcoinEngine::restart(TimeMs now, const std::set<std::uint32_t>& leave_out, Effects& out) {
  Announce next = lead_->announce;
  for (auto i : leave_out)
    if (i != self()) next.invited.set(i, false);
  if (signer_->has_open_commitment()) signer_->abandon();
  if (next.attempt + 1 >= attempts_per_phase_max || next.invited.count() < quorum_) {
    lead_.reset();  // proposed_ stays set: no new proposal in this view
    disarm(TimerKind::phase, out);
    return;
  }
  ++next.attempt;
  ++stats_.restarts;
  start_attempt(now, std::move(next), out);
}

void ByzcoinEngine::finalize(TimeMs now, const crypto::CollectiveSignature& commit, Effects& out) {
  const Announce& a = lead_->announce;
  chain::FinalizedBlock block{a.height, a.view, a.prev, a.body, *a.certificate, commit};
  IOS_ASSERT(chain::verify_finality(block, *config_.roster, config_.domain).ok());
  const core::Bytes payload = encode(FinalMsg{block});
  apply_final(now, block, true, out);  // persisted before it is announced
  for (std::uint32_t i = 0; i < n_; ++i)
    if (i != self()) send_member(i, payload, out);
  for (auto o : config_.observers) out.send(o, payload);
  replay_buffer(now, out);
}

}  // namespace ios::protocol::byzcoin
