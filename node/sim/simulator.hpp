#pragma once
// The discrete-event simulator of docs/DESIGN.md §2: the second driver of every protocol::Core
// (the first is the Asio runtime). Hundreds of cores run in one thread against a virtual
// clock, a seeded network model and injected faults; a run is a pure function of
// (seed, configuration, code), so a failing seed replays exactly (docs/STYLE.md rule 8, the
// FoundationDB and TigerBeetle simulators).
//
// How a run goes: add_node() each node with a factory, configure faults and invariants,
// start() (on_start of every node at the current time, normally t = 0), then run_until*().
// Each event is one input to one core (or one fault); its effects are applied in order:
//   Send        -> the node's Byzantine rewrite, if any -> the Network: dropped, or an arrival
//   SetTimer    -> replaces the node's timer with that id; CancelTimer removes it
//   Persist     -> the node's PersistStore, which survives crashes
//   Deliver     -> recorded per node with its time (deliveries())
//   BlockApplied -> its applied txs join the node's tx index, which survives crashes (the
//                  runtime indexes them in its store with the block)
// After every event all invariants are checked; the first violation, or any limit exceeded,
// stops the run with a Failure naming the time, the event number and the seed.
//
// Crash and restart: a crash destroys the core and its pending timers; messages in flight to
// it (or sent to it while down) are dropped on arrival; messages it sent before the crash
// are already on the wire and still arrive. A restart builds a new incarnation from the
// factory, with a fresh Rng stream and the surviving store, and calls its on_start. Messages
// addressed to an earlier incarnation are dropped, like a reset connection.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/core/encoding.hpp"
#include "node/crypto/random.hpp"
#include "node/protocol/core/core.hpp"
#include "node/sim/event_queue.hpp"
#include "node/sim/network.hpp"
#include "node/sim/stats.hpp"
#include "node/sim/time.hpp"
#include "node/sim/trace.hpp"

namespace ios::sim {

class Simulator;

using PersistStore = std::map<std::string, core::Bytes, std::less<>>;

// What a node's factory gets for one incarnation.
struct SimNodeContext {
  NodeId id;
  std::uint32_t incarnation;  // 0 for the first core, +1 per restart
  std::uint64_t seed;         // the simulation's seed
  // A stream of its own: ChaCha20 keyed by ("IOS/v1/sim/node", seed, id, incarnation).
  // Valid until this incarnation crashes; the core may keep the reference.
  core::Rng& rng;
  // What earlier incarnations persisted (and, later, what this one persists). Valid for the
  // simulator's lifetime; the core may keep the reference.
  const PersistStore& store;
  // The txs final blocks applied on this node, in every incarnation (the runtime's store index
  // of applied txs). Valid for the simulator's lifetime, like `store`.
  const std::set<core::Hash32>& applied_txs;
};

using CoreFactory = std::function<std::unique_ptr<protocol::Core>(const SimNodeContext&)>;
// Rewrites each message a Byzantine node's core sends: return {} to drop it, an altered copy,
// several copies, or copies to other destinations. The core itself stays honest code.
using ByzantineRewrite = std::function<std::vector<protocol::Send>(const protocol::Send&)>;
// nullopt while the property holds; otherwise what is wrong.
using Invariant = std::function<std::optional<std::string>(const Simulator&)>;
using RunCondition = std::function<bool(const Simulator&)>;
// Answers a core's Verify effect (docs/STYLE.md rule 7: the simulator verifies inline). The default
// is crypto::verify_each; a benchmark wraps it to count the CPU against the node.
using Verifier = std::function<std::vector<bool>(NodeId, const std::vector<crypto::SignatureCheck>&)>;

struct Delivery {
  TimeUs time_us = 0;
  std::uint32_t incarnation = 0;
  std::string kind;
  core::Bytes value;
  TimeMs time_ms() const { return to_ms(time_us); }
};

// A limit on everything (docs/STYLE.md rule 5). Passing one is a Failure of the run, not a hang.
struct SimLimits {
  std::uint64_t events_max = 10'000'000;  // per Simulator, over all run calls
  std::size_t queue_size_max = 1'000'000;
  std::size_t effects_per_input_max = 100'000;
  std::size_t message_bytes_max = core::encoded_bytes_len_max;
  std::size_t timers_per_node_max = 65'536;
  std::size_t byzantine_sends_max = 4'096;  // outputs of one rewrite call
  std::size_t nodes_max = 100'000;          // add_node beyond this is a bug: asserted
};

enum class FailureKind : std::uint8_t {
  invariant,
  event_limit,
  queue_limit,
  effects_limit,
  message_too_large,
  timer_limit,
  byzantine_limit,
};

std::string_view to_string(FailureKind kind);

struct Failure {
  FailureKind kind = FailureKind::invariant;
  std::string name;    // the invariant's name, or the limit's
  std::string detail;  // what the invariant reported, or the numbers of the limit
  TimeUs time_us = 0;
  std::uint64_t event = 0;  // the event after which it was found (1-based)
  std::uint64_t seed = 0;
  // "sim failure: invariant 'agreement' violated at t=12.345 ms (event 678, seed 42): ..."
  // and on the next line replay_hint(seed, test_name).
  std::string report(std::string_view test_name = {}) const;
};

enum class RunEnd : std::uint8_t {
  time_reached,   // the clock reached the limit
  idle,           // no event left
  condition_met,  // run_until(condition, limit) only
  failed,         // see failure()
};

std::string_view to_string(RunEnd end);

class Simulator {
 public:
  explicit Simulator(std::uint64_t seed, NetworkConfig network = {}, SimLimits limits = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // --- building a run --------------------------------------------------------------------
  // Ids are 0, 1, 2, ... in call order. The factory is called now (incarnation 0) and at
  // every restart. After start(), a new node is started at the current time.
  NodeId add_node(CoreFactory factory);
  // Schedules on_start of every node at the current time, in id order. Once only.
  void start();
  void add_invariant(std::string name, Invariant check);
  // Sees every TraceEntry (inputs, faults, effects) as it happens.
  void set_observer(std::function<void(const TraceEntry&)> observer);
  void set_verifier(Verifier verifier) { verifier_ = std::move(verifier); }

  // --- running ---------------------------------------------------------------------------
  // Processes the next event, if any and not failed; false otherwise.
  bool step();
  // Every event up to and including time_ms; then the clock reads time_ms.
  RunEnd run_until(TimeMs time_ms);
  // Until no event is left (idle; the clock stays at the last event) or the next one lies
  // after limit_ms (time_reached; the clock reads limit_ms).
  RunEnd run_until_idle(TimeMs limit_ms);
  // Until `done` holds (checked before the first event and after each), or idle, or limit_ms.
  RunEnd run_until(const RunCondition& done, TimeMs limit_ms);

  // --- faults: all take effect at at_ms (>= now) through the event queue; ties keep call order
  void crash(NodeId id, TimeMs at_ms);
  // A fresh incarnation from the factory (a crash first, if the node is up).
  void restart(NodeId id, TimeMs at_ms);
  // The groups cannot reach each other from from_ms until until_ms (or until healed).
  PartitionId partition(std::vector<std::vector<NodeId>> groups, TimeMs from_ms,
                        std::optional<TimeMs> until_ms = std::nullopt);
  void heal(PartitionId id, TimeMs at_ms);
  void heal_all(TimeMs at_ms);
  void set_default_link(LinkConfig link, TimeMs at_ms);
  void set_link(NodeId from, NodeId to, LinkConfig link, TimeMs at_ms);  // directed
  void clear_link(NodeId from, NodeId to, TimeMs at_ms);
  void set_loss(double loss_rate, TimeMs at_ms);  // the default link's loss rate
  // Any driver action at a time (what names it in the trace and the transcript).
  void schedule(TimeMs at_ms, std::string what, std::function<void(Simulator&)> action);
  // A message that `from` never produced enters the network at at_ms, as if `from` had sent it
  // (partitions, loss and latency apply; the Byzantine rewrite does not): forged or
  // equivocating messages of a Byzantine node, or a client's request.
  void inject(NodeId from, NodeId to, core::Bytes payload, TimeMs at_ms);
  // Takes effect immediately and lasts across restarts (it models the operator, not the code).
  void set_byzantine(NodeId id, ByzantineRewrite rewrite);
  void clear_byzantine(NodeId id);

  // --- reading ---------------------------------------------------------------------------
  std::uint64_t seed() const { return seed_; }
  TimeUs now_us() const { return now_us_; }
  TimeMs now_ms() const { return to_ms(now_us_); }
  std::size_t node_count() const { return nodes_.size(); }
  bool is_up(NodeId id) const;
  bool is_byzantine(NodeId id) const;
  std::uint32_t incarnation(NodeId id) const;
  const protocol::Core* core(NodeId id) const;  // nullptr while down
  template <class T>
  const T* core_as(NodeId id) const {
    return dynamic_cast<const T*>(core(id));
  }
  const PersistStore& store(NodeId id) const;
  const std::vector<Delivery>& deliveries(NodeId id) const;
  const Network& network() const { return network_; }
  const SimStats& stats() const { return stats_; }
  const SimLimits& limits() const { return limits_; }
  const core::Hash32& transcript_hash() const { return transcript_.hash(); }
  std::size_t queue_size() const { return queue_.size(); }
  const std::optional<Failure>& failure() const { return failure_; }
  // A separate seeded stream ("IOS/v1/sim/faults") for drivers' and Byzantine rewrites'
  // random choices, so they replay with the seed too.
  core::Rng& fault_rng() { return fault_rng_; }

 private:
  struct Node {
    CoreFactory factory;
    // Declared before `core`, so the core (which may hold rng&) is destroyed first.
    std::unique_ptr<crypto::ChaChaRng> rng;
    std::unique_ptr<protocol::Core> core;
    std::uint32_t incarnation = 0;
    bool up = false;
    bool started = false;  // on_start called for this incarnation
    PersistStore store;
    std::set<core::Hash32> applied_txs;
    std::vector<Delivery> deliveries;
    std::map<TimerId, EventKey> timers;  // pending timers of the current incarnation
    ByzantineRewrite byzantine;
  };

  Node& node(NodeId id);
  const Node& node(NodeId id) const;
  TimeUs control_time(TimeMs at_ms) const;
  std::optional<EventKey> push(TimeUs at_us, Event event);  // nullopt: failed (queue full)
  void count_drop(DropReason reason);
  void fail(FailureKind kind, std::string name, std::string detail);
  void trace(TraceEntry entry);
  RunEnd run_loop(TimeUs limit_us, const RunCondition* done, bool advance_clock);

  // simulator.cpp: one event
  void process(const EventKey& key, Event event);
  void on_start_event(const Event& event);
  void start_core(NodeId id);
  void on_message_event(const Event& event);
  void on_timer_event(const Event& event);
  void on_verify_done_event(const Event& event);
  void on_loaded_event(Event& event);
  void on_control_event(Event& event);
  void check_invariants();

  // simulator_effects.cpp: a core's effects
  void run_core(NodeId id, const std::function<void(protocol::Core&, protocol::Effects&)>& call);
  void apply_effects(NodeId id, std::vector<protocol::Effect> effects);
  void send_message(NodeId from, protocol::Send send);   // through the Byzantine rewrite
  void route_message(NodeId from, protocol::Send send);  // into the network
  void set_timer(NodeId id, const protocol::SetTimer& timer);
  void cancel_timer(NodeId id, const protocol::CancelTimer& timer);
  void persist(NodeId id, protocol::Persist persist);
  void deliver(NodeId id, protocol::Deliver deliver);
  void verify(NodeId id, const protocol::Verify& verify);
  void load(NodeId id, const protocol::Load& load);
  void prune(NodeId id, const protocol::Prune& prune);

  // simulator_faults.cpp: incarnations
  void make_incarnation(NodeId id);
  void do_crash(NodeId id);
  void do_restart(NodeId id);

  std::uint64_t seed_;
  SimLimits limits_;
  Network network_;
  crypto::ChaChaRng fault_rng_;
  EventQueue queue_;
  TimeUs now_us_ = 0;
  bool started_ = false;
  PartitionId next_partition_ = 0;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::pair<std::string, Invariant>> invariants_;
  std::function<void(const TraceEntry&)> observer_;
  Verifier verifier_;
  Transcript transcript_;
  SimStats stats_;
  std::optional<Failure> failure_;
};

}  // namespace ios::sim
