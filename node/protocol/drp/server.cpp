#include "node/protocol/drp/server.hpp"

#include "node/crypto/hash.hpp"

namespace ios::protocol::drp {

DrpServer::DrpServer(std::shared_ptr<const DrpRoster> roster, std::uint32_t index, const crypto::SigningKey& signing_key,
                     crypto::Secret<32> pvss_secret, crypto::PublicKey client_key, core::Rng& rng)
    : roster_(std::move(roster)),
      index_(index),
      key_(signing_key),
      pvss_secret_(std::move(pvss_secret)),
      client_key_(client_key),
      rng_(rng),
      cosi_(std::make_unique<crypto::CosiSigner>(signing_key)) {
  IOS_ASSERT(index_ < roster_->servers.size());
  IOS_ASSERT(roster_->servers[index_].signing == key_.public_key());
}

void DrpServer::on_start(TimeMs, Effects&) {}
void DrpServer::on_timer(TimeMs, TimerId, Effects&) {}

void DrpServer::refuse(Effects& out, const core::Error& e) {
  const std::string why = e.message();
  out.deliver("drp-refused", core::Bytes(why.begin(), why.end()));
}

void DrpServer::on_message(TimeMs, NodeId from, core::ByteView payload, Effects& out) {
  // Classify: only the client speaks to servers; anything else is ignored.
  if (from != client_node || payload.empty()) return;
  const auto kind = static_cast<Frame>(payload[0]);
  const auto rest = payload.subspan(1);
  if (kind == Frame::i2_wire) return on_i2(rest, out);
  if (kind != Frame::signed_msg) return refuse(out, core::reject(core::Reject::non_canonical, "unknown frame"));
  auto first = decode_signed(rest);
  if (!first) return refuse(out, first.error());
  const SignedMsg& m = *first;
  if (m.sender != 0) return refuse(out, core::reject(core::Reject::bad_signature, "not from the client"));
  switch (m.type) {
    case MsgType::i1: return on_i1(m, out);
    case MsgType::announce: return on_announce(m, out);
    case MsgType::challenge: return on_challenge(m, out);
    default: return refuse(out, core::reject(core::Reject::non_canonical, "unexpected message type"));
  }
}

void DrpServer::on_i1(const SignedMsg& m, Effects& out) {
  if (session_) return;  // one session per core; a repeated I1 is ignored
  auto config = decode_config(m.body);
  if (!config) return refuse(out, config.error());
  if (!matches(*config, *roster_) || config->client != client_key_)
    return refuse(out, core::reject(core::Reject::bad_proof, "I1 names another roster or client"));
  auto id = session_id(*config);
  if (!verify(client_key_, id, m)) return refuse(out, core::reject(core::Reject::bad_signature, "I1"));
  if (config->group_count == 0 || config->group_count > config->servers.size())
    return refuse(out, core::reject(core::Reject::bad_proof, "group count"));
  Session s{*config, id, grouping(*config, id), {}, hash(m)};
  s.seat = seat_of(s.groups, index_);
  const auto& group = s.groups[s.seat.group];
  auto dealt = crypto::pvss_deal(dealing_session(id, index_), group_keys(s.config, group), group.threshold, rng_);
  R1Body r1{index_, s.i1_hash, std::move(dealt.dealing)};
  out.send(client_node, frame(sign(key_, id, MsgType::r1, index_ + 1, encode(r1))));
  session_ = std::move(s);
}

void DrpServer::on_announce(const SignedMsg& m, Effects& out) {
  if (!session_ || decrypted_) return;
  if (!verify(client_key_, session_->id, m)) return refuse(out, core::reject(core::Reject::bad_signature, "announce"));
  auto body = decode_announce(m.body, roster_->servers.size());
  if (!body) return refuse(out, body.error());
  if (auto ok = check_choice(body->choice, session_->groups); !ok) return refuse(out, ok.error());
  auto h = crypto::sha256(choice_message(session_->id, body->choice));
  if (choice_hash_ && *choice_hash_ != h)
    return refuse(out, core::reject(core::Reject::duplicate, "client announced a second, different choice"));
  if (body->round <= round_ && choice_hash_) return;  // stale or repeated round
  choice_hash_ = h;
  choice_ = body->choice;
  round_ = body->round;
  if (cosi_->has_open_commitment()) cosi_->abandon();  // a restart: never reuse a commitment
  CommitmentBody c{index_, round_, h, cosi_->commit(rng_)};
  out.send(client_node, frame(sign(key_, session_->id, MsgType::commitment, index_ + 1, encode(c))));
}

void DrpServer::on_challenge(const SignedMsg& m, Effects& out) {
  if (!session_ || !choice_) return;
  if (!verify(client_key_, session_->id, m)) return refuse(out, core::reject(core::Reject::bad_signature, "challenge"));
  auto body = decode_challenge(m.body, roster_->servers.size());
  if (!body) return refuse(out, body.error());
  if (body->round != round_ || !body->mask.contains(index_)) return;
  // respond() recomputes c from our own view of the choice; a challenge for another message
  // (the client equivocating) is refused and the commitment erased.
  auto r = cosi_->respond(body->challenge, choice_message(session_->id, *choice_));
  if (!r) return refuse(out, r.error());
  ResponseBody resp{index_, round_, *r};
  out.send(client_node, frame(sign(key_, session_->id, MsgType::response, index_ + 1, encode(resp))));
}

void DrpServer::on_i2(core::ByteView payload, Effects& out) {
  if (!session_ || decrypted_) return;
  auto wire = decode_i2_wire(payload, roster_->servers.size());
  if (!wire) return refuse(out, wire.error());
  if (auto s = decrypt_and_reply(*wire, out); !s) refuse(out, s.error());
}

core::Status DrpServer::decrypt_and_reply(const I2Wire& wire, Effects& out) {
  using core::Reject;
  const Session& s = *session_;
  if (wire.i2.type != MsgType::i2 || wire.i2.sender != 0 || !verify(client_key_, s.id, wire.i2))
    return core::reject(Reject::bad_signature, "I2");
  auto body = decode_i2(wire.i2.body);
  if (!body) return body.error();
  if (body->server != index_) return core::reject(Reject::bad_proof, "I2 addressed to another server");
  if (auto ok = check_choice(wire.choice, s.groups); !ok) return ok;
  auto message = choice_message(s.id, wire.choice);
  auto h = crypto::sha256(message);
  if (h != body->choice_hash) return core::reject(Reject::bad_proof, "I2 names another choice");
  if (choice_hash_ && *choice_hash_ != h) return core::reject(Reject::duplicate, "I2 carries a choice other than the one co-signed");
  // The servers' sign-off: without it, no share is ever decrypted.
  if (auto ok = crypto::cosi_verify(roster_->cosi, message, wire.choice_signature, choice_signers_min(s.groups)); !ok)
    return core::reject(Reject::bad_signature, "collective signature on the choice: " + ok.error().message());

  const auto& dealers = wire.choice.dealers[s.seat.group];
  const auto& hashes = wire.choice.r1_hashes[s.seat.group];
  if (wire.r1s.size() != dealers.size()) return core::reject(Reject::bad_proof, "I2 lacks the chosen dealings");
  R2Body r2{index_, hash(wire.i2), {}};
  for (std::size_t k = 0; k < dealers.size(); ++k) {
    const SignedMsg& r1 = wire.r1s[k];
    const std::uint32_t dealer = dealers[k];
    if (hash(r1) != hashes[k]) return core::reject(Reject::bad_proof, "R1 of dealer " + std::to_string(dealer) + " is not the chosen one");
    if (r1.type != MsgType::r1 || r1.sender != dealer + 1 || !verify(roster_->servers[dealer].signing, s.id, r1))
      return core::reject(Reject::bad_signature, "R1 of dealer " + std::to_string(dealer));
    auto d = decode_r1(r1.body);
    if (!d) return d.error();
    if (d->server != dealer || d->i1_hash != s.i1_hash) return core::reject(Reject::bad_proof, "R1 binding");
    auto dsession = dealing_session(s.id, dealer);
    if (auto ok = crypto::pvss_verify_share(dsession, d->dealing, s.seat.index, roster_->servers[index_].pvss); !ok)
      return core::reject(Reject::bad_proof, "own share from dealer " + std::to_string(dealer) + ": " + ok.error().message());
    const auto& encrypted = d->dealing.shares[s.seat.index - 1].encrypted;
    r2.shares.push_back({dealer, crypto::pvss_decrypt_share(dsession, s.seat.index, pvss_secret_, encrypted, rng_)});
  }
  decrypted_ = true;
  out.send(client_node, frame(sign(key_, s.id, MsgType::r2, index_ + 1, encode(r2))));
  return core::Ok{};
}

}  // namespace ios::protocol::drp
