#include "node/protocol/epoch/epoch_core.hpp"

#include <algorithm>
#include <set>

#include "node/crypto/hash.hpp"
#include "node/protocol/lottery/ranking.hpp"
#include "node/protocol/pob/shard_setup.hpp"

namespace ios::protocol::epoch {

namespace {

constexpr TimerId window_timer = 1;
constexpr TimerId attempt_timer = 2;
constexpr TimerId cosi_timer = 3;
constexpr TimerId ticket_resend_timer = 4;
constexpr TimerId start_timer = 5;
// An inner DRP core's timer: kind (1 client, 2 server) ‖ the attempt's generation ‖ its own
// id, so a timer of an abandoned attempt never fires into the next attempt's cores.
constexpr std::uint64_t drp_client_timers = 1, drp_server_timers = 2;
TimerId drp_timer(std::uint64_t kind, std::uint32_t generation, TimerId inner) {
  IOS_ASSERT(inner < (TimerId{1} << 32));
  return (kind << 56) | (std::uint64_t{generation & 0xFFFFFFu} << 32) | inner;
}

// An epoch transcript of 256 validators encodes to under 1 MiB (README "ios drp run").
constexpr std::size_t transcript_bytes_max = 4u << 20;
// Proposals a validator checks per attempt (the transcript check is the costly part): the
// candidate's own record and a locked one it switches to, with room for a restarted round.
constexpr std::uint32_t proposal_checks_max = 4;
// Early RandHound messages kept (keep_early): a candidate sends a server one i1 an attempt, so a
// few suffice; the bounds stop a peer from filling memory with "early" messages.
constexpr std::size_t early_drp_frames_max = 64;
constexpr std::size_t early_drp_bytes_max = 1u << 20;
constexpr std::size_t early_drp_frames_per_sender_max = 4;

using Kind = EpochCore::Kind;

core::Writer header(Kind kind, std::uint64_t view, std::uint32_t attempt) {
  core::Writer w;
  w.u8(static_cast<std::uint8_t>(kind)).u64(view).u32(attempt);
  return w;
}

}  // namespace

EpochContext EpochContext::create(std::shared_ptr<const chain::Genesis> genesis, EpochRecord previous) {
  EpochContext c;
  auto roster = roster_cosi(*genesis);
  IOS_ASSERT(roster.ok());  // a valid genesis admits its own roster
  c.roster = std::make_shared<const crypto::CosiRoster>(std::move(*roster));
  auto servers = epoch::drp_roster(*genesis);
  IOS_ASSERT(servers.ok());  // check_genesis passed
  c.drp_roster = std::move(*servers);
  c.genesis = std::move(genesis);
  c.previous_hash = record_hash(previous);
  c.previous = std::move(previous);
  return c;
}

EpochCore::EpochCore(EpochContext context, std::uint32_t self, const crypto::Identity& identity, core::Rng& rng,
                     EpochTiming timing, const std::optional<core::Bytes>& lock_row)
    : context_(std::move(context)),
      self_(self),
      signing_key_(identity.signing_key()),
      vrf_key_(identity.vrf_seed()),
      pvss_secret_(identity.pvss_scalar()),
      rng_(rng),
      timing_(timing),
      signer_(signing_key_) {
  IOS_ASSERT(self_ < context_.size());
  IOS_ASSERT(context_.roster->keys()[self_].public_key() == signing_key_.public_key());
  if (lock_row) {
    core::Reader r(*lock_row);
    auto record = r.bytes(core::encoded_bytes_len_max);
    auto transcript = r.bytes(transcript_bytes_max);
    auto checked = r.finish() ? check_proposal(record, transcript) : std::nullopt;
    IOS_ASSERT(checked.has_value());  // this validator wrote it after checking it
    lock_ = Lock{std::move(checked->first), std::move(checked->second), {}};
    lock_->hash = record_hash(lock_->record);
  }
}

std::optional<std::pair<EpochRecord, drp::Transcript>> EpochCore::check_proposal(core::ByteView record_bytes,
                                                                                  core::ByteView transcript_bytes) const {
  auto record = decode_record(record_bytes, context_.size());
  if (!record || !check_successor(*context_.genesis, context_.previous, *record)) return std::nullopt;
  auto t = drp::decode_transcript(transcript_bytes);
  if (!t || !check_transcript(*context_.genesis, *record, *t)) return std::nullopt;
  return std::pair{std::move(*record), std::move(*t)};
}

void EpochCore::note(const std::string& text, Effects& out) {
  out.deliver(std::string(deliver_epoch_note), core::Bytes(text.begin(), text.end()));
}

void EpochCore::broadcast(const core::Bytes& payload, Effects& out) {
  for (NodeId to = 0; to < context_.size(); ++to) out.send(to, payload);
}

void EpochCore::on_start(TimeMs now, Effects& out) {
  if (timing_.start_delay_ms == 0) return start_view(now, out);
  waiting_ = true;
  out.set_timer(start_timer, now + timing_.start_delay_ms);
}

std::string_view EpochCore::phase() const {
  if (record_) return "final";
  if (waiting_) return "waiting";
  return window_open_ ? "lottery" : "drp";
}

void EpochCore::start_view(TimeMs now, Effects& out) {
  if (record_) return;
  if (waiting_) {
    waiting_ = false;
    out.cancel_timer(start_timer);
  }
  candidates_.clear();
  attempt_ = 0;
  drp_client_.reset();
  drp_server_.reset();
  checked_.reset();
  window_open_ = true;
  tickets_.erase(tickets_.begin(), tickets_.lower_bound(view_));
  send_ticket(out);
  out.set_timer(window_timer, now + timing_.ticket_window_ms);
  // Validators adopt record e − 1 a network delay apart, and a ticket that reaches a peer
  // before that peer hosts this epoch is dropped; so the ticket goes out again halfway
  // through the window (peers keep one per sender).
  out.set_timer(ticket_resend_timer, now + timing_.ticket_window_ms / 2);
}

void EpochCore::send_ticket(Effects& out) {
  const lottery::LotteryTicket mine{vrf_key_.public_key(),
                                    vrf_key_.prove(lottery::leader_alpha({context_.previous_hash, epoch(), view_}))};
  auto w = header(Kind::ticket, view_, 0);
  w.raw(lottery::encode(mine));
  broadcast(w.take(), out);
}

void EpochCore::on_ticket(NodeId from, std::uint64_t view, core::Reader& r, TimeMs now, Effects& out) {
  // Only this view's window (or its wait) and the next view's (a peer that rolled over a
  // little earlier); one ticket per roster member, carrying that member's own VRF key.
  // rank_tickets verifies the proofs when the window closes.
  if (!(view == view_ && (window_open_ || waiting_)) && view != view_ + 1) return;
  auto bytes = r.fixed<1 + 32 + 80>();
  if (!r.finish()) return;
  auto t = lottery::decode_ticket(bytes);
  if (!t || t->vrf_key != context_.genesis->validators[from].identity.vrf) return;
  tickets_[view].emplace(from, *t);
  if (waiting_ && view == view_) start_view(now, out);  // a peer began: begin too
}

void EpochCore::close_window(TimeMs now, Effects& out) {
  window_open_ = false;
  std::vector<lottery::LotteryTicket> list;
  std::vector<NodeId> senders;
  for (const auto& [from, t] : tickets_[view_]) {
    list.push_back(t);
    senders.push_back(from);
  }
  auto ranking = lottery::rank_tickets(list, lottery::LotteryContext{context_.previous_hash, epoch(), view_});
  candidates_.clear();
  for (const auto& t : ranking.ranked) {
    if (candidates_.size() == attempts_per_view) break;
    candidates_.push_back(senders[t.input_index]);
  }
  attempt_ = 0;
  start_attempt(now, out);
}

std::optional<std::uint32_t> EpochCore::candidate() const {
  if (window_open_ || attempt_ >= candidates_.size()) return std::nullopt;
  return candidates_[attempt_];
}

void EpochCore::start_attempt(TimeMs now, Effects& out) {
  drp_client_.reset();
  drp_server_.reset();
  proposal_.reset();
  cosi_.reset();
  checked_.reset();
  locks_heard_.clear();
  lock_claims_.clear();
  switched_ = false;
  proposal_checks_ = 0;
  round_ = 0;
  signer_.abandon();
  out.cancel_timer(cosi_timer);
  auto who = candidate();
  if (!who) {  // every candidate of this view failed (or too few tickets came): view rollover
    out.cancel_timer(attempt_timer);
    ++view_;
    return start_view(now, out);
  }
  out.set_timer(attempt_timer, now + timing_.attempt_ms);
  note("epoch " + std::to_string(epoch()) + " view " + std::to_string(view_) + " attempt " + std::to_string(attempt_) +
           ": validator " + std::to_string(*who) + " runs RandHound",
       out);
  ++drp_generation_;
  const auto& client_key = context_.genesis->validators[*who].identity.signing;
  drp_server_ = std::make_unique<drp::DrpServer>(context_.drp_roster, self_, signing_key_, pvss_secret_, client_key, rng_);
  Effects inner;
  drp_server_->on_start(now, inner);
  relay(false, inner, now, out);
  replay_early(*who, now, out);
  if (*who != self_) return;
  drp::DrpConfig config;
  config.client = signing_key_.public_key();
  config.servers = context_.drp_roster->servers;
  config.group_count = drp_groups(context_.size());
  config.pop_epoch = 0;
  config.timestamp = epoch();
  config.purpose = drp_purpose(context_.previous.genesis, epoch(), view_);
  config.client_randomness = drp_grouping_seed(context_.previous_hash, view_);
  drp_client_ = std::make_unique<drp::DrpClient>(std::move(config), context_.drp_roster, signing_key_, timing_.drp);
  Effects client_out;
  drp_client_->on_start(now, client_out);
  relay(true, client_out, now, out);
}

// The inner DRP cores' effects, wrapped: their NodeIds (client 0, server i as i + 1) become
// roster indices, their timers get this attempt's generation, and the client's output turns
// into the proposal. drp-failed and drp-refused need nothing: the attempt timer moves on.
void EpochCore::relay(bool from_client, Effects& inner, TimeMs now, Effects& out) {
  const auto client = *candidate();
  const auto kind = from_client ? drp_client_timers : drp_server_timers;
  bool output = false;
  for (auto& effect : inner.take()) {
    if (auto* send = std::get_if<Send>(&effect)) {
      const NodeId to = from_client ? send->to - 1 : client;
      auto w = header(Kind::drp, view_, attempt_);
      w.u8(from_client ? 0 : 1).raw(send->payload);  // 0: for a server, 1: for the client
      out.send(to, w.take());
    } else if (auto* set = std::get_if<SetTimer>(&effect)) {
      out.set_timer(drp_timer(kind, drp_generation_, set->id), set->at_ms);
    } else if (auto* cancel = std::get_if<CancelTimer>(&effect)) {
      out.cancel_timer(drp_timer(kind, drp_generation_, cancel->id));
    } else if (auto* d = std::get_if<Deliver>(&effect)) {
      output = output || (from_client && d->kind == "drp-output");
      if (d->kind == "drp-failed" || d->kind == "drp-refused")
        note("epoch " + std::to_string(epoch()) + " view " + std::to_string(view_) + " attempt " + std::to_string(attempt_) +
                 ": " + d->kind + ": " + std::string(d->value.begin(), d->value.end()),
             out);
    }
  }
  if (output) propose(now, out);
}

// A candidate's timer fires a little before some validators' (more under load), and the DRP
// client sends its i1 once: a validator not yet at that attempt would drop it, and a candidate
// whose i1 missed more than n − threshold servers fails its attempt — and the next candidates
// likewise, since the timers keep their offsets (what DevnetEpochs runs showed after a kill:
// every attempt of two views failed, nobody locked). So a RandHound message for a slot this validator
// has not reached is kept, bounded, and replayed when it gets there, if its sender is then the
// candidate it ranks for that slot; anything else is dropped then.
bool EpochCore::ahead(Slot s) const {
  if (s.view == view_) return window_open_ || waiting_ || s.attempt > attempt_;
  return s.view == view_ + 1 && s.attempt == 0;
}

void EpochCore::keep_early(Slot s, NodeId from, core::ByteView payload) {
  // Junk sent to crowd out the real i1 (EpochSim.EarlyRandHoundJunkFromANonCandidate...): once
  // this view is ranked, only the candidate of the frame's slot is kept; and a few per sender.
  // During the ticket window nobody is ranked yet: there the caps alone hold.
  if (s.view == view_ && !window_open_ && !waiting_ && (s.attempt >= candidates_.size() || candidates_[s.attempt] != from))
    return;
  const auto from_sender = std::count_if(early_drp_.begin(), early_drp_.end(), [&](const EarlyDrp& e) { return e.from == from; });
  if (static_cast<std::size_t>(from_sender) >= early_drp_frames_per_sender_max) return;
  if (early_drp_.size() >= early_drp_frames_max || early_drp_bytes_ + payload.size() > early_drp_bytes_max) return;
  early_drp_bytes_ += payload.size();
  early_drp_.push_back({s, from, core::Bytes(payload.begin(), payload.end())});
}

void EpochCore::replay_early(NodeId candidate, TimeMs now, Effects& out) {
  auto kept = std::move(early_drp_);
  early_drp_.clear();
  early_drp_bytes_ = 0;
  for (auto& e : kept) {
    if (e.slot == slot() && e.from == candidate) {
      run_drp(false, e.from, e.payload, now, out);
    } else if (ahead(e.slot)) {
      early_drp_bytes_ += e.payload.size();
      early_drp_.push_back(std::move(e));
    }
  }
}

void EpochCore::run_drp(bool to_client, NodeId from, core::ByteView payload, TimeMs now, Effects& out) {
  Effects inner;
  if (to_client) {
    if (!drp_client_) return;
    drp_client_->on_message(now, drp::server_node(from), payload, inner);
  } else {
    if (!drp_server_ || from != *candidate()) return;
    drp_server_->on_message(now, drp::client_node, payload, inner);
  }
  relay(to_client, inner, now, out);
}

void EpochCore::propose(TimeMs now, Effects& out) {
  IOS_ASSERT(drp_client_ && drp_client_->transcript());
  const auto& t = *drp_client_->transcript();
  EpochRecord r;
  r.epoch = epoch();
  r.genesis = context_.previous.genesis;
  r.previous = context_.previous_hash;
  r.view = view_;
  r.leader = self_;
  r.ticket = {vrf_key_.public_key(), vrf_key_.prove(lottery::leader_alpha({r.previous, r.epoch, r.view}))};
  r.randomness = t.randomness;
  r.transcript_hash = transcript_hash(t);
  auto assignment = pob::assign_shards(*context_.genesis, r.randomness);
  IOS_ASSERT(assignment.ok());
  r.shards = assignment->members;
  IOS_ASSERT(check_successor(*context_.genesis, context_.previous, r).ok());
  propose(std::move(r), t, now, out);
}

void EpochCore::propose(EpochRecord record, drp::Transcript transcript, TimeMs now, Effects& out) {
  cosi_.emplace(context_.roster, signing_message(record));
  proposal_ = std::move(record);
  transcript_ = std::move(transcript);
  std::set<std::uint32_t> everyone;
  for (std::uint32_t i = 0; i < context_.size(); ++i) everyone.insert(i);
  cosi_->begin_round(std::move(everyone));
  ask_commitments(now, out);
}

void EpochCore::ask_commitments(TimeMs now, Effects& out) {
  ++round_;
  auto w = header(Kind::propose, view_, attempt_);
  w.u32(round_).bytes(encode(*proposal_)).bytes(drp::encode(*transcript_));
  const auto payload = w.take();
  for (auto i : cosi_->participants()) out.send(i, payload);
  out.set_timer(cosi_timer, now + timing_.drp.phase_timeout_ms);
}

void EpochCore::challenge(TimeMs now, Effects& out) {
  if (cosi_->committed() < epoch_signers_min(context_.size())) {
    if (propose_locked(now, out)) return;
    out.set_timer(cosi_timer, now + timing_.drp.phase_timeout_ms);  // slow verifiers: wait until the attempt ends
    return;
  }
  auto c = cosi_->challenge();
  if (!c) {  // commitments chosen to cancel out: fresh ones
    if (cosi_->round() >= timing_.drp.cosi_rounds_max) return;
    cosi_->begin_round(cosi_->participants());
    return ask_commitments(now, out);
  }
  auto w = header(Kind::challenge, view_, attempt_);
  w.u32(round_).raw(c->aggregate_commitment).raw(c->aggregate_key).raw(c->c).bytes(cosi_->mask().encode());
  const auto payload = w.take();
  for (std::uint32_t i = 0; i < context_.size(); ++i)
    if (cosi_->mask().contains(i)) out.send(i, payload);
  out.set_timer(cosi_timer, now + timing_.drp.phase_timeout_ms);
}

void EpochCore::finish(TimeMs now, Effects& out) {
  auto signature = cosi_->signature();
  if (!signature) {
    // Committed but did not (validly) respond: a new round with fresh commitments without them.
    auto responders = cosi_->responders();
    if (cosi_->round() >= timing_.drp.cosi_rounds_max || responders.size() < epoch_signers_min(context_.size())) return;
    cosi_->begin_round(std::move(responders));
    return ask_commitments(now, out);
  }
  SignedEpochRecord s{*proposal_, std::move(*signature)};
  IOS_ASSERT(check_signature(*context_.roster, s).ok());
  auto w = header(Kind::final, view_, attempt_);
  w.bytes(encode(s)).bytes(drp::encode(*transcript_));
  broadcast(w.take(), out);
  adopt(std::move(s), transcript_, out);
}

void EpochCore::adopt(SignedEpochRecord signed_record, std::optional<drp::Transcript> transcript, Effects& out) {
  if (record_) return;
  if (transcript) out.persist("transcript", drp::encode(*transcript));
  out.persist("record", encode(signed_record));
  out.deliver(std::string(deliver_epoch_record), encode(signed_record));
  record_id_ = record_hash(signed_record.record);
  record_ = std::move(signed_record);
  transcript_ = std::move(transcript);
  for (auto id : {start_timer, window_timer, ticket_resend_timer, attempt_timer, cosi_timer}) out.cancel_timer(id);
  drp_client_.reset();
  drp_server_.reset();
  cosi_.reset();
  signer_.abandon();
  tickets_.clear();
  early_drp_.clear();
  early_drp_bytes_ = 0;
}

void EpochCore::on_propose(NodeId from, Slot s, core::Reader& r, TimeMs now, Effects& out) {
  const auto round = r.u32();
  auto record_bytes = r.bytes(core::encoded_bytes_len_max);
  auto transcript_bytes = r.bytes(transcript_bytes_max);
  if (!r.finish()) return;
  // Only the candidate our own ranking names for that attempt, and never one we excluded. A
  // later attempt than ours means we are a little behind: its transcript shows that enough
  // servers already moved on, so we follow. The record may be an earlier candidate's (one its
  // co-signers are locked on, Kind::locked): a record is valid whoever gathers its signatures.
  if (s.view != view_ || window_open_ || s.attempt < attempt_ || s.attempt >= candidates_.size() ||
      candidates_[s.attempt] != from)
    return;
  // Rounds only grow within an attempt, across the candidate's re-proposals too, so a proposal
  // overtaken in the network by a later one is recognized as stale.
  if (checked_ && checked_->slot == s && round <= checked_->round) return;
  auto record = decode_record(record_bytes, context_.size());
  if (!record) return;
  const auto hash = record_hash(*record);
  if (!checked_ || checked_->slot != s || checked_->hash != hash) {
    // Checked once per proposal, a few per attempt: a candidate that sends a new junk record
    // every round costs one check each up to the cap, not one per message.
    if (s == slot() && proposal_checks_ >= proposal_checks_max) return;
    if (s == slot()) ++proposal_checks_;
    auto checked = check_proposal(record_bytes, transcript_bytes);
    if (!checked || checked->first.view > s.view) return;
    if (s.attempt > attempt_) {
      // Only the later candidate's own record, checked, moves us on: its transcript shows that
      // enough servers already served that attempt. Junk from a Byzantine backup does not.
      if (checked->first.leader != from) return;
      attempt_ = s.attempt;
      start_attempt(now, out);
      proposal_checks_ = 1;
    }
    checked_ = Checked{s, std::move(checked->first), std::move(checked->second), hash, 0};
  }
  if (lock_ && lock_->hash != checked_->hash) {
    // We co-signed another record of this epoch: tell the candidate which.
    checked_->round = round;
    auto w = header(Kind::locked, s.view, s.attempt);
    w.bytes(encode(lock_->record)).bytes(drp::encode(lock_->transcript));
    out.send(from, w.take());
    return;
  }
  signer_.abandon();  // a restarted round: the old commitment is never answered
  checked_->round = round;
  auto w = header(Kind::commitment, view_, attempt_);
  w.u32(round).raw(signer_.commit(rng_));
  out.send(from, w.take());
}

void EpochCore::on_locked(NodeId from, Slot s, core::Reader& r, TimeMs now, Effects& out) {
  auto record_bytes = r.bytes(core::encoded_bytes_len_max);
  auto transcript_bytes = r.bytes(transcript_bytes_max);
  if (!r.finish() || !proposal_ || s != slot() || !locks_heard_.insert(from).second) return;
  auto record = decode_record(record_bytes, context_.size());
  if (!record) return;
  const auto hash = record_hash(*record);
  if (hash == record_hash(*proposal_)) return;
  auto claim = lock_claims_.find(hash);
  if (claim == lock_claims_.end()) {
    auto checked = check_proposal(record_bytes, transcript_bytes);
    if (!checked) return;  // junk: not a claim; the next claimant's copy is checked afresh
    claim = lock_claims_.emplace(hash, LockClaim{std::move(checked->first), std::move(checked->second), {}}).first;
  }
  claim->second.claimants.insert(from);
  // Switch at once when f + 1 validators say they are locked on that record: one of them is
  // honest, so the record did get responses and only proposing it lets them sign. A single
  // Byzantine claim does not: a withholding earlier leader would otherwise swap its record in
  // after seeing this candidate's randomness. Fewer claims can still decide the record when
  // this candidate's own cannot gather its signers (propose_locked, at the CoSi timeout).
  if (switched_ || claim->second.claimants.size() < (context_.size() - 1) / 3 + 1) return;
  switched_ = true;
  propose(claim->second.record, claim->second.transcript, now, out);
}

// At the CoSi timeout, with fewer commitments than a record needs: if some validators are
// locked on an earlier candidate's record, this candidate's own record may never gather its
// signers — an earlier leader that died mid-CoSi after f responses leaves f validators locked
// and n − f − 1 others, one short of n − f (tests/sim/epoch_test.cpp,
// ALeaderThatDiesAfterFLockedResponsesDoesNotStallTheEpoch). Proposing the record most
// validators are locked on lets the locked and the unlocked sign together. Safe whichever
// record is proposed (each honest validator signs one record an epoch). Bias needs this
// candidate's own record to fall short, which with at most f faulty validators and every honest
// one answering in time happens only when honest validators are locked — on a record its leader
// put to CoSi in its own attempt, before this candidate's rnd existed. So a withholding leader
// gains from it only with more than f faulty validators or honest ones slower than the timeout.
// Once an attempt (no ping-pong), and only in the first CoSi round of the candidate's own record:
// after a round with responses, validators are locked on that record and leaving it wastes them.
bool EpochCore::propose_locked(TimeMs now, Effects& out) {
  IOS_ASSERT(proposal_ && cosi_);
  if (switched_ || cosi_->round() != 1 || lock_claims_.empty()) return false;
  switched_ = true;
  const auto most = std::max_element(lock_claims_.begin(), lock_claims_.end(), [](const auto& a, const auto& b) {
    return a.second.claimants.size() < b.second.claimants.size();
  });
  propose(most->second.record, most->second.transcript, now, out);
  return true;
}

void EpochCore::on_commitment(NodeId from, Slot s, core::Reader& r, TimeMs now, Effects& out) {
  const auto round = r.u32();
  const auto v = r.fixed<32>();
  if (!r.finish() || !cosi_ || s != slot() || round != round_ || cosi_->challenged()) return;
  if (cosi_->add_commitment(from, v) && cosi_->all_committed()) challenge(now, out);
}

void EpochCore::on_challenge(NodeId from, Slot s, core::Reader& r, Effects& out) {
  crypto::CosiChallenge c;
  const auto round = r.u32();
  c.aggregate_commitment = r.fixed<32>();
  c.aggregate_key = r.fixed<32>();
  c.c = r.fixed<32>();
  auto mask = r.bytes(crypto::cosi_roster_size_max / 8 + 1);
  if (!r.finish() || !checked_ || checked_->slot != s || checked_->round != round || candidates_[s.attempt] != from) return;
  auto decoded = crypto::CosiMask::decode(mask, context_.size());
  if (!decoded || !decoded->contains(self_) || !signer_.has_open_commitment()) return;
  if (lock_ && lock_->hash != checked_->hash) return;
  auto response = signer_.respond(c, signing_message(checked_->record));
  if (!response) return;  // a challenge that is not the record's: the candidate lies
  if (!lock_) {
    lock_ = Lock{checked_->record, checked_->transcript, checked_->hash};
    core::Writer row;
    row.bytes(encode(lock_->record)).bytes(drp::encode(lock_->transcript));
    out.persist("lock", row.take());  // before the response leaves
  }
  auto w = header(Kind::response, s.view, s.attempt);
  w.u32(round).raw(*response);
  out.send(from, w.take());
}

void EpochCore::on_response(NodeId from, Slot s, core::Reader& r, TimeMs now, Effects& out) {
  const auto round = r.u32();
  const auto response = r.fixed<32>();
  if (!r.finish() || !cosi_ || s != slot() || round != round_) return;
  if (cosi_->add_response(from, response) && cosi_->all_responded()) finish(now, out);
}

void EpochCore::on_final(core::Reader& r, Effects& out) {
  auto signed_bytes = r.bytes(core::encoded_bytes_len_max);
  auto transcript_bytes = r.bytes(transcript_bytes_max);
  if (!r.finish() || record_) return;
  auto s = decode_signed_record(signed_bytes, context_.size());
  if (!s || !check_successor(*context_.genesis, context_.previous, s->record) || !check_signature(*context_.roster, *s))
    return;
  // The co-signers checked the transcript; keep it when it is the one the record names.
  std::optional<drp::Transcript> transcript;
  if (auto t = drp::decode_transcript(transcript_bytes); t && transcript_hash(*t) == s->record.transcript_hash)
    transcript = std::move(*t);
  // Pass it on once, to the next f + 1 validators of the roster: a lost final message must not
  // leave a validator behind, nor without the transcript it serves. Each validator hears it
  // from f + 1 others, one of them honest, at n·(f + 1) messages instead of n².
  auto w = header(Kind::final, 0, 0);
  w.bytes(signed_bytes).bytes(transcript ? core::ByteView(transcript_bytes) : core::ByteView{});
  const auto payload = w.take();
  const auto n = context_.size();
  for (std::uint32_t k = 1; k <= (n - 1) / 3 + 1 && k < n; ++k) out.send((self_ + k) % n, payload);
  adopt(std::move(*s), std::move(transcript), out);
}

void EpochCore::on_message(TimeMs now, NodeId from, core::ByteView payload, Effects& out) {
  if (from >= context_.size()) return;
  core::Reader r(payload);
  const auto kind = static_cast<Kind>(r.u8());
  const Slot s{r.u64(), r.u32()};
  if (r.failed()) return;
  if (kind == Kind::final) return on_final(r, out);
  if (record_) {
    // A peer still forming this epoch missed the record (down, cut off, or every copy lost):
    // send it once, so it does not wait for ever.
    if (finals_sent_.insert(from).second) {
      auto w = header(Kind::final, 0, 0);
      w.bytes(encode(*record_)).bytes(transcript_ ? drp::encode(*transcript_) : core::Bytes{});
      out.send(from, w.take());
    }
    return;
  }
  switch (kind) {
    case Kind::ticket: return on_ticket(from, s.view, r, now, out);
    case Kind::drp: {
      const auto direction = r.u8();
      if (r.failed()) return;
      const auto inner = payload.subspan(payload.size() - r.remaining());
      if (direction == 0 && ahead(s)) return keep_early(s, from, inner);
      if (s != slot() || !candidate()) return;
      return run_drp(direction == 1, from, inner, now, out);
    }
    case Kind::propose: return on_propose(from, s, r, now, out);
    case Kind::commitment: return on_commitment(from, s, r, now, out);
    case Kind::challenge: return on_challenge(from, s, r, out);
    case Kind::response: return on_response(from, s, r, now, out);
    case Kind::locked: return on_locked(from, s, r, now, out);
    default: return;
  }
}

void EpochCore::on_timer(TimeMs now, TimerId id, Effects& out) {
  if (record_) return;
  if (id == start_timer) return waiting_ ? start_view(now, out) : void();
  if (id == window_timer) return close_window(now, out);
  if (id == ticket_resend_timer) return window_open_ ? send_ticket(out) : void();
  if (id == attempt_timer) {
    ++attempt_;  // the candidate is excluded for this epoch's view
    return start_attempt(now, out);
  }
  if (id == cosi_timer) {
    if (!cosi_) return;
    return cosi_->challenged() ? finish(now, out) : challenge(now, out);
  }
  const auto kind = id >> 56;
  const auto generation = static_cast<std::uint32_t>((id >> 32) & 0xFFFFFF);
  if (generation != (drp_generation_ & 0xFFFFFF) || !candidate()) return;  // a timer of an abandoned attempt
  Effects inner;
  if (kind == drp_client_timers && drp_client_) {
    drp_client_->on_timer(now, id & 0xFFFFFFFF, inner);
    relay(true, inner, now, out);
  } else if (kind == drp_server_timers && drp_server_) {
    drp_server_->on_timer(now, id & 0xFFFFFFFF, inner);
    relay(false, inner, now, out);
  }
}

}  // namespace ios::protocol::epoch
