// The client door of every validator (node/protocol/client/client_core.hpp) in the sharded
// simulator: the path POST /v1/tx takes on a devnet, with a client that speaks ClientSubmit.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>

#include "node/protocol/client/client_core.hpp"
#include "node/protocol/client/messages.hpp"
#include "node/sim/node_cores.hpp"
#include "node/sim/sharded_scenario.hpp"
#include "sim/toy_protocols.hpp"

using namespace ios;
using protocol::client::ClientCore;

namespace {

// A client that keeps every answer it gets, by tx hash.
struct Answers {
  std::map<core::Hash32, protocol::client::SubmitResult> by_tx;
};

class Recorder final : public protocol::Core {
 public:
  explicit Recorder(std::shared_ptr<Answers> answers) : answers_(std::move(answers)) {}
  void on_start(protocol::TimeMs, protocol::Effects&) override {}
  void on_timer(protocol::TimeMs, protocol::TimerId, protocol::Effects&) override {}
  void on_message(protocol::TimeMs, protocol::NodeId, core::ByteView payload, protocol::Effects&) override {
    const auto opened = protocol::node::open(payload);
    ASSERT_TRUE(opened.ok());
    const auto m = protocol::client::decode_client_message(opened->payload);
    ASSERT_TRUE(m.ok());
    const auto& a = std::get<protocol::client::ClientAnswer>(*m).result;
    answers_->by_tx[a.hash] = a;
  }

 private:
  std::shared_ptr<Answers> answers_;
};

}  // namespace

// A wallet spends its change before the payment that made it is final (whitepaper §8.2: the
// door lays its own pending submissions over the final state), a second spend of the same coin
// is refused with the reason, and so are a forged witness and a payer of the other shard. The
// chained payments all become final, and the door saw the believable validator's receipt.
TEST(ClientDoorSim, ChainedPaymentsAreTakenBeforeFinalAndEveryRefusalSaysWhy) {
  sim::ShardedRunOptions o;
  o.seed = sim::toy::test_seeds({31}).front();
  o.epochs = 1;
  o.fund_accounts = true;
  SCOPED_TRACE(sim::toy::announce_seed(o.seed));
  auto answers = std::make_shared<Answers>();
  struct Seen {
    std::vector<core::Hash32> chain;
    core::Hash32 again{}, forged{}, elsewhere{};
    std::map<core::Hash32, protocol::client::TxState> states;
    bool receipt = false;
    bool checked = false;
  };
  auto seen = std::make_shared<Seen>();
  const auto r = sim::run_sharded(o, [&](sim::Simulator& s, const sim::EpochSetup& setup) {
    const auto n = static_cast<std::uint32_t>(setup.identities.size());
    const auto client = s.add_node([answers](const sim::SimNodeContext&) { return std::make_unique<Recorder>(answers); });
    const auto fee = setup.genesis->policy.min_fee;
    const auto chain_id = setup.genesis->chain_id_bytes();
    s.schedule(1'000, "submit", [=, &setup](sim::Simulator& now) {
      const auto found = sim::door_for(now, 0, n);
      ASSERT_TRUE(found) << "no validator runs shard 0";
      const auto door = *found;
      // One every 100 ms, in this order (the links' latency would reorder submissions sent at once).
      protocol::TimeMs at = now.now_ms();
      const auto submit = [&](const chain::Tx& tx) {
        now.inject(client, door, protocol::client::encode(protocol::client::ClientSubmit{tx}), at += 100);
        return chain::tx_hash(tx);
      };
      const auto& [payer, allocation] = setup.accounts[0][0];
      const auto key = payer.signing_key();
      const auto self = chain::Address::from_public_key(key.public_key());
      chain::OutPoint coin = chain::genesis_outpoint(allocation);
      chain::Amount amount = setup.genesis->allocations[allocation].amount;
      for (std::uint64_t k = 1; k <= 3; ++k) {
        amount -= fee;
        const auto tx = chain::make_transfer({{coin, &key}}, {{self, chain::Asset::ios, amount}}, fee, k, chain_id);
        seen->chain.push_back(submit(tx));
        coin = {chain::tx_hash(tx), 0};
      }
      // The genesis coin again, in another tx: the first payment spends it.
      seen->again = submit(chain::make_transfer({{chain::genesis_outpoint(allocation), &key}},
                                                {{self, chain::Asset::ios, setup.genesis->allocations[allocation].amount - fee}},
                                                fee, 9, chain_id));
      // A witness altered on the way (the tx hash does not cover witnesses).
      auto forged = chain::make_transfer({{chain::genesis_outpoint(setup.accounts[0][1].second), &key}},
                                         {{self, chain::Asset::ios, 5}}, fee, 10, chain_id);
      forged.inputs[0].witness[0] ^= 1;
      seen->forged = submit(forged);
      const auto& [other, other_allocation] = setup.accounts[1][0];
      const auto other_key = other.signing_key();
      seen->elsewhere = submit(chain::make_transfer(
          {{chain::genesis_outpoint(other_allocation), &other_key}},
          {{chain::Address::from_public_key(other_key.public_key()), chain::Asset::ios, 5}}, fee, 11, chain_id));
      now.schedule(at + 1'500, "final?", [=](sim::Simulator& later) {
        const auto* core = later.core_as<ClientCore>(door);
        if (core == nullptr) return;
        seen->checked = true;
        for (const auto& h : seen->chain) {
          const auto t = core->tracker().find(h);
          seen->states[h] = t ? t->state : protocol::client::TxState::unknown;
        }
        seen->receipt = core->tracker().receipt(seen->chain.front()).has_value();
      });
    });
  });
  ASSERT_FALSE(r.failure) << *r.failure;
  ASSERT_TRUE(seen->checked) << "the door was down when the test looked";
  for (const auto& h : seen->chain) {
    ASSERT_TRUE(answers->by_tx.contains(h));
    EXPECT_TRUE(answers->by_tx[h].accepted) << answers->by_tx[h].reason;
    EXPECT_EQ(seen->states[h], protocol::client::TxState::final) << "chained payment " << core::to_hex(h);
  }
  EXPECT_TRUE(seen->receipt) << "the believable validator's receipt reached the door";
  const auto refused = [&](const core::Hash32& h, std::string_view reason) {
    ASSERT_TRUE(answers->by_tx.contains(h)) << reason;
    const auto& a = answers->by_tx[h];
    std::cout << "refused: " << a.reason << "\n";
    EXPECT_FALSE(a.accepted);
    EXPECT_TRUE(a.reason.starts_with(reason)) << a.reason;
  };
  refused(seen->again, "unknown_input");  // spent by a pending submission of this door
  refused(seen->forged, "bad_signature");
  refused(seen->elsewhere, "wrong_shard");
}
