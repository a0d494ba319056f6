#pragma once
// A toy ByzCoin host for the simulator tests: real keys and CoSi, a body that names its height,
// its proposer and a counter, and on_final that records each block as a Deliver
// ("byzcoin-final", encoded FinalizedBlock) so invariants can read every incarnation's
// finals from the simulator. Cluster builds n members (node ids 0..n-1) and observers
// (n, n+1, ...) around one Simulator and installs the safety invariants of docs/PROTOCOLS.md §11:
// agreement, exactly once per height in order per incarnation, and verify_finality of every
// final block — checked after every event.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/chain/finality.hpp"
#include "node/crypto/cosi.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"
#include "node/protocol/byzcoin/engine.hpp"
#include "node/sim/simulator.hpp"
#include "sim/toy_protocols.hpp"

namespace ios::sim::byzcoin_toy {

using namespace ios::protocol::byzcoin;
using protocol::Effects;

// The chain the toy members' proofs of possession are bound to.
inline const core::ByteView test_chain = core::as_bytes("ios-test-chain");

inline constexpr std::string_view final_kind = "byzcoin-final";
inline const core::Bytes chain_id = {'t', 'o', 'y', '-', 'b', 'z'};

// Body: "h=<height> p=<proposer> #<counter>" — distinct per proposer and attempt.
inline std::string body_text(core::ByteView body) { return {body.begin(), body.end()}; }

class ToyApp final : public ByzcoinApp {
 public:
  // end_height: the segment's last height (ended() once it is final); nullopt: no end.
  explicit ToyApp(NodeId id, std::optional<std::uint64_t> end_height = std::nullopt) : id_(id), end_(end_height) {}
  std::optional<core::Bytes> propose(std::uint64_t height, const core::Hash32&, TimeMs) override {
    const std::string s =
        "h=" + std::to_string(height) + " p=" + std::to_string(id_) + " #" + std::to_string(counter_++);
    return core::Bytes(s.begin(), s.end());
  }
  core::Status validate(std::uint64_t height, const core::Hash32&, core::ByteView body) override {
    const std::string prefix = "h=" + std::to_string(height) + " ";
    if (!body_text(body).starts_with(prefix))
      return core::reject(core::Reject::wrong_height, "body names another height");
    return core::Ok{};
  }
  void on_final(const chain::FinalizedBlock& block, Effects& out) override {
    finals.push_back(block);
    out.deliver(std::string(final_kind), chain::encode(block));
  }
  bool ended() const override { return end_ && !finals.empty() && finals.back().height >= *end_; }
  std::vector<chain::FinalizedBlock> finals;

 private:
  NodeId id_;
  std::optional<std::uint64_t> end_;
  std::uint64_t counter_ = 0;
};

struct Keys {
  std::vector<std::shared_ptr<const crypto::SigningKey>> signing;
  std::shared_ptr<const crypto::CosiRoster> roster;
};

inline Keys make_keys(std::uint32_t n, std::uint64_t seed) {
  crypto::init();
  crypto::ChaChaRng rng("IOS/test/byzcoin/keys", seed);
  Keys k;
  std::vector<crypto::CosiKey> cosi;
  for (std::uint32_t i = 0; i < n; ++i) {
    crypto::Seed s;
    rng.fill({s.data(), s.size()});
    auto key = std::make_shared<const crypto::SigningKey>(s);
    auto admitted = crypto::CosiKey::admit(key->public_key(), test_chain, 0, crypto::make_pop(*key, test_chain, 0));
    IOS_ASSERT(admitted.ok());
    cosi.push_back(*admitted);
    k.signing.push_back(std::move(key));
  }
  auto roster = crypto::CosiRoster::create(std::move(cosi));
  IOS_ASSERT(roster.ok());
  k.roster = std::make_shared<const crypto::CosiRoster>(std::move(roster).value());
  return k;
}

// One simulated node: the engine, its toy app and (for members) its CoSi signer.
class ToyNode final : public protocol::Core {
 public:
  ToyNode(const SimNodeContext& ctx, ByzcoinConfig config, std::optional<std::uint64_t> end_height = std::nullopt)
      : app_(ctx.id, end_height),
        signer_(config.signing_key ? std::make_unique<crypto::CosiSigner>(*config.signing_key) : nullptr),
        engine_(std::move(config), app_, signer_.get(), ctx.rng, ctx.store) {}
  void on_start(TimeMs now, Effects& out) override { engine_.on_start(now, out); }
  void on_message(TimeMs now, NodeId from, core::ByteView payload, Effects& out) override {
    engine_.on_message(now, from, payload, out);
  }
  void on_timer(TimeMs now, TimerId id, Effects& out) override {
    if (ByzcoinEngine::owns_timer(id)) engine_.on_timer(now, id, out);
  }
  void on_loaded(TimeMs now, std::uint64_t id, std::vector<std::optional<core::Bytes>> values, Effects& out) override {
    engine_.on_loaded(now, id, std::move(values), out);
  }
  const ByzcoinEngine& engine() const { return engine_; }
  const ToyApp& app() const { return app_; }

 private:
  ToyApp app_;
  std::unique_ptr<crypto::CosiSigner> signer_;
  ByzcoinEngine engine_;
};

struct ClusterOptions {
  std::uint32_t members = 4;
  std::uint32_t observers = 1;
  std::uint64_t seed = 1;
  bool tree = true;
  TimeMs block_interval_ms = 50;
  TimeMs phase_timeout_ms = 200;
  TimeMs view_timeout_ms = 1000;
  // A segment of a longer chain (ByzcoinConfig::first_height/first_prev), and its last height.
  std::uint64_t first_height = 0;
  core::Hash32 first_prev{};
  std::optional<std::uint64_t> end_height;
  NetworkConfig network = [] {
    NetworkConfig c;
    c.link_default.latency = Latency::uniform_ms(1, 4);
    return c;
  }();
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions o) : options_(o), keys_(make_keys(o.members, o.seed)), sim_(o.seed, o.network) {
    for (std::uint32_t i = 0; i < o.members + o.observers; ++i) {
      sim_.add_node(
          [this, i](const SimNodeContext& ctx) { return std::make_unique<ToyNode>(ctx, config(i), options_.end_height); });
    }
  }

  ByzcoinConfig config(std::uint32_t id) const {
    ByzcoinConfig c;
    c.domain = chain_id;
    c.roster = keys_.roster;
    for (std::uint32_t i = 0; i < options_.members; ++i) c.members.push_back(i);
    for (std::uint32_t i = 0; i < options_.observers; ++i) c.observers.push_back(options_.members + i);
    if (id < options_.members) {
      c.self = id;
      c.signing_key = keys_.signing[id];
    }
    c.block_interval_ms = options_.block_interval_ms;
    c.phase_timeout_ms = options_.phase_timeout_ms;
    c.view_timeout_ms = options_.view_timeout_ms;
    c.tree = options_.tree;
    c.first_height = options_.first_height;
    c.first_prev = options_.first_prev;
    return c;
  }

  Simulator& sim() { return sim_; }
  const Keys& keys() const { return keys_; }
  std::uint32_t members() const { return options_.members; }
  std::uint32_t node_count() const { return options_.members + options_.observers; }
  NodeId observer(std::uint32_t k = 0) const { return options_.members + k; }

  const ToyNode* node(NodeId id) const { return sim_.core_as<ToyNode>(id); }
  std::uint64_t height(NodeId id) const { return node(id) ? node(id)->engine().height() : 0; }
  ByzcoinStats total_stats() const {
    ByzcoinStats t;
    for (NodeId id = 0; id < options_.members; ++id) {
      if (!node(id)) continue;
      const auto& s = node(id)->engine().stats();
      t.rounds_started += s.rounds_started;
      t.restarts += s.restarts;
      t.star_fallbacks += s.star_fallbacks;
      t.view_changes += s.view_changes;
      t.rejected += s.rejected;
    }
    return t;
  }

  // Every node in `ids` (up ones only) has finalized at least `h` blocks.
  RunCondition reached(std::uint64_t h, std::vector<NodeId> ids = {}) const {
    if (ids.empty())
      for (NodeId id = 0; id < node_count(); ++id) ids.push_back(id);
    return [this, h, ids](const Simulator& s) {
      for (auto id : ids)
        if (s.is_up(id) && height(id) < h) return false;
      return true;
    };
  }

  // Agreement, once per height in order per incarnation, verify_finality — after every event.
  // Incremental: each delivery is decoded and verified once.
  void add_safety_invariants() {
    auto state = std::make_shared<SafetyState>();
    auto roster = keys_.roster;
    const auto first = options_.first_height;
    sim_.add_invariant("byzcoin-safety", [state, roster, first](const Simulator& s) -> std::optional<std::string> {
      state->seen.resize(s.node_count(), 0);
      for (NodeId id = 0; id < s.node_count(); ++id) {
        const auto& d = s.deliveries(id);
        for (; state->seen[id] < d.size(); ++state->seen[id]) {
          const auto& e = d[state->seen[id]];
          if (e.kind != final_kind) continue;
          auto b = chain::decode_finalized_block(e.value);
          if (!b) return "node " + std::to_string(id) + " delivered an undecodable block";
          if (auto ok = chain::verify_finality(*b, *roster, chain_id); !ok)
            return "node " + std::to_string(id) + ": " + ok.error().message();
          auto& next = state->next.try_emplace({id, e.incarnation}, first).first->second;
          if (b->height != next)
            return "node " + std::to_string(id) + " delivered height " + std::to_string(b->height) + ", expected " +
                   std::to_string(next);
          ++next;
          auto [it, fresh] = state->agreed.emplace(b->height, b->hash());
          if (!fresh && it->second != b->hash())
            return "two different blocks final at height " + std::to_string(b->height) + " (node " +
                   std::to_string(id) + ")";
          state->bodies[b->height] = body_text(b->body);
        }
      }
      return std::nullopt;
    });
    safety_ = state;
  }
  std::size_t agreed_heights() const { return safety_ ? safety_->agreed.size() : 0; }
  std::string agreed_body(std::uint64_t h) const {
    if (!safety_ || !safety_->bodies.contains(h)) return {};
    return safety_->bodies.at(h);
  }

  // Chains of every up node agree block by block, and every block verifies.
  void expect_consistent_chains() const {
    const ToyNode* longest = nullptr;
    for (NodeId id = 0; id < node_count(); ++id)
      if (node(id) && (!longest || node(id)->engine().height() > longest->engine().height())) longest = node(id);
    ASSERT_NE(longest, nullptr);
    for (NodeId id = 0; id < node_count(); ++id) {
      if (!node(id)) continue;
      // The blocks both still hold in memory (engine.hpp: final_blocks_in_memory_max).
      const auto& e = node(id)->engine();
      const auto& l = longest->engine();
      for (auto h = std::max(e.recent_from(), l.recent_from()); h < e.height(); ++h) {
        EXPECT_EQ(e.final_at(h)->height, h);
        EXPECT_EQ(e.final_at(h)->hash(), l.final_at(h)->hash()) << "node " << id << " height " << h;
        EXPECT_TRUE(chain::verify_finality(*e.final_at(h), *keys_.roster, chain_id).ok()) << "node " << id << " height " << h;
      }
    }
  }

 private:
  struct SafetyState {
    std::vector<std::size_t> seen;
    std::map<std::pair<NodeId, std::uint32_t>, std::uint64_t> next;
    std::map<std::uint64_t, core::Hash32> agreed;
    std::map<std::uint64_t, std::string> bodies;
  };
  ClusterOptions options_;
  Keys keys_;
  Simulator sim_;
  std::shared_ptr<SafetyState> safety_;
};

}  // namespace ios::sim::byzcoin_toy
