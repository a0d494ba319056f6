// The client door in front of a node's instances. What it does and its invariants:
// client_core.hpp.
#include "node/protocol/client/client_core.hpp"

#include <algorithm>

#include "contracts/token.hpp"

namespace ios::protocol::client {

namespace {

// A receipt's refusal that asks for a retry or may be about a copy of the tx (receipt_checked).
bool is_hint(std::string_view reason) {
  for (auto hint : {core::Reject::wrong_shard, core::Reject::unknown_input, core::Reject::length_over_limit,
                    core::Reject::duplicate})
    if (reason.starts_with(core::to_string(hint))) return true;
  return false;
}

}  // namespace

ClientCore::ClientCore(std::unique_ptr<node::NodeCore> node, ClientDoorConfig config)
    : node_(std::move(node)), config_(std::move(config)) {
  IOS_ASSERT(node_ != nullptr && config_.genesis != nullptr && config_.applied_in_store);
}

template <class Call>
void ClientCore::to_node(Call&& call, Effects& out) {
  const auto before = out.list().size();
  call(*node_, out);
  for (std::size_t i = before; i < out.list().size(); ++i) {
    if (const auto* b = std::get_if<BlockApplied>(&out.list()[i])) on_applied(*b);
    if (const auto* v = std::get_if<Verify>(&out.list()[i])) IOS_ASSERT((v->id & door_verify_bit) == 0);  // ids apart
  }
}

void ClientCore::on_start(TimeMs now_ms, Effects& out) {
  to_node([&](Core& c, Effects& o) { c.on_start(now_ms, o); }, out);
}

void ClientCore::on_timer(TimeMs now_ms, TimerId id, Effects& out) {
  to_node([&](Core& c, Effects& o) { c.on_timer(now_ms, id, o); }, out);
}

void ClientCore::on_loaded(TimeMs now_ms, std::uint64_t id, std::vector<std::optional<core::Bytes>> values, Effects& out) {
  to_node([&](Core& c, Effects& o) { c.on_loaded(now_ms, id, std::move(values), o); }, out);
}

void ClientCore::on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) {
  const auto opened = node::open(payload);
  if (opened && opened->key.protocol == node::Protocol::client) {
    auto m = decode_client_message(opened->payload);
    if (!m) {
      ++counters_.bad_messages;
      return;
    }
    // An answer is for a client; a node has nothing to do with one.
    auto* s = std::get_if<ClientSubmit>(&*m);
    if (s == nullptr || !config_.client_messages) {
      ++counters_.bad_messages;
      return;
    }
    return on_client_submit(now_ms, from, std::move(s->tx), out);
  }
  // Receipts answer transactions this door forwarded: the shard instance has no use for them.
  if (opened && opened->key.protocol == node::Protocol::shard && pob::is_receipt(opened->payload)) {
    auto m = pob::decode_pob_message(opened->payload);
    auto* r = m ? std::get_if<pob::TxReceipt>(&*m) : nullptr;
    if (r == nullptr) {
      ++counters_.receipts_refused;
      return;
    }
    return on_receipt(now_ms, from, opened->key, std::move(*r), out);
  }
  to_node([&](Core& c, Effects& o) { c.on_message(now_ms, from, payload, o); }, out);
}

void ClientCore::on_client_submit(TimeMs now_ms, NodeId from, chain::Tx tx, Effects& out) {
  const auto answer = [&](SubmitResult result) { out.send(from, encode(ClientAnswer{std::move(result)})); };
  // What needs no signature check first: a tx held here already is sent on again as the door
  // holds it (its witnesses were checked; the hash does not cover witnesses, so the copy that
  // came now is not used), and one of a shard this node does not serve is refused.
  const auto hash = chain::tx_hash(tx);
  if (const auto* held = submitted_.find(hash)) return answer(submit(now_ms, chain::Tx(*held), out));
  if (!tx.inputs.empty())
    if (auto wrong = wrong_shard(chain::payer(tx))) return answer({hash, false, wrong->message()});
  auto checks = chain::witness_checks(tx, config_.genesis->chain_id_bytes());
  if (submit_witnesses_checking_ + checks.size() > submit_witness_checks_in_flight_max) {
    ++counters_.submits_dropped;
    return;
  }
  submit_witnesses_checking_ += checks.size();
  const auto id = next_verify_++;
  out.verify(id, std::move(checks));
  submit_checks_.emplace(id, std::pair{from, std::move(tx)});
}

void ClientCore::on_verify_done(TimeMs now_ms, std::uint64_t id, std::vector<bool> valid, Effects& out) {
  if ((id & door_verify_bit) == 0)
    return to_node([&](Core& c, Effects& o) { c.on_verify_done(now_ms, id, std::move(valid), o); }, out);
  if (auto r = receipt_checks_.find(id); r != receipt_checks_.end()) {
    IOS_ASSERT(valid.size() == 1);  // one check asked
    auto receipt = std::move(r->second);
    receipt_checks_.erase(r);
    receipts_checking_.erase(receipt.tx);
    return receipt_checked(std::move(receipt), valid[0]);
  }
  auto s = submit_checks_.find(id);
  IOS_ASSERT(s != submit_checks_.end());  // the driver answers each Verify once
  auto [client, tx] = std::move(s->second);
  submit_checks_.erase(s);
  IOS_ASSERT(submit_witnesses_checking_ >= valid.size());
  submit_witnesses_checking_ -= valid.size();
  SubmitResult result;
  if (auto witnesses = chain::witness_verdict(valid); !witnesses)
    result = {chain::tx_hash(tx), false, witnesses.error().message()};
  else
    result = submit(now_ms, tx, out);
  out.send(client, encode(ClientAnswer{std::move(result)}));
}

void ClientCore::on_receipt(TimeMs now_ms, NodeId from, const node::InstanceKey& segment, pob::TxReceipt r, Effects& out) {
  (void)now_ms;
  // Cheap checks first: the segment the envelope names is hosted here, the receipt is for its
  // shard and epoch, and the sender is the believable validator that signed it (docs/security.md
  // "Forged receipts": a receipt was believed on its own key). A producer speaks for its own
  // shard only: a node hosting two shards must not let one shard's believable validator settle
  // a payment of the other, and only a validator the door sent the tx to answers for it (a
  // believable validator of another segment of the shard, or of another step, was never asked).
  // Then only receipts for a tx this door still waits on have their signature checked, one at
  // a time per tx and at most receipt_checks_in_flight_max at once (docs/security.md
  // "Unbounded queues and storage": 1.69 M junk receipts in 2 s queued without bound and grew
  // the node by 25 MB). A receipt for a tx no longer held (settled, expired) is late, not forged.
  const auto* tx = submitted_.find(r.tx);
  if (tx == nullptr) {
    ++counters_.receipts_dropped;
    return;
  }
  const auto* hosted = node_->instance<pob::ShardValidator>(segment);
  const bool payers_shard = chain::payer(*tx).shard(config_.genesis->policy.shards) == r.shard;  // held: well-shaped
  if (hosted == nullptr || !pob::check_receipt(hosted->setup(), from, r, false) || !payers_shard ||
      !submitted_.was_sent_to(r.tx, from)) {
    ++counters_.receipts_refused;
    return;
  }
  const auto waiting = tracker_.find(r.tx);
  if (!waiting || waiting->state != TxState::pending || receipts_checking_.contains(r.tx) ||
      receipt_checks_.size() >= receipt_checks_in_flight_max) {
    ++counters_.receipts_dropped;
    return;
  }
  const auto id = next_verify_++;
  out.verify(id, {pob::receipt_check(r, config_.genesis->chain_id_bytes())});
  receipts_checking_.insert(r.tx);
  receipt_checks_.emplace(id, std::move(r));
}

void ClientCore::receipt_checked(pob::TxReceipt r, bool valid) {
  if (!valid) {
    ++counters_.receipts_refused;
    return;
  }
  if (r.status == pob::ReceiptStatus::optimistic) {
    tracker_.optimistic(r.tx, r.producer, r.optimistic_block);
  } else if (is_hint(r.reason)) {
    // Not a verdict on the tx. wrong_shard: the segment it was sent to ended on the way
    // (TransEpoch). unknown_input: the producer's final state is ahead of this node's, and its
    // inputs may be spent by this very tx (final there already, or a resubmission of it).
    // length_over_limit: the producer is busy ("retry"). duplicate: it holds the same tx with
    // other witnesses, so this hash may well be final. It stays pending: the final chain
    // applies it, or this node's own state refuses it at the wallet's next resubmission (submit).
    ++counters_.receipts_dropped;
  } else {
    tracker_.rejected(r.tx, r.reason);
    submitted_.settle(r.tx);
  }
}

void ClientCore::on_applied(const BlockApplied& applied) {
  if (applied.joins) joined_at_.insert_or_assign(applied.shard.value, applied.height);
  auto applied_txs = applied.applied;
  std::sort(applied_txs.begin(), applied_txs.end());
  for (const auto& h : applied.applied) {
    tracker_.final(h, applied.height);
    submitted_.settle(h);
  }
  for (const auto& h : applied.excluded) {
    if (std::binary_search(applied_txs.begin(), applied_txs.end(), h)) continue;  // applied once, then excluded as a repeat
    tracker_.excluded(h, applied.height);
    submitted_.settle(h);
  }
  submitted_.expire(applied.shard, applied.height);
}

SubmitResult ClientCore::refuse(const core::Hash32& hash, const core::Error& why) {
  const auto message = why.message();
  tracker_.refused(hash, message);
  // Tracked and not applied, with its inputs spent in this node's final state: it can never
  // be final (a receipt's unknown_input was only a hint, receipt_checked).
  tracker_.rejected(hash, message);
  ++counters_.refusals[std::string(core::to_string(why.reason))];
  return {hash, false, message};
}

SubmitResult ClientCore::submit(TimeMs now_ms, const chain::Tx& tx, Effects& out) {
  const auto hash = chain::tx_hash(tx);
  const auto& policy = config_.genesis->policy;
  // A tx without inputs decodes, and its witnesses "verify" (none to check); it names no shard.
  if (auto shape = chain::check_tx_shape(tx); !shape) return refuse(hash, shape.error());
  // The payer names the shard, and this node's running segment of it takes the tx.
  const auto payer = chain::payer(tx);
  if (auto wrong = wrong_shard(payer)) return {hash, false, wrong->message()};
  const auto segment = segment_of(core::ShardId{payer.shard(policy.shards)});
  IOS_ASSERT(segment.has_value());  // wrong_shard found one
  // Only a running segment takes transactions. An ended one is either between epochs (its
  // successor starts when the next record is final here: the wallet retries) or the last of a
  // shard this node has left, which it keeps a while to answer queries.
  if (segment->validator->ended()) {
    const auto shard = segment->key.shard;
    const auto formed = node_->formed_epoch();
    if (config_.schedule && config_.schedule->hosts(formed, shard, config_.index))
      return {hash, false,
              core::Error{core::Reject::between_segments, "shard " + core::to_string(shard) +
                                                              " is between epochs here (its next segment starts with "
                                                              "record " + std::to_string(formed + 1) + "); retry"}
                  .message()};
    return {hash, false, core::Error{core::Reject::wrong_shard, payer.to_string() + " lives in shard " +
                                                                    core::to_string(shard) + ", which this node has left"}
                             .message()};
  }
  const auto& ledger = segment->validator->ledger();
  const auto forward = [&](std::uint32_t attempt) {
    const auto payload = node::wrap(segment->key, pob::encode(pob::PobMessage{pob::SubmitTx{tx}}));
    auto route = ledger.submission_route(payer, attempt);
    // Once a producer has sealed it, only that producer: another would seal it again.
    if (const auto receipt = tracker_.receipt(hash)) {
      const auto& setup = segment->validator->setup();
      if (const auto sealer = setup.index_of(receipt->producer); sealer && setup.is_believable(*sealer)) route = {*sealer};
    }
    for (auto to : route) {
      submitted_.sent_to(hash, to);
      out.send(to, payload);
    }
  };
  // A tx submitted again (a wallet re-sending its unfinished transfers, a resubmission after a
  // timeout) is accepted again: sent on once more if it is still pending here, but at most once
  // per submitted_resend_interval_ms (re-submitting one tx in a loop must not become a stream
  // of frames and receipts between validators), and to the route's next believable validator
  // (the one before may be down). The state check below would refuse it, its inputs being
  // spent by itself.
  if (submitted_.contains(hash)) {
    if (const auto attempt = submitted_.resend_due(hash, now_ms)) forward(*attempt);
    return {hash, true, {}};
  }
  // Refuse at the door what no validator would accept, with the reason (an unknown or spent
  // input, a wrong amount). Outputs of this door's own unfinalized submissions count, so a
  // wallet can chain through optimistic receipts; the believable validator judges again.
  auto change = contracts::transfer(submitted_.over(ledger.state()), tx, config_.key, policy.min_fee);
  if (!change) {
    // One already final is answered as accepted: its inputs are spent by itself.
    if (config_.applied_in_store(hash)) return {hash, true, {}};
    if (has_outputs_of(hash)) return {hash, true, {}};  // final before this node joined the shard
    // A node that joined the shard from a handed-over state cannot tell an input spent by this
    // very tx (final before it joined, its outputs spent since) from one that never was: it
    // refuses, but does not record the tx as rejected; a node that served the shard earlier knows.
    const auto shard = segment->key.shard.value;
    if (change.error().reason == core::Reject::unknown_input && joined_at_.contains(shard))
      return {hash, false, change.error().message() + " (this node joined shard " + std::to_string(shard) +
                               " at height " + std::to_string(joined_at_.at(shard)) + "; an earlier tx may have spent it)"};
    return refuse(hash, change.error());
  }
  submitted_.add(tx, segment->key.shard, ledger.height(), now_ms);
  tracker_.submitted(hash);
  forward(0);
  return {hash, true, {}};
}

std::optional<ClientCore::Segment> ClientCore::segment_of(core::ShardId shard) const {
  // Keys order by (shard, epoch, protocol, step): the last one of the shard is its latest.
  std::optional<Segment> latest, running;
  for (const auto& [key, v] : node_->all<pob::ShardValidator>()) {
    if (key.shard != shard) continue;
    latest = Segment{key, v};
    if (!v->ended()) running = latest;
  }
  return running ? running : latest;
}

bool ClientCore::has_outputs_of(const core::Hash32& tx) const {
  for (const auto& [key, v] : node_->all<pob::ShardValidator>()) {
    const auto& utxos = v->ledger().state().utxos();
    const auto it = utxos.lower_bound(chain::OutPoint{tx, 0});
    if (it != utxos.end() && it->first.tx == tx) return true;
  }
  return false;
}

std::string ClientCore::shards_served() const {
  std::set<std::uint32_t> shards;
  for (const auto& [key, v] : node_->all<pob::ShardValidator>()) shards.insert(key.shard.value);
  if (shards.empty()) return "none yet (it is joining one)";
  std::string out;
  for (auto j : shards) out += (out.empty() ? "" : " and ") + std::to_string(j);
  return out;
}

std::optional<core::Error> ClientCore::wrong_shard(const chain::Address& a) const {
  const auto shard = a.shard(config_.genesis->policy.shards);
  if (segment_of(core::ShardId{shard})) return std::nullopt;
  return core::Error{core::Reject::wrong_shard, a.to_string() + " lives in shard " + std::to_string(shard) +
                                                    "; this node serves shard " + shards_served() +
                                                    " (ios devnet status lists each node's shard now)"};
}

}  // namespace ios::protocol::client
