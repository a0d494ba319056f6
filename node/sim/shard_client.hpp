#pragma once
// The simulator's load generator for one PoB shard: many funded accounts in one core that
// sign real transfers at a steady rate, route each as a wallet would (whitepaper §8.2: "a
// transaction goes to one of [the believable validators] by its payer"; to the normal league
// when the shard has fallen back to one league), and follow the final chain as a ByzCoin
// observer to learn what became final. It measures optimistic and final latency in
// simulated time.
//
// Each account spends its newest output: after an optimistic receipt it may chain the next
// payment on the change output; when a payment is excluded or lost it waits for its chain to
// settle and re-reads its outputs from the final state. A payment not final after
// resubmit_after_ms is resubmitted by the next route (same tx, so at most one can apply).
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "node/crypto/identity.hpp"
#include "node/protocol/byzcoin/engine.hpp"
#include "node/protocol/pob/messages.hpp"
#include "node/protocol/pob/shard_ledger.hpp"
#include "node/sim/time.hpp"

namespace ios::sim {

struct ShardClientOptions {
  double tx_rate = 100;            // transactions per simulated second
  TimeMs start_ms = 0;
  TimeMs stop_ms = 10'000;         // no new transactions after this
  TimeMs resubmit_after_ms = 3'000;
  std::uint32_t attempts_max = 3;
};

struct ClientAccount {
  crypto::Identity identity;
  std::uint32_t allocation = 0;  // its genesis allocation index
};

struct ShardClientStats {
  std::uint64_t submitted = 0;     // distinct transactions
  std::uint64_t resubmitted = 0;
  std::uint64_t optimistic = 0;    // optimistic receipts for distinct transactions
  std::uint64_t rejected = 0;      // refused by attempts_max producers in turn
  std::uint64_t finalized = 0;     // applied in a final block
  std::uint64_t excluded = 0;      // in a final block but not applied
  std::uint64_t lost = 0;          // gave up after attempts_max
  std::uint64_t no_ready_account = 0;  // ticks when every account was waiting
  std::vector<TimeMs> optimistic_latency_ms;
  std::vector<TimeMs> final_latency_ms;
};

class ShardClient final : public protocol::Core, private protocol::byzcoin::ByzcoinApp {
 public:
  ShardClient(std::shared_ptr<const protocol::pob::ShardSetup> setup,
              std::vector<ClientAccount> accounts, core::Rng& rng, ShardClientOptions options,
              protocol::byzcoin::ByzcoinConfig timing, const std::map<std::string, core::Bytes, std::less<>>& store);

  void on_start(TimeMs now_ms, protocol::Effects& out) override;
  void on_message(TimeMs now_ms, protocol::NodeId from, core::ByteView payload, protocol::Effects& out) override;
  void on_timer(TimeMs now_ms, protocol::TimerId id, protocol::Effects& out) override;
  void on_loaded(TimeMs now_ms, std::uint64_t id, std::vector<std::optional<core::Bytes>> values,
                 protocol::Effects& out) override;

  const ShardClientStats& stats() const { return stats_; }
  const protocol::pob::ShardLedger& ledger() const { return ledger_; }
  const protocol::byzcoin::ByzcoinEngine& engine() const { return *engine_; }
  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  static constexpr protocol::TimerId tick_timer = (protocol::TimerId{0xC1} << 56) | 1;
  static constexpr TimeMs tick_ms = 1;

  struct Account {
    crypto::Identity identity;
    chain::Address address;
    std::optional<std::pair<chain::OutPoint, chain::Amount>> spendable;
    std::vector<core::Hash32> chain;  // its payments in flight, oldest first
    bool resync = false;
  };
  struct InFlight {
    chain::Tx tx;
    std::size_t account = 0;
    TimeMs submitted_ms = 0;
    TimeMs last_sent_ms = 0;
    std::uint32_t attempts = 1;
    bool optimistic = false;
  };

  std::optional<core::Bytes> propose(std::uint64_t, const core::Hash32&, TimeMs) override { return std::nullopt; }
  core::Status validate(std::uint64_t, const core::Hash32&, core::ByteView) override {
    return core::reject(core::Reject::not_in_roster, "clients do not vote");
  }
  void on_final(const chain::FinalizedBlock& block, protocol::Effects& out) override;

  void send_due(TimeMs now_ms, protocol::Effects& out);
  bool send_one(TimeMs now_ms, protocol::Effects& out);
  void route(const InFlight& f, protocol::Effects& out);
  void settle(const core::Hash32& tx, bool applied);
  void resync(Account& a);
  void resubmit_stale(TimeMs now_ms, protocol::Effects& out);

  std::shared_ptr<const protocol::pob::ShardSetup> setup_;
  core::Rng& rng_;
  ShardClientOptions options_;
  protocol::pob::ShardLedger ledger_;
  std::vector<Account> accounts_;
  std::size_t next_account_ = 0;
  std::uint64_t nonce_ = 0;
  TimeMs last_now_ms_ = 0;  // time of the input being handled (on_final has no clock of its own)
  std::map<core::Hash32, InFlight> in_flight_;
  ShardClientStats stats_;
  std::unique_ptr<protocol::byzcoin::ByzcoinEngine> engine_;
};

}  // namespace ios::sim
