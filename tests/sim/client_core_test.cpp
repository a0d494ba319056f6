// The client door (node/protocol/client/client_core.hpp) driven input by input: what it
// forwards, which receipts it believes and in what order it checks them, and that nothing a
// peer or client sends gets more signature checks out at once than its bound
// (docs/security.md "Forged receipts", "Unbounded queues and storage").
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <tuple>

#include "node/crypto/random.hpp"
#include "node/protocol/client/client_core.hpp"
#include "node/sim/shard_scenario.hpp"
#include "support/chain_fixtures.hpp"  // libsodium initialised before any test

namespace ios::protocol::client {
namespace {

class ClientDoor : public ::testing::Test {
 protected:
  ClientDoor() : world_(sim::make_shard_world(options())), rng_("test/client-door", 1) {
    self_ = world_.setup->normal.front();
    auto node = std::make_unique<node::NodeCore>();
    node->host(world_.instance(),
               std::make_unique<pob::ShardValidator>(world_.setup, self_, world_.validators[self_], rng_,
                                                     pob::PersistedState{}, byzcoin::ByzcoinConfig{}));
    door_ = std::make_unique<ClientCore>(
        std::move(node), ClientDoorConfig{std::make_shared<chain::Genesis>(world_.setup->genesis), self_,
                                          world_.validators[self_].public_identity().signing, nullptr,
                                          [this](const core::Hash32& tx) { return applied_.contains(tx); },
                                          /*client_messages=*/true});
    Effects ignored;
    door_->on_start(0, ignored);
    producer_ = route_of(0, 0);
  }

  // The believable validator account `a`'s payments go to at `attempt`.
  NodeId route_of(std::size_t a, std::uint32_t attempt) const {
    const auto payer = chain::Address::from_public_key(world_.accounts[a].public_identity().signing);
    const auto route = door_->segment_of(world_.instance().shard)->validator->ledger().submission_route(payer, attempt);
    EXPECT_EQ(route.size(), 1u) << "two leagues";
    return route.front();
  }

  static sim::ShardRunOptions options() {
    sim::ShardRunOptions o;
    o.validators = 6;
    o.believable = 2;
    o.accounts = 2;
    return o;
  }

  // Account `a` pays itself from its genesis output, or from `coin` (`amount`) when given.
  chain::Tx payment(std::size_t a, std::uint64_t nonce, std::optional<std::pair<chain::OutPoint, chain::Amount>> coin = {}) const {
    const auto key = world_.accounts[a].signing_key();
    const auto fee = world_.setup->policy().min_fee;
    if (!coin)
      coin = {chain::genesis_outpoint(world_.account_allocations[a]),
              world_.setup->genesis.allocations[world_.account_allocations[a]].amount};
    return chain::make_transfer({{coin->first, &key}},
                                {{chain::Address::from_public_key(key.public_key()), chain::Asset::ios, coin->second - fee}}, fee,
                                nonce, world_.setup->chain_id);
  }

  pob::TxReceipt receipt(const core::Hash32& tx, pob::ReceiptStatus status, std::string reason = {},
                         std::optional<NodeId> by = {}) const {
    const auto& s = *world_.setup;
    return pob::make_receipt(world_.validators[by.value_or(producer_)].signing_key(), s.chain_id, s.shard, s.epoch, tx,
                             status, status == pob::ReceiptStatus::optimistic ? core::Hash32{7} : core::Hash32{},
                             std::move(reason));
  }

  // Where `out` sends the tx on (SubmitTx), in order.
  static std::vector<NodeId> forwarded(const Effects& out) {
    std::vector<NodeId> to;
    for (const auto& e : out.list())
      if (const auto* send = std::get_if<Send>(&e); send != nullptr && node::open(send->payload)->key.protocol == node::Protocol::shard)
        to.push_back(send->to);
    return to;
  }

  Effects deliver(NodeId from, const pob::TxReceipt& r) {
    Effects out;
    door_->on_message(20, from, world_.enveloped(pob::encode(pob::PobMessage{r})), out);
    return out;
  }

  static std::vector<Verify> verifies(const Effects& out) {
    std::vector<Verify> found;
    for (const auto& e : out.list())
      if (const auto* v = std::get_if<Verify>(&e)) found.push_back(*v);
    return found;
  }

  Effects answer(const Verify& v) {
    Effects out;
    door_->on_verify_done(30, v.id, crypto::verify_each(v.checks), out);
    return out;
  }

  sim::ShardWorld world_;
  crypto::ChaChaRng rng_;
  NodeId producer_ = 0, self_ = 0;
  std::set<core::Hash32> applied_;
  std::unique_ptr<ClientCore> door_;
};

TEST_F(ClientDoor, ForwardsToTheBelievableValidatorAndBelievesOnlyItsSignedReceipt) {
  const auto tx = payment(0, 1);
  const auto h = chain::tx_hash(tx);
  Effects out;
  const auto result = door_->submit(10, tx, out);
  ASSERT_TRUE(result.accepted) << result.reason;
  ASSERT_EQ(out.list().size(), 1u);
  const auto& sent = std::get<Send>(out.list().front());
  EXPECT_EQ(sent.to, producer_) << "two leagues: the payer's believable validator";
  ASSERT_TRUE(door_->tracker().find(h));
  EXPECT_EQ(door_->tracker().find(h).value().state, TxState::pending);

  // Free checks, no signature check: a member of the other league speaks for the producer; the
  // other believable validator, which was never sent the tx, speaks for it; a receipt of a tx
  // this door never forwarded (late, or junk) is dropped.
  const auto other = world_.setup->believable.front() == producer_ ? world_.setup->believable.back()
                                                                   : world_.setup->believable.front();
  EXPECT_TRUE(verifies(deliver(self_, receipt(h, pob::ReceiptStatus::optimistic))).empty());
  EXPECT_TRUE(verifies(deliver(other, receipt(h, pob::ReceiptStatus::rejected, "double_spend: no", other))).empty());
  EXPECT_EQ(door_->counters().receipts_refused, 2u);
  EXPECT_TRUE(verifies(deliver(producer_, receipt(chain::tx_hash(payment(1, 1)), pob::ReceiptStatus::optimistic))).empty());
  EXPECT_EQ(door_->counters().receipts_dropped, 1u);

  // Altered after signing: checked, and refused on the verdict.
  auto altered = receipt(h, pob::ReceiptStatus::rejected, "fee_too_low: no");
  altered.reason = "double_spend: yes";
  auto checks = verifies(deliver(producer_, altered));
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_NE(checks[0].id & door_verify_bit, 0u) << "the door's ids never meet the node's";
  EXPECT_TRUE(answer(checks[0]).empty());
  EXPECT_EQ(door_->counters().receipts_refused, 3u);
  EXPECT_EQ(door_->tracker().find(h).value().state, TxState::pending);

  // One check per tx at a time: the same receipt again while it is out costs a lookup.

  // The producer's real word.
  checks = verifies(deliver(producer_, receipt(h, pob::ReceiptStatus::optimistic)));
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_TRUE(verifies(deliver(producer_, receipt(h, pob::ReceiptStatus::optimistic))).empty());
  EXPECT_EQ(door_->counters().receipts_dropped, 2u);
  answer(checks[0]);
  EXPECT_EQ(door_->tracker().find(h).value().state, TxState::optimistic);
  ASSERT_TRUE(door_->tracker().receipt(h));
  EXPECT_EQ(door_->tracker().receipt(h)->producer, world_.validators[producer_].public_identity().signing);
}

// Refusals that ask for a retry, or may be about another copy of the tx, are hints: the tx stays
// pending (docs/security.md "Refusals that are not verdicts (TransEpoch)"). unknown_input: the
// producer's state may be ahead; wrong_shard: its segment ended; length_over_limit: it is busy;
// duplicate: it holds the same tx with other witnesses. A real rejection is a verdict.
TEST_F(ClientDoor, RetryRefusalsAreHintsAndARejectionAVerdict) {
  // Account 0's chain of four payments (one per hint), account 1's one (the verdict).
  Effects out;
  std::vector<core::Hash32> hinted;
  std::optional<std::pair<chain::OutPoint, chain::Amount>> coin;
  for (std::uint64_t k = 1; k <= 4; ++k) {
    const auto tx = payment(0, k, coin);
    ASSERT_TRUE(door_->submit(10, tx, out).accepted);
    hinted.push_back(chain::tx_hash(tx));
    coin = {{hinted.back(), 0}, tx.outputs[0].amount};
  }
  const auto refused = chain::tx_hash(payment(1, 1));
  ASSERT_TRUE(door_->submit(10, payment(1, 1), out).accepted);
  const char* hints[] = {"unknown_input: input 0", "wrong_shard: segment ended", "length_over_limit: producer busy; retry",
                         "duplicate: a different witness set for a pending tx"};
  for (std::size_t k = 0; k < hinted.size(); ++k) {
    const auto checks = verifies(deliver(route_of(0, 0), receipt(hinted[k], pob::ReceiptStatus::rejected, hints[k], route_of(0, 0))));
    ASSERT_EQ(checks.size(), 1u);
    answer(checks[0]);
    EXPECT_EQ(door_->tracker().find(hinted[k]).value().state, TxState::pending) << hints[k];
    EXPECT_TRUE(door_->submitted().contains(hinted[k])) << "its outputs still count at the door: " << hints[k];
  }
  const auto checks = verifies(deliver(route_of(1, 0), receipt(refused, pob::ReceiptStatus::rejected, "fee_too_low: 1", route_of(1, 0))));
  ASSERT_EQ(checks.size(), 1u);
  answer(checks[0]);
  EXPECT_EQ(door_->tracker().find(refused).value().state, TxState::rejected);
  EXPECT_FALSE(door_->submitted().contains(refused));
}

TEST_F(ClientDoor, AFloodOfReceiptsOrSubmissionsNeverHasMoreChecksOutThanItsBound) {
  // A wallet's chain of payments, each spending the last one's change: all pending here.
  std::vector<chain::Tx> chain;
  std::optional<std::pair<chain::OutPoint, chain::Amount>> coin;
  Effects out;
  for (std::uint64_t k = 0; k < receipt_checks_in_flight_max + 10; ++k) {
    chain.push_back(payment(0, k + 1, coin));
    ASSERT_TRUE(door_->submit(10, chain.back(), out).accepted);
    coin = {{chain::tx_hash(chain.back()), 0}, chain.back().outputs[0].amount};
  }
  std::size_t checks = 0;
  for (const auto& tx : chain) checks += verifies(deliver(producer_, receipt(chain::tx_hash(tx), pob::ReceiptStatus::optimistic))).size();
  EXPECT_EQ(checks, receipt_checks_in_flight_max);
  EXPECT_EQ(door_->counters().receipts_dropped, 10u);

  // Witness checks of ClientSubmits: bounded by signatures out, whoever sends them.
  const auto submit = encode(ClientSubmit{payment(1, 1)});
  checks = 0;
  for (std::size_t i = 0; i < submit_witness_checks_in_flight_max + 5; ++i) {
    Effects o;
    door_->on_message(40, world_.client, submit, o);
    for (const auto& v : verifies(o)) checks += v.checks.size();
  }
  EXPECT_EQ(checks, submit_witness_checks_in_flight_max);
  EXPECT_EQ(door_->counters().submits_dropped, 5u);
}

// A resend goes to the next believable validator while the tx is pending (the one before may be
// down), and only to the producer that sealed it once a receipt came (another would seal it
// again).
TEST_F(ClientDoor, AResendRotatesWhilePendingAndStaysWithTheProducerOnceOptimistic) {
  const auto tx = payment(0, 1);
  const auto h = chain::tx_hash(tx);
  Effects first, early, second, third;
  ASSERT_TRUE(door_->submit(10, tx, first).accepted);
  EXPECT_EQ(forwarded(first), std::vector<NodeId>{route_of(0, 0)});
  ASSERT_TRUE(door_->submit(11, tx, early).accepted);
  EXPECT_TRUE(forwarded(early).empty()) << "at most once per interval";
  ASSERT_TRUE(door_->submit(10 + submitted_resend_interval_ms, tx, second).accepted);
  EXPECT_EQ(forwarded(second), std::vector<NodeId>{route_of(0, 1)});
  EXPECT_NE(route_of(0, 1), route_of(0, 0));
  // The second one sealed it.
  const auto sealer = route_of(0, 1);
  const auto checks = verifies(deliver(sealer, receipt(h, pob::ReceiptStatus::optimistic, {}, sealer)));
  ASSERT_EQ(checks.size(), 1u);
  answer(checks[0]);
  ASSERT_EQ(door_->tracker().find(h).value().state, TxState::optimistic);
  ASSERT_TRUE(door_->submit(10 + 2 * submitted_resend_interval_ms, tx, third).accepted);
  EXPECT_EQ(forwarded(third), std::vector<NodeId>{sealer});
}

// `ios node` takes submissions on its API only: a peer's ClientSubmit costs no signature check.
TEST_F(ClientDoor, ANodeThatTakesNoClientMessagesChecksNothingForThem) {
  auto node = std::make_unique<node::NodeCore>();
  const auto other = world_.setup->normal.back();
  node->host(world_.instance(), std::make_unique<pob::ShardValidator>(world_.setup, other, world_.validators[other], rng_,
                                                                      pob::PersistedState{}, byzcoin::ByzcoinConfig{}));
  ClientCore door(std::move(node), ClientDoorConfig{std::make_shared<chain::Genesis>(world_.setup->genesis), other,
                                                    world_.validators[other].public_identity().signing, nullptr,
                                                    [](const core::Hash32&) { return false; }});
  Effects out;
  door.on_start(0, out);
  Effects in;
  door.on_message(10, self_, encode(ClientSubmit{payment(0, 1)}), in);
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(door.counters().bad_messages, 1u);
}

TEST_F(ClientDoor, AClientSubmitIsAnsweredOnceItsWitnessesAreChecked) {
  const auto run = [&](const chain::Tx& tx) {
    Effects out;
    door_->on_message(10, world_.client, encode(ClientSubmit{tx}), out);
    const auto checks = verifies(out);
    EXPECT_EQ(checks.size(), 1u);
    EXPECT_EQ(out.list().size(), 1u) << "nothing forwarded or answered before the verdict";
    return answer(checks.at(0));
  };
  const auto answer_in = [&](const Effects& out) -> std::optional<SubmitResult> {
    for (const auto& e : out.list()) {
      const auto* s = std::get_if<Send>(&e);
      if (s == nullptr || s->to != world_.client) continue;
      const auto opened = node::open(s->payload);
      EXPECT_TRUE(opened.ok());
      return std::get<ClientAnswer>(*decode_client_message(opened->payload)).result;
    }
    return std::nullopt;
  };
  auto forged = payment(0, 1);
  forged.inputs[0].witness[5] ^= 1;
  const auto refused = answer_in(run(forged));
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->accepted);
  EXPECT_TRUE(refused->reason.starts_with("bad_signature")) << refused->reason;
  EXPECT_FALSE(door_->tracker().find(chain::tx_hash(forged))) << "an unverified tx marks nothing";

  const auto out = run(payment(0, 1));
  const auto accepted = answer_in(out);
  ASSERT_TRUE(accepted);
  EXPECT_TRUE(accepted->accepted) << accepted->reason;
  EXPECT_EQ(out.list().size(), 2u) << "forwarded to the producer, answered to the client";
  // Held now: a copy with other witnesses is answered at once, and what is sent on is the copy
  // the door checked.
  auto copy = payment(0, 1);
  copy.inputs[0].witness[9] ^= 1;
  Effects again;
  door_->on_message(10 + submitted_resend_interval_ms, world_.client, encode(ClientSubmit{copy}), again);
  EXPECT_TRUE(verifies(again).empty());
  const auto held = answer_in(again);
  ASSERT_TRUE(held);
  EXPECT_TRUE(held->accepted);
  for (const auto& e : again.list()) {
    const auto* send = std::get_if<Send>(&e);
    if (send == nullptr || send->to == world_.client) continue;
    const auto m = pob::decode_pob_message(node::open(send->payload)->payload);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(std::get<pob::SubmitTx>(*m).tx, payment(0, 1));
  }
}

// What the store indexes as final is accepted again (a wallet resubmitting a tx final long
// ago, its inputs spent by itself): the driver's index answers, not the door's memory.
TEST_F(ClientDoor, ATxFinalInTheStoreIsAcceptedAgainAndAnUnknownInputRefused) {
  auto stranger = payment(0, 1);
  stranger.inputs[0].prev = chain::OutPoint{core::Hash32{0x42}, 0};
  const auto key = world_.accounts[0].signing_key();
  stranger = chain::make_transfer({{stranger.inputs[0].prev, &key}}, stranger.outputs, stranger.fee, 1, world_.setup->chain_id);
  Effects out;
  auto r = door_->submit(10, stranger, out);
  EXPECT_FALSE(r.accepted);
  EXPECT_TRUE(r.reason.starts_with("unknown_input")) << r.reason;
  const auto refusal = door_->tracker().find_refusal(chain::tx_hash(stranger));
  ASSERT_TRUE(refusal) << "kept apart from submissions, with its reason";
  EXPECT_EQ(refusal->reason, r.reason);
  EXPECT_EQ(door_->counters().refusals.at("unknown_input"), 1u);
  applied_.insert(chain::tx_hash(stranger));
  r = door_->submit(11, stranger, out);
  EXPECT_TRUE(r.accepted) << r.reason;
}

}  // namespace
}  // namespace ios::protocol::client
