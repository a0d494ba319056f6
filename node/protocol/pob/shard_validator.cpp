#include "node/protocol/pob/shard_validator.hpp"

#include <algorithm>
#include <utility>

#include "node/core/encoding.hpp"
#include "node/ledger/state_snapshot.hpp"

namespace ios::protocol::pob {
namespace {

constexpr std::string_view producer_key = "pob/producer";

core::Bytes encode_producer(std::uint64_t next_seq, const core::Hash32& prev) {
  core::Writer w;
  w.u64(next_seq).raw(prev);
  return w.take();
}

std::optional<std::pair<std::uint64_t, core::Hash32>> load_producer(const PersistedState& store) {
  auto it = store.find(producer_key);
  if (it == store.end()) return std::nullopt;
  core::Reader r(it->second);
  const auto seq = r.u64();
  const auto prev = r.fixed<32>();
  IOS_ASSERT(r.finish().ok());  // we wrote it
  return std::make_pair(seq, prev);
}

}  // namespace

ShardValidator::ShardValidator(std::shared_ptr<const ShardSetup> setup, std::uint32_t index,
                               const crypto::Identity& identity, core::Rng& rng, const PersistedState& store,
                               byzcoin::ByzcoinConfig timing, std::optional<SegmentStart> start)
    : setup_(std::move(setup)),
      index_(index),
      key_(std::make_shared<const crypto::SigningKey>(identity.signing_key())),
      vrf_(identity.vrf_seed()),
      ledger_(start ? ShardLedger(setup_, std::move(start->state)) : ShardLedger(setup_)),
      joins_next_(start && start->joined),
      carried_(start ? std::move(start->carried) : std::vector<chain::Tx>{}) {
  IOS_ASSERT(index_ < setup_->validator_count());
  IOS_ASSERT(key_->public_key() == setup_->signing_key(index_));
  const auto& policy = setup_->policy();
  auto normal_index = setup_->normal_index(index_);
  if (normal_index) {
    signer_ = std::make_unique<crypto::CosiSigner>(*key_);
    pool_.emplace(ledger_, vrf_);
  } else if (setup_->is_believable(index_)) {
    producer_.emplace(setup_->chain_id, setup_->shard, setup_->epoch, *key_, policy.min_fee);
    persisted_producer_ = load_producer(store);
  }  // else an observer of this step: a host of the shard that joins later or has left
  timing.domain = setup_->domain;
  timing.roster = setup_->normal_roster;
  timing.members.assign(setup_->normal.begin(), setup_->normal.end());
  timing.self = normal_index;
  timing.observers = setup_->observers;
  timing.signing_key = key_;
  timing.first_height = ledger_.first_height();
  if (start) timing.first_prev = start->prev;
  engine_ = std::make_unique<byzcoin::ByzcoinEngine>(std::move(timing), static_cast<byzcoin::ByzcoinApp&>(*this),
                                                     signer_.get(), rng, store);
}

void ShardValidator::on_start(TimeMs now_ms, Effects& out) {
  last_now_ms_ = now_ms;
  replaying_ = true;
  engine_->on_start(now_ms, out);  // replays persisted final blocks through on_final
  replaying_ = false;
  if (producer_ && !ended()) {
    std::uint64_t next = 0;
    core::Hash32 prev{};
    if (auto merged = ledger_.last_merged_seq(key_->public_key())) next = *merged + 1;
    if (persisted_producer_ && persisted_producer_->first >= next) std::tie(next, prev) = *persisted_producer_;
    producer_->resume(next, prev);
    last_seal_ms_ = now_ms;
    out.set_timer(seal_timer, now_ms + setup_->policy().optimistic_interval_ms);
  }
  carry_on(out);
}

void ShardValidator::carry_on(Effects& out) {
  // What this node's previous segment of the shard held (SegmentStart::carried). A node on the
  // payer's route now takes it into its own pool or batch (every member that stays does the
  // same with its own copy: nothing crosses the network); one that is not sends it to the
  // route, so members that are new to the shard get it from those that left. A refusal here is
  // the pool's or the producer's verdict, as for any submission.
  const auto carried = std::exchange(carried_, {});
  if (ended()) return;
  for (const auto& tx : carried) {
    const auto route = ledger_.submission_route(chain::payer(tx), 0);
    if (std::find(route.begin(), route.end(), index_) == route.end()) {
      const auto message = encode(PobMessage{SubmitTx{tx}});
      for (auto to : route) out.send(to, message);
    } else if (producer_) {
      (void)producer_->admit(tx, ledger_.state(), ledger_.height());
    } else if (pool_) {
      (void)pool_->add_direct(tx);
    }
  }
}

void ShardValidator::on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) {
  last_now_ms_ = now_ms;
  if (payload.empty()) {
    ++counters_.peer_messages_refused;
    return;
  }
  if (payload[0] == byzcoin::ByzcoinEngine::message_tag) {
    engine_->on_message(now_ms, from, payload, out);
    flush_fraud_proofs(out);
    return;
  }
  auto m = decode_pob_message(payload);
  if (!m) {
    ++counters_.peer_messages_refused;
    return;
  }
  if (std::holds_alternative<HandoverRequest>(*m)) {
    on_handover_request(now_ms, from, out);
  } else if (ended()) {
    // Over: the client and the producers go on with the next segment.
    if (auto* s = std::get_if<SubmitTx>(&*m))
      refuse(from, s->tx, core::Error{core::Reject::wrong_shard, "this shard's segment ended; send to its current validators"}, out);
  } else if (auto* s = std::get_if<SubmitTx>(&*m)) {
    on_submit(now_ms, from, s->tx, out);
  } else if (auto* b = std::get_if<OptimisticBlockMsg>(&*m)) {
    on_optimistic_block(now_ms, b->block, out);
  } else if (auto* f = std::get_if<FraudProofMsg>(&*m)) {
    // Gossip once: only a proof that is new here is passed on.
    if (pool_ && pool_->add_fraud_proof(f->proof)) send_to_normal_league(encode(PobMessage{*f}), out);
  } else {
    ++counters_.peer_messages_refused;  // receipts are for clients
  }
}

// Only the engine loads (a catch-up served from the store).
void ShardValidator::on_loaded(TimeMs now_ms, std::uint64_t id, std::vector<std::optional<core::Bytes>> values,
                               Effects& out) {
  last_now_ms_ = now_ms;
  engine_->on_loaded(now_ms, id, std::move(values), out);
}

void ShardValidator::on_timer(TimeMs now_ms, TimerId id, Effects& out) {
  last_now_ms_ = now_ms;
  if (byzcoin::ByzcoinEngine::owns_timer(id)) {
    engine_->on_timer(now_ms, id, out);
    flush_fraud_proofs(out);
    return;
  }
  IOS_ASSERT(id == seal_timer);
  IOS_ASSERT(producer_.has_value());
  if (ended()) return;  // the segment is over: no more blocks, no more timer
  const auto& policy = setup_->policy();
  // Idle, it still seals an empty block every two block intervals: a heartbeat that keeps it
  // counted as live (believable_liveness_blocks) without flooding the league.
  if (producer_->has_batch() || now_ms >= last_seal_ms_ + 2 * policy.block_interval_ms) seal(now_ms, out);
  retransmit(now_ms, out);
  out.set_timer(seal_timer, now_ms + policy.optimistic_interval_ms);
}

void ShardValidator::on_submit(TimeMs now_ms, NodeId from, const chain::Tx& tx, Effects& out) {
  (void)now_ms;
  if (producer_) {
    // A resubmission of pending bytes was verified already: receipt it with the next batch.
    if (producer_->is_pending(tx)) return admit(from, tx, out);
    if (verifying_.size() >= verifying_txs_max)
      return refuse(from, tx, core::Error{core::Reject::length_over_limit, "producer busy verifying; retry"}, out);
    // The witnesses go to the driver's verifier (docs/STYLE.md rule 7); the state is judged with
    // the verdict, in arrival order, against the state as it is then.
    const auto id = next_verify_id_++;
    out.verify(id, chain::witness_checks(tx, setup_->chain_id));
    verifying_.emplace(id, Verifying{from, tx, std::nullopt});
    return;
  }
  if (!pool_)
    return refuse(from, tx, core::Error{core::Reject::wrong_shard, "not a validator of this shard's current step"}, out);
  // A normal validator takes transactions directly (the one-league fallback). The client
  // learns the outcome from the final chain it follows.
  if (!pool_->add_direct(tx)) ++counters_.txs_refused;
}

void ShardValidator::on_verify_done(TimeMs now_ms, std::uint64_t id, std::vector<bool> valid, Effects& out) {
  last_now_ms_ = now_ms;
  auto it = verifying_.find(id);
  IOS_ASSERT(it != verifying_.end() && !it->second.valid);  // the driver answers each Verify once
  IOS_ASSERT(valid.size() == it->second.tx.inputs.size());
  it->second.valid = std::move(valid);
  while (!verifying_.empty() && verifying_.begin()->second.valid) {
    const Verifying v = std::move(verifying_.begin()->second);
    verifying_.erase(verifying_.begin());
    if (auto s = chain::witness_verdict(*v.valid); !s)
      refuse(v.client, v.tx, s.error(), out);
    else
      admit(v.client, v.tx, out);
  }
}

void ShardValidator::admit(NodeId client, const chain::Tx& tx, Effects& out) {
  const bool again = producer_->is_pending(tx);
  if (auto s = producer_->admit(tx, ledger_.state(), ledger_.height()); !s) return refuse(client, tx, s.error(), out);
  if (!again) ++counters_.txs_admitted;
  promise_receipt(client, chain::tx_hash(tx), out);
}

void ShardValidator::promise_receipt(NodeId client, const core::Hash32& tx, Effects& out) {
  // Sealed already (a resubmission, or a second client of the same tx): the receipt names the
  // block it is in, now. Otherwise it goes out when the batch holding it is sealed, once per
  // client however often the client resubmits.
  if (auto block = producer_->sealed_in(tx)) return send_optimistic_receipt(client, tx, *block, out);
  batch_clients_.emplace(client, tx);
}

void ShardValidator::send_optimistic_receipt(NodeId client, const core::Hash32& tx, const core::Hash32& block,
                                             Effects& out) {
  auto receipt =
      make_receipt(*key_, setup_->chain_id, setup_->shard, setup_->epoch, tx, ReceiptStatus::optimistic, block, {});
  out.send(client, encode(PobMessage{std::move(receipt)}));
}

void ShardValidator::refuse(NodeId client, const chain::Tx& tx, const core::Error& why, Effects& out) {
  ++counters_.txs_refused;
  auto receipt = make_receipt(*key_, setup_->chain_id, setup_->shard, setup_->epoch, chain::tx_hash(tx),
                              ReceiptStatus::rejected, {}, why.message());
  out.send(client, encode(PobMessage{std::move(receipt)}));
}

void ShardValidator::on_optimistic_block(TimeMs now_ms, const chain::OptimisticBlock& block, Effects& out) {
  if (!pool_) return;  // believable validators follow only final blocks
  auto added = pool_->add_block(block, now_ms);
  if (!added) {
    ++counters_.peer_messages_refused;
    return;
  }
  flush_fraud_proofs(out);
}

void ShardValidator::seal(TimeMs now_ms, Effects& out) {
  auto block = producer_->seal(now_ms);
  ++counters_.blocks_sealed;
  last_seal_ms_ = now_ms;
  out.persist(std::string(producer_key), encode_producer(producer_->next_seq(), producer_->prev()));
  const auto seq = block.header.seq;
  auto payload = encode(PobMessage{OptimisticBlockMsg{std::move(block)}});
  send_to_normal_league(payload, out);
  unmerged_[seq] = Unmerged{now_ms, std::move(payload)};
  while (unmerged_.size() > unmerged_blocks_max) unmerged_.erase(unmerged_.begin());
  for (auto it = batch_clients_.begin(); it != batch_clients_.end();) {
    const auto& [client, tx] = *it;
    if (!producer_->is_pending_hash(tx)) {
      it = batch_clients_.erase(it);  // finalized or forgotten meanwhile: the client follows the chain
      continue;
    }
    auto sealed = producer_->sealed_in(tx);
    if (!sealed) {
      ++it;  // still in the batch (a block holds at most optimistic_block_txs_max)
      continue;
    }
    send_optimistic_receipt(client, tx, *sealed, out);
    it = batch_clients_.erase(it);
  }
}

void ShardValidator::retransmit(TimeMs now_ms, Effects& out) {
  const TimeMs every = retransmit_blocks * setup_->policy().block_interval_ms;
  for (auto& [seq, u] : unmerged_) {
    if (now_ms < u.sent_ms + every) continue;
    u.sent_ms = now_ms;
    send_to_normal_league(u.payload, out);
  }
}

void ShardValidator::send_to_normal_league(const core::Bytes& payload, Effects& out) {
  for (auto i : setup_->normal) {
    if (i != index_) out.send(i, payload);
  }
}

void ShardValidator::flush_fraud_proofs(Effects& out) {
  if (!pool_) return;
  for (auto& f : pool_->take_found()) {
    ++counters_.fraud_proofs_sent;
    send_to_normal_league(encode(PobMessage{FraudProofMsg{std::move(f)}}), out);
  }
}

void ShardValidator::on_epoch_formed(TimeMs now_ms, std::uint64_t epoch, Effects& out) {
  (void)now_ms, (void)out;
  if (epoch > setup_->epoch) next_epoch_formed_ = true;
}

void ShardValidator::on_handover_request(TimeMs now_ms, NodeId from, Effects& out) {
  // Joiners ask the last step of the epoch before theirs, nothing else. Only a validator may ask
  // (a client has no use for a whole state), and each at most once a second: an answer is the
  // shard's whole state. One that asks before the segment is over is answered the moment it is
  // (a joiner asks as soon as its record is final, usually before the block that opens its
  // epoch); at most one waiting entry per validator.
  if (!setup_->last_step || from >= setup_->validator_count()) return;
  if (!ended()) {
    handover_waiting_.insert(from);
    return;
  }
  if (!budget_.allow(from, now_ms)) return;
  if (auto m = handover_message()) out.send(from, std::move(*m));
}

std::optional<core::Bytes> ShardValidator::handover_message() {
  IOS_ASSERT(ended() && !engine_->recent().empty());  // a segment ends with a block of its own
  if (ledger::snapshot_bytes(ledger_.state()) > handover_snapshot_bytes_max) {
    ++handovers_too_large_;
    return std::nullopt;
  }
  return encode(PobMessage{Handover{engine_->recent().back(), ledger::encode_snapshot(ledger_.state())}});
}

SegmentStart ShardValidator::end_state() const {
  IOS_ASSERT(ended() && !engine_->recent().empty());
  SegmentStart start{ledger_.state(), engine_->recent().back().hash(), false, {}};
  const auto carry = [&](const chain::Tx& tx) {
    if (start.carried.size() < carried_txs_max) start.carried.push_back(tx);
  };
  if (pool_)
    for (const auto& [hash, tx] : pool_->mempool()) carry(tx);
  if (producer_)
    for (const auto& tx : producer_->pending_txs()) carry(tx);
  return start;
}

std::optional<core::Bytes> ShardValidator::propose(std::uint64_t height, const core::Hash32& prev, TimeMs now_ms) {
  (void)prev;
  IOS_ASSERT(pool_.has_value());
  IOS_ASSERT(height == ledger_.height());
  if (setup_->opens_next_epoch() && next_epoch_formed_) {
    auto opening = ledger_.opening_block(key_->public_key(), now_ms);
    if (!opening) return std::nullopt;  // a slashed leader: the view changes past it
    return encode(*opening);
  }
  auto proposal = pool_->propose(key_->public_key(), now_ms);
  if (!proposal) return std::nullopt;
  return encode(*proposal);
}

core::Status ShardValidator::validate(std::uint64_t height, const core::Hash32& prev, core::ByteView body) {
  (void)prev;
  IOS_ASSERT(pool_.has_value());
  if (height != ledger_.height()) return core::reject(core::Reject::wrong_height, "not the next height here");
  auto proposal = decode_proposed_block(body);
  if (!proposal) return proposal.error();
  if (proposal->body.epoch == setup_->epoch + 1 && !next_epoch_formed_)
    return core::reject(core::Reject::wrong_height, "epoch " + std::to_string(setup_->epoch + 1) + " is not formed here");
  // A block first seen inside this proposal may reveal a forged tx; flush_fraud_proofs tells
  // the league right after this input.
  auto s = pool_->check(*proposal, last_now_ms_);
  if (!s) ++counters_.proposals_refused;
  return s;
}

void ShardValidator::on_final(const chain::FinalizedBlock& block, Effects& out) {
  const auto applied = ledger_.apply(block);
  // The driver's view of the block (a typed effect: the runtime stores and indexes it).
  // A block replayed from the store at start is there already: no second copy of its bytes.
  out.block_applied({core::ShardId{setup_->shard}, core::Epoch{setup_->epoch}, applied.height, applied.hash,
                     replaying_ ? core::Bytes{} : chain::encode(block), replaying_, applied.applied,
                     applied.outcome.excluded, setup_->step, std::exchange(joins_next_, false)});
  if (pool_) pool_->on_final(applied);
  if (producer_) {
    producer_->on_final(applied.done, ledger_.height());
    if (auto last = ledger_.last_merged_seq(key_->public_key()))
      unmerged_.erase(unmerged_.begin(), unmerged_.upper_bound(*last));
  }
  if (ended()) {
    if (producer_) out.cancel_timer(seal_timer);
    out.deliver(std::string(deliver_segment_ended), {});  // the host reads end_state()
    if (!handover_waiting_.empty()) {
      if (auto bytes = handover_message()) {
        for (auto peer : handover_waiting_)
          if (budget_.allow(peer, last_now_ms_)) out.send(peer, *bytes);
      }
      handover_waiting_.clear();
    }
  }
}

}  // namespace ios::protocol::pob
