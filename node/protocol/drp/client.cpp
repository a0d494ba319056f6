#include "node/protocol/drp/client.hpp"

#include <algorithm>

#include "node/crypto/hash.hpp"
#include "node/protocol/drp/server.hpp"

namespace ios::protocol::drp {

DrpClient::DrpClient(DrpConfig config, std::shared_ptr<const DrpRoster> roster, const crypto::SigningKey& key,
                     DrpTiming timing)
    : config_(std::move(config)), roster_(std::move(roster)), key_(key), timing_(timing) {
  IOS_ASSERT(matches(config_, *roster_));
  IOS_ASSERT(config_.client == key_.public_key());
  IOS_ASSERT(config_.group_count >= 1);
  IOS_ASSERT(config_.group_count <= config_.servers.size());
}

void DrpClient::arm(TimeMs now, Effects& out) {
  out.cancel_timer(timer_);
  out.set_timer(++timer_, now + timing_.phase_timeout_ms);
}

void DrpClient::fail(Effects& out, const std::string& why) {
  if (phase_ == Phase::done) return;
  phase_ = Phase::done;
  failure_ = why;
  out.cancel_timer(timer_);
  out.deliver("drp-failed", core::Bytes(why.begin(), why.end()));
}

void DrpClient::on_start(TimeMs now, Effects& out) {
  session_ = session_id(config_);
  groups_ = grouping(config_, session_);
  i1_ = sign(key_, session_, MsgType::i1, 0, encode(config_));
  i1_hash_ = hash(i1_);
  auto wire = frame(i1_);
  for (std::uint32_t s = 0; s < config_.servers.size(); ++s) out.send(server_node(s), wire);
  arm(now, out);
}

void DrpClient::on_timer(TimeMs now, TimerId id, Effects& out) {
  if (id != timer_) return;  // a timer of an earlier phase
  switch (phase_) {
    case Phase::r1: return choose(now, out);
    case Phase::commit: return challenge(now, out);
    case Phase::respond: return finish_cosi(now, out);
    case Phase::r2: return fail(out, "too few decrypted shares before the deadline");
    case Phase::done: return;
  }
}

void DrpClient::on_message(TimeMs now, NodeId from, core::ByteView payload, Effects& out) {
  if (phase_ == Phase::done || from == client_node || from > config_.servers.size() || payload.empty()) return;
  if (static_cast<Frame>(payload[0]) != Frame::signed_msg) return;
  auto m = decode_signed(payload.subspan(1));
  if (!m || m->sender != from) return;  // a server speaks only for itself
  if (!verify(config_.servers[from - 1].signing, session_, *m)) return;
  switch (m->type) {
    case MsgType::r1: return on_r1(*m, now, out);
    case MsgType::commitment: return on_commitment(*m, now, out);
    case MsgType::response: return on_response(*m, now, out);
    case MsgType::r2: return on_r2(*m, out);
    default: return;
  }
}

void DrpClient::on_r1(const SignedMsg& m, TimeMs now, Effects& out) {
  if (phase_ != Phase::r1) return;
  auto body = decode_r1(m.body);
  if (!body || body->server != m.sender - 1 || body->i1_hash != i1_hash_) return;
  r1s_.emplace(body->server, m);
  if (r1s_.size() == config_.servers.size()) choose(now, out);
}

void DrpClient::choose(TimeMs now, Effects& out) {
  choice_ = Choice{};
  for (std::uint32_t g = 0; g < groups_.size(); ++g) {
    const auto& group = groups_[g];
    auto keys = group_keys(config_, group);
    choice_.dealers.emplace_back();
    choice_.r1_hashes.emplace_back();
    // Verify lazily, in index order, until the group has its threshold: any `threshold` valid
    // dealings fix the group secret, and the order is public, so this choice is not a lever.
    for (auto server : group.members) {
      if (choice_.dealers[g].size() == group.threshold) break;
      auto it = r1s_.find(server);
      if (it == r1s_.end()) continue;
      auto body = decode_r1(it->second.body);
      if (!body) continue;
      if (!crypto::pvss_verify_dealing(dealing_session(session_, server), keys, group.threshold, body->dealing)) continue;
      choice_.dealers[g].push_back(server);
      choice_.r1_hashes[g].push_back(hash(it->second));
      chosen_dealings_.emplace(server, std::move(body->dealing));
    }
    if (choice_.dealers[g].size() < group.threshold)
      return fail(out, "group " + std::to_string(g) + ": " + std::to_string(choice_.dealers[g].size()) +
                           " valid dealings, threshold " + std::to_string(group.threshold));
  }
  choice_message_ = choice_message(session_, choice_);
  cosi_.emplace(std::shared_ptr<const crypto::CosiRoster>(roster_, &roster_->cosi), choice_message_);
  std::set<std::uint32_t> everyone;
  for (std::uint32_t s = 0; s < config_.servers.size(); ++s) everyone.insert(s);
  announce(std::move(everyone), now, out);
}

void DrpClient::announce(std::set<std::uint32_t> participants, TimeMs now, Effects& out) {
  cosi_->begin_round(std::move(participants));
  phase_ = Phase::commit;
  auto wire = frame(sign(key_, session_, MsgType::announce, 0, encode(AnnounceBody{cosi_->round(), choice_})));
  for (auto s : cosi_->participants()) out.send(server_node(s), wire);
  arm(now, out);
}

void DrpClient::on_commitment(const SignedMsg& m, TimeMs now, Effects& out) {
  if (phase_ != Phase::commit) return;
  auto body = decode_commitment(m.body);
  if (!body || body->server != m.sender - 1 || body->round != cosi_->round()) return;
  if (body->choice_hash != crypto::sha256(choice_message_)) return;
  if (cosi_->add_commitment(body->server, body->commitment) && cosi_->all_committed()) challenge(now, out);
}

void DrpClient::challenge(TimeMs now, Effects& out) {
  const std::size_t needed = choice_signers_min(groups_);
  if (cosi_->committed() < needed)
    return fail(out, "CoSi round " + std::to_string(cosi_->round()) + ": " + std::to_string(cosi_->committed()) +
                         " commitments, " + std::to_string(needed) + " needed");
  auto c = cosi_->challenge();
  if (!c) {
    if (cosi_->round() >= timing_.cosi_rounds_max) return fail(out, "CoSi: commitments did not sum to a valid point");
    return announce(cosi_->participants(), now, out);
  }
  phase_ = Phase::respond;
  auto wire = frame(sign(key_, session_, MsgType::challenge, 0, encode(ChallengeBody{cosi_->round(), *c, cosi_->mask()})));
  for (std::uint32_t s = 0; s < config_.servers.size(); ++s)
    if (cosi_->mask().contains(s)) out.send(server_node(s), wire);
  arm(now, out);
}

void DrpClient::on_response(const SignedMsg& m, TimeMs now, Effects& out) {
  if (phase_ != Phase::respond) return;
  auto body = decode_response(m.body);
  if (!body || body->server != m.sender - 1 || body->round != cosi_->round()) return;
  if (cosi_->add_response(body->server, body->response) && cosi_->all_responded()) finish_cosi(now, out);
}

void DrpClient::finish_cosi(TimeMs now, Effects& out) {
  auto signature = cosi_->signature();
  if (!signature) {
    // Committed but did not (validly) respond: restart with fresh commitments without them.
    if (cosi_->round() >= timing_.cosi_rounds_max) return fail(out, "CoSi: signers kept failing to respond");
    return announce(cosi_->responders(), now, out);
  }
  choice_signature_ = std::move(*signature);
  IOS_ASSERT(crypto::cosi_verify(roster_->cosi, choice_message_, choice_signature_, choice_signers_min(groups_)).ok());

  phase_ = Phase::r2;
  const auto choice_hash = crypto::sha256(choice_message_);
  for (std::uint32_t g = 0; g < groups_.size(); ++g) {
    std::vector<SignedMsg> r1s;
    for (auto d : choice_.dealers[g]) r1s.push_back(r1s_.at(d));
    for (auto s : groups_[g].members) {
      I2Wire wire{sign(key_, session_, MsgType::i2, 0, encode(I2Body{s, choice_hash})), choice_, choice_signature_, r1s};
      i2_hash_[s] = hash(wire.i2);
      i2s_.push_back(wire.i2);
      out.send(server_node(s), frame(wire));
    }
  }
  arm(now, out);
}

void DrpClient::on_r2(const SignedMsg& m, Effects& out) {
  if (phase_ != Phase::r2) return;
  auto body = decode_r2(m.body);
  const std::uint32_t server = m.sender - 1;
  if (!body || body->server != server || body->i2_hash != i2_hash_.at(server)) return;
  const Seat seat = seat_of(groups_, server);
  const auto& dealers = choice_.dealers[seat.group];
  const auto enough = [&](std::uint32_t d) { return shares_[d].size() >= groups_[seat.group].threshold; };
  if (std::all_of(dealers.begin(), dealers.end(), enough)) return;  // this group is recoverable already
  if (body->shares.size() != dealers.size()) return;
  std::vector<std::pair<std::uint32_t, crypto::PvssDecryptedShare>> valid;
  for (std::size_t k = 0; k < dealers.size(); ++k) {
    const auto& e = body->shares[k];
    if (e.dealer != dealers[k] || e.share.index != seat.index) return;
    const auto& dealing = chosen_dealings_.at(e.dealer);
    if (!crypto::pvss_verify_decrypted_share(dealing_session(session_, e.dealer), config_.servers[server].pvss,
                                             dealing.shares[seat.index - 1].encrypted, e.share))
      return;  // a server that decrypts wrongly contributes nothing (and its R2 stays out)
    valid.emplace_back(e.dealer, e.share);
  }
  r2s_.push_back(m);
  for (auto& [dealer, share] : valid) shares_[dealer].push_back(share);
  try_recover(out);
}

void DrpClient::try_recover(Effects& out) {
  for (std::uint32_t g = 0; g < groups_.size(); ++g)
    for (auto d : choice_.dealers[g])
      if (shares_[d].size() < groups_[g].threshold) return;
  crypto::RistrettoPoint z = crypto::ristretto_identity;
  for (std::uint32_t g = 0; g < groups_.size(); ++g) {
    for (auto d : choice_.dealers[g]) {
      auto secret = crypto::pvss_recover(shares_[d], groups_[g].threshold);
      if (!secret) return fail(out, "recovery of dealer " + std::to_string(d) + ": " + secret.error().message());
      auto sum = crypto::point_add(z, *secret);
      IOS_ASSERT(sum.has_value());
      z = *sum;
    }
  }
  Transcript t;
  t.config = config_;
  t.i1 = i1_;
  for (std::uint32_t g = 0; g < groups_.size(); ++g)
    for (auto d : choice_.dealers[g]) t.r1s.push_back(r1s_.at(d));
  t.choice = choice_;
  t.choice_signature = choice_signature_;
  t.i2s = i2s_;
  t.r2s = r2s_;
  t.z = z;
  t.randomness = output_randomness(session_, z);
  phase_ = Phase::done;
  out.cancel_timer(timer_);
  out.deliver("drp-output", core::Bytes(t.randomness.begin(), t.randomness.end()));
  transcript_ = std::move(t);
}

}  // namespace ios::protocol::drp
